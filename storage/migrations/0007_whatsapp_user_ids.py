"""Customers known by their WhatsApp user id (BSUID) as well as, or instead of, their phone.

- `users` gains `whatsapp_id` (unique); `phone` may be null (WhatsApp hides it behind a
  username), and so may `name`: a person gets a row at their first message and is registered
  once they give their name.
- Conversations and inbound messages belong to that row (`user_id`), not to a phone, so a
  customer who moves from a phone to a username keeps them.
- Outbox rows name the customer (`user_id`, when the message is about one) and keep the address
  they go to in `recipient` (an E.164 phone or a WhatsApp user id).
- The audit log's actor may be a WhatsApp user id too.
"""
import datetime

from peewee import CharField, DateTimeField, ForeignKeyField, IntegerField, Model, MySQLDatabase, TextField


def up(migrator, db):
    settings = ["ENGINE=InnoDB", "DEFAULT CHARSET=utf8mb4"] if isinstance(db, MySQLDatabase) else []
    now = datetime.datetime.now(datetime.UTC).replace(tzinfo=None, microsecond=0)

    class User(Model):
        name = CharField(max_length=100, null=True)
        phone = CharField(max_length=20, null=True)
        whatsapp_id = CharField(max_length=140, null=True)
        created_at = DateTimeField()

        class Meta:
            database = db
            table_name = "users"

    migrator.migrate(
        migrator.drop_not_null("users", "name"),
        migrator.drop_not_null("users", "phone"),
        migrator.add_column("users", "whatsapp_id", CharField(max_length=140, null=True)),
        migrator.add_index("users", ("whatsapp_id",), True),
    )

    # Every phone that has a conversation or has written becomes a person (unregistered when
    # nobody knew their name), so its conversation and messages can belong to them.
    for table in ("conversations", "inbound_messages"):
        db.execute_sql(f"INSERT INTO users (phone, created_at) SELECT DISTINCT t.phone, {db.param} FROM {table} t"
                       " WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.phone = t.phone)", (now,))

    class Conversation(Model):
        user = ForeignKeyField(User, primary_key=True, on_delete="CASCADE")
        state = CharField(max_length=32, default="start")
        data = TextField(null=True)
        updated_at = DateTimeField()

        class Meta:
            database = db
            table_name = "conversations_by_user"
            table_settings = settings

    db.create_tables([Conversation], safe=False)
    db.execute_sql("INSERT INTO conversations_by_user (user_id, state, data, updated_at)"
                   " SELECT u.id, c.state, c.data, c.updated_at FROM conversations c JOIN users u ON u.phone = c.phone")
    migrator.migrate(
        migrator.drop_table("conversations"),
        migrator.rename_table("conversations_by_user", "conversations"),
    )

    migrator.migrate(
        migrator.add_column("inbound_messages", "user_id", IntegerField(null=True)),
    )
    db.execute_sql("UPDATE inbound_messages SET user_id = (SELECT u.id FROM users u WHERE u.phone = inbound_messages.phone)")
    migrator.migrate(
        migrator.drop_index("inbound_messages", "inbound_messages_phone_created_at"),
        migrator.drop_column("inbound_messages", "phone"),
        migrator.add_index("inbound_messages", ("user_id", "created_at"), False),
    )

    migrator.migrate(
        migrator.drop_index("outbound_messages", "outboundmessage_phone_created_at"),
        migrator.rename_column("outbound_messages", "phone", "recipient"),
        migrator.alter_column_type("outbound_messages", "recipient", CharField(max_length=140)),
        migrator.add_column("outbound_messages", "user_id", IntegerField(null=True)),
    )
    db.execute_sql("UPDATE outbound_messages SET user_id = (SELECT u.id FROM users u WHERE u.phone = outbound_messages.recipient)")
    migrator.migrate(
        migrator.add_index("outbound_messages", ("user_id", "created_at"), False),
        migrator.add_index("outbound_messages", ("recipient", "created_at"), False),
        migrator.alter_column_type("audit_log", "actor", CharField(max_length=140)),
    )


def down(migrator, db):
    raise NotImplementedError("0007 does not go back: a customer known only by a WhatsApp user id has no phone")
