"""Integrations: calendar feeds, and the outbox indexes that /metrics reads.

- `calendar_feeds`: one iCalendar feed for the business (scope `business`) and one per
  professional (scope `professional:<id>`), each at a secret token; rotating a feed replaces its
  token, so the old URL stops working. The unique scope makes "one feed each" the database's rule.
- `outbound_messages (kind, status)` and `(status, created_at)`: /metrics counts the outbox by
  kind and status, and finds the oldest pending row, from indexes alone. Outbound webhooks are
  outbox rows of kind `webhook` (no column changes).
"""
from peewee import CharField, DateTimeField, ForeignKeyField, Model, MySQLDatabase


def up(migrator, db):
    settings = ["ENGINE=InnoDB", "DEFAULT CHARSET=utf8mb4"] if isinstance(db, MySQLDatabase) else []

    class Professional(Model):
        class Meta:
            database = db
            table_name = "professionals"

    class CalendarFeed(Model):
        scope = CharField(max_length=32, unique=True)
        professional = ForeignKeyField(Professional, null=True, on_delete="CASCADE")
        token = CharField(max_length=64, unique=True)
        created_at = DateTimeField()
        rotated_at = DateTimeField(null=True)

        class Meta:
            database = db
            table_name = "calendar_feeds"
            table_settings = settings

    db.create_tables([CalendarFeed], safe=True)
    indexes = {index.name for index in db.get_indexes("outbound_messages")}
    changes = []
    if "outbound_messages_kind_status" not in indexes:
        changes.append(migrator.add_index("outbound_messages", ("kind", "status"), False))
    if "outbound_messages_status_created_at" not in indexes:
        changes.append(migrator.add_index("outbound_messages", ("status", "created_at"), False))
    if changes:
        migrator.migrate(*changes)


def down(migrator, db):
    migrator.migrate(
        migrator.drop_index("outbound_messages", "outbound_messages_status_created_at"),
        migrator.drop_index("outbound_messages", "outbound_messages_kind_status"),
        migrator.drop_table("calendar_feeds"),
    )
