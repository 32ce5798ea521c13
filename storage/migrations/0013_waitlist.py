"""The waitlist: customers waiting for a full day (or part of it), and the offers of freed slots.

- `waitlist_entries`: one row per customer, local day and service (a unique key). While an
  offer is out (`status` = offered) the row holds the slot: professional, start, end and
  `hold_until`; `held_slot` ("professional:start") is unique while set, so one slot is never
  held twice, and availability counts a live hold as busy for everyone but that customer.
"""
from peewee import CharField, DateTimeField, ForeignKeyField, IntegerField, Model, MySQLDatabase, SmallIntegerField


def up(migrator, db):
    settings = ["ENGINE=InnoDB", "DEFAULT CHARSET=utf8mb4"] if isinstance(db, MySQLDatabase) else []

    class User(Model):
        class Meta:
            database = db
            table_name = "users"

    class Service(Model):
        class Meta:
            database = db
            table_name = "services"

    class Professional(Model):
        class Meta:
            database = db
            table_name = "professionals"

    class Appointment(Model):
        class Meta:
            database = db
            table_name = "appointments"

    class WaitlistEntry(Model):
        user = ForeignKeyField(User, on_delete="CASCADE")
        service = ForeignKeyField(Service, on_delete="CASCADE")
        professional = ForeignKeyField(Professional, null=True, on_delete="SET NULL")
        day = CharField(max_length=10)
        window_start = SmallIntegerField(null=True)
        window_end = SmallIntegerField(null=True)
        status = CharField(max_length=16, default="waiting")
        created_at = DateTimeField()
        updated_at = DateTimeField()
        held_professional = IntegerField(null=True)
        held_start = DateTimeField(null=True)
        held_end = DateTimeField(null=True)
        hold_until = DateTimeField(null=True)
        offered_at = DateTimeField(null=True)
        held_slot = CharField(max_length=40, null=True, unique=True)
        appointment = ForeignKeyField(Appointment, null=True, on_delete="SET NULL")

        class Meta:
            database = db
            table_name = "waitlist_entries"
            table_settings = settings
            indexes = (
                (("user", "day", "service"), True),
                (("status", "day", "created_at"), False),
                (("status", "hold_until"), False),
                (("held_professional", "held_start"), False),
            )

    db.create_tables([WaitlistEntry], safe=True)


def down(migrator, db):
    migrator.migrate(migrator.drop_table("waitlist_entries"))
