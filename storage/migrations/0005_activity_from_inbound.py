"""Activity is read from inbound_messages (indexed by phone and time) instead of being kept as
counters on the conversation: the rate-limit window, and the last inbound message (silence
timeout, replies to reminders). A turn that does not move the conversation then writes one row,
its inbound message, and nothing else."""
from peewee import DateTimeField, IntegerField


def up(migrator, db):
    migrator.migrate(
        migrator.add_index("inbound_messages", ("phone", "created_at"), False),
        migrator.drop_column("conversations", "window_started_at"),
        migrator.drop_column("conversations", "window_count"),
        migrator.drop_column("conversations", "last_inbound_at"),
    )


def down(migrator, db):
    migrator.migrate(
        migrator.add_column("conversations", "last_inbound_at", DateTimeField(null=True)),
        migrator.add_column("conversations", "window_count", IntegerField(default=0)),
        migrator.add_column("conversations", "window_started_at", DateTimeField(null=True)),
        migrator.drop_index("inbound_messages", "inbound_messages_phone_created_at"),
    )
