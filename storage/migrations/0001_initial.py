"""Initial schema: users, services, professionals, appointments, hours, blocks, conversation
state, inbound dedupe and the outbox. Models here are frozen copies, independent of
storage/models.py, so this file means the same thing forever."""
import datetime

from peewee import (
    BooleanField,
    CharField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    Model,
    MySQLDatabase,
    SmallIntegerField,
    TextField,
)


def up(migrator, db):
    settings = ["ENGINE=InnoDB", "DEFAULT CHARSET=utf8mb4"] if isinstance(db, MySQLDatabase) else []

    class Base(Model):
        class Meta:
            database = db
            table_settings = settings

    class User(Base):
        name = CharField(max_length=100)
        phone = CharField(unique=True, max_length=20)
        created_at = DateTimeField()
        opted_out_at = DateTimeField(null=True)

        class Meta:
            table_name = "users"

    class Professional(Base):
        name = CharField(max_length=60)
        active = BooleanField(default=True)
        created_at = DateTimeField()

        class Meta:
            table_name = "professionals"

    class Service(Base):
        name = CharField(max_length=60)
        duration = IntegerField()
        active = BooleanField(default=True)
        created_at = DateTimeField()

        class Meta:
            table_name = "services"

    class Appointment(Base):
        user = ForeignKeyField(User, on_delete="RESTRICT")
        professional = ForeignKeyField(Professional, on_delete="RESTRICT")
        service = ForeignKeyField(Service, on_delete="RESTRICT")
        date = DateTimeField()
        end = DateTimeField(column_name="end_at")
        type = CharField(max_length=60)
        duration = IntegerField()
        status = CharField(max_length=16, default="booked")
        revision = IntegerField(default=1)
        scheduled_at = DateTimeField()
        confirmed_at = DateTimeField(null=True)
        cancelled_at = DateTimeField(null=True)
        cancel_reason = CharField(null=True, max_length=200)
        source = CharField(max_length=16, default="whatsapp")
        created_at = DateTimeField()
        updated_at = DateTimeField()

        class Meta:
            table_name = "appointments"
            indexes = ((("professional", "date"), False), (("user", "date"), False), (("date",), False))

    class Block(Base):
        professional = ForeignKeyField(Professional, null=True, on_delete="CASCADE")
        starts_at = DateTimeField()
        ends_at = DateTimeField()
        reason = CharField(null=True, max_length=200)
        created_at = DateTimeField()

        class Meta:
            table_name = "blocks"
            indexes = ((("starts_at",), False),)

    class BusinessHours(Base):
        professional = ForeignKeyField(Professional, null=True, on_delete="CASCADE")
        weekday = SmallIntegerField()
        start_minute = SmallIntegerField()
        end_minute = SmallIntegerField()

        class Meta:
            table_name = "business_hours"
            indexes = ((("professional", "weekday"), False),)

    class Conversation(Base):
        phone = CharField(primary_key=True, max_length=20)
        state = CharField(max_length=32, default="start")
        data = TextField(null=True)
        updated_at = DateTimeField()
        last_inbound_at = DateTimeField(null=True)
        reminder_appointment_id = IntegerField(null=True)
        reminder_sent_at = DateTimeField(null=True)
        window_started_at = DateTimeField(null=True)
        window_count = IntegerField(default=0)

        class Meta:
            table_name = "conversations"

    class InboundMessage(Base):
        sid = CharField(unique=True, max_length=64)
        phone = CharField(max_length=20)
        reply = TextField(null=True)
        created_at = DateTimeField()

        class Meta:
            table_name = "inbound_messages"
            indexes = ((("created_at",), False),)

    class OutboundMessage(Base):
        phone = CharField(max_length=20)
        kind = CharField(max_length=16)
        appointment = ForeignKeyField(Appointment, null=True, on_delete="SET NULL")
        params = TextField(null=True)
        body = TextField(null=True)
        content_sid = CharField(null=True, max_length=64)
        content_variables = TextField(null=True)
        status = CharField(max_length=16, default="pending")
        dedupe_key = CharField(unique=True, null=True, max_length=120)
        attempts = IntegerField(default=0)
        next_attempt_at = DateTimeField()
        claimed_until = DateTimeField(null=True)
        claim_token = CharField(null=True, max_length=32)
        twilio_sid = CharField(unique=True, null=True, max_length=64)
        error_code = IntegerField(null=True)
        created_at = DateTimeField()
        sent_at = DateTimeField(null=True)
        updated_at = DateTimeField()

        class Meta:
            table_name = "outbound_messages"
            indexes = ((("status", "next_attempt_at"), False), (("claim_token",), False),
                       (("phone", "created_at"), False))

    db.create_tables([User, Professional, Service, Appointment, Block, BusinessHours,
                      Conversation, InboundMessage, OutboundMessage], safe=False)

    # The resource being booked. A one-person business never sees it named.
    now = datetime.datetime.now(datetime.UTC).replace(tzinfo=None, microsecond=0)
    Professional.create(name="Equipe", active=True, created_at=now)


def down(migrator, db):
    for table in ("outbound_messages", "inbound_messages", "conversations", "business_hours",
                  "blocks", "appointments", "services", "professionals", "users"):
        migrator.migrate(migrator.drop_table(table))
