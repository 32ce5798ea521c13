"""People in the loop: a chat handed to a person, and each professional on their own phone.

- `handoffs`: a customer's chat handed to the staff; at most one open per customer (the unique
  `open_for` holds the customer's id while it is open, null once closed).
- `professionals.phone`: the professional's own WhatsApp (a phone, or a WhatsApp user id).
- `conversations.misses`: how many answers in a row the bot did not understand (at two it
  offers a person).
- `inbound_messages.body`: what the customer wrote (at most 1,000 characters), so the person who
  takes a chat over sees its last messages.
- `sick_days`: a professional who cannot come, waiting for the owner to move or tell their
  customers (decided once, by the first owner to answer).
"""
from peewee import CharField, DateTimeField, ForeignKeyField, IntegerField, Model, MySQLDatabase, TextField


def up(migrator, db):
    settings = ["ENGINE=InnoDB", "DEFAULT CHARSET=utf8mb4"] if isinstance(db, MySQLDatabase) else []

    class User(Model):
        class Meta:
            database = db
            table_name = "users"

    class Professional(Model):
        class Meta:
            database = db
            table_name = "professionals"

    class Handoff(Model):
        user = ForeignKeyField(User, on_delete="CASCADE")
        open_for = IntegerField(null=True, unique=True)
        professional = ForeignKeyField(Professional, null=True, on_delete="SET NULL")
        reason = CharField(max_length=16)
        opened_at = DateTimeField()
        staff_seen_at = DateTimeField()
        closed_at = DateTimeField(null=True)
        closed_by = CharField(max_length=140, null=True)

        class Meta:
            database = db
            table_name = "handoffs"
            table_settings = settings
            indexes = ((("closed_at", "staff_seen_at"), False),)

    class SickDay(Model):
        professional = ForeignKeyField(Professional, on_delete="CASCADE")
        day = CharField(max_length=10)
        status = CharField(max_length=16, default="asked")
        appointments = TextField(null=True)
        created_at = DateTimeField()
        decided_by = CharField(max_length=140, null=True)

        class Meta:
            database = db
            table_name = "sick_days"
            table_settings = settings
            indexes = ((("professional", "day"), True),)

    db.create_tables([Handoff, SickDay], safe=False)
    migrator.migrate(
        migrator.add_column("professionals", "phone", CharField(max_length=140, null=True)),
        migrator.add_index("professionals", ("phone",), True),
        migrator.add_column("conversations", "misses", IntegerField(default=0)),
        migrator.add_column("inbound_messages", "body", TextField(null=True)),
    )


def down(migrator, db):
    migrator.migrate(
        migrator.drop_column("inbound_messages", "body"),
        migrator.drop_column("conversations", "misses"),
        migrator.drop_index("professionals", "professionals_phone"),
        migrator.drop_column("professionals", "phone"),
        migrator.drop_table("sick_days"),
        migrator.drop_table("handoffs"),
    )
