"""A version number on each conversation: the webhook's fast path saves a turn only if nobody
else saved one since it read the row (optimistic concurrency), in one round trip."""
from peewee import IntegerField


def up(migrator, db):
    migrator.migrate(migrator.add_column("conversations", "version", IntegerField(default=0)))


def down(migrator, db):
    migrator.migrate(migrator.drop_column("conversations", "version"))
