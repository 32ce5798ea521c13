"""One way through a turn: the conversation row is locked for the whole turn, so it needs no
version number for optimistic saves, and the reminder a message may answer is read from the
outbox (the reminders sent to the phone since its last message) instead of being copied onto
the conversation by the worker."""
from peewee import DateTimeField, IntegerField


def up(migrator, db):
    migrator.migrate(
        migrator.drop_column("conversations", "version"),
        migrator.drop_column("conversations", "reminder_appointment_id"),
        migrator.drop_column("conversations", "reminder_sent_at"),
    )


def down(migrator, db):
    migrator.migrate(
        migrator.add_column("conversations", "reminder_sent_at", DateTimeField(null=True)),
        migrator.add_column("conversations", "reminder_appointment_id", IntegerField(null=True)),
        migrator.add_column("conversations", "version", IntegerField(default=0)),
    )
