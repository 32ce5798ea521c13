"""Replies through the REST API, WhatsApp lists and buttons, and voice notes.

- `content_templates`: the generic interactive shapes (a list of N items, N buttons) created
  once through Twilio's Content API; every process reuses their SIDs.
- `inbound_messages.waiting`: a message whose turn has not run yet (a voice note being
  transcribed, or a message that arrived behind one), with what the turn needs; null once
  answered, so a person's messages are answered in the order they were sent.
"""
from peewee import CharField, DateTimeField, Model, MySQLDatabase, TextField


def up(migrator, db):
    settings = ["ENGINE=InnoDB", "DEFAULT CHARSET=utf8mb4"] if isinstance(db, MySQLDatabase) else []

    class ContentTemplate(Model):
        name = CharField(max_length=64, unique=True)
        sid = CharField(max_length=64)
        created_at = DateTimeField()

        class Meta:
            database = db
            table_name = "content_templates"
            table_settings = settings

    db.create_tables([ContentTemplate], safe=False)
    migrator.migrate(migrator.add_column("inbound_messages", "waiting", TextField(null=True)))


def down(migrator, db):
    migrator.migrate(migrator.drop_column("inbound_messages", "waiting"), migrator.drop_table("content_templates"))
