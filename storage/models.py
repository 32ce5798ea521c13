"""The schema. Invariants live here (unique keys, indexes); the booking rules live in booking.py.

Tables are created only by the migrations in storage/migrations; these classes must match them.
"""
from __future__ import annotations

import enum
import json

import peewee

from storage import clock
from storage.db import UTCDateTimeField, database


class AppointmentStatus(str, enum.Enum):
    BOOKED = "booked"
    CANCELLED = "cancelled"
    DONE = "done"
    NO_SHOW = "no_show"


class OutboxStatus(str, enum.Enum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    DELIVERED = "delivered"
    READ = "read"
    FAILED = "failed"
    CANCELLED = "cancelled"
    SKIPPED = "skipped"


class OutboxKind(str, enum.Enum):
    REMINDER = "reminder"
    NOTICE = "notice"
    CANCELLATION = "cancellation"
    CONFIRMATION = "confirmation"
    SUMMARY = "summary"


class EnumField(peewee.CharField):
    """Stores a str Enum by value; reads it back as the Enum."""

    def __init__(self, enum_class: type[enum.Enum], *args, **kwargs):
        self.enum_class = enum_class
        kwargs.setdefault("max_length", 16)
        super().__init__(*args, **kwargs)

    def db_value(self, value):
        if isinstance(value, self.enum_class):
            return value.value
        return value

    def python_value(self, value):
        return None if value is None else self.enum_class(value)


class JSONTextField(peewee.TextField):
    """Small JSON documents as text, the same on SQLite and MySQL."""

    def db_value(self, value):
        return None if value is None else json.dumps(value, ensure_ascii=False, separators=(",", ":"))

    def python_value(self, value):
        return None if value is None else json.loads(value)


class BaseModel(peewee.Model):
    class Meta:
        database = database
        legacy_table_names = False

    @classmethod
    def in_order(cls, ids: list[int]) -> list:
        """The rows with these ids, in the order of `ids` (those gone are left out), in one query."""
        rows = {row.id: row for row in cls.select().where(cls.id.in_(ids or [0]))}
        return [rows[i] for i in ids if i in rows]


class User(BaseModel):
    name = peewee.CharField(max_length=100)
    phone = peewee.CharField(max_length=20, unique=True)  # E.164
    created_at = UTCDateTimeField(default=clock.now)
    opted_out_at = UTCDateTimeField(null=True)

    class Meta:
        table_name = "users"


class Service(BaseModel):
    name = peewee.CharField(max_length=60)
    duration = peewee.IntegerField()  # minutes
    active = peewee.BooleanField(default=True)
    created_at = UTCDateTimeField(default=clock.now)

    class Meta:
        table_name = "services"


class Professional(BaseModel):
    name = peewee.CharField(max_length=60)
    active = peewee.BooleanField(default=True)
    created_at = UTCDateTimeField(default=clock.now)

    class Meta:
        table_name = "professionals"


class Appointment(BaseModel):
    user = peewee.ForeignKeyField(User, backref="appointments", on_delete="RESTRICT")
    professional = peewee.ForeignKeyField(Professional, backref="appointments", on_delete="RESTRICT")
    service = peewee.ForeignKeyField(Service, backref="appointments", on_delete="RESTRICT")
    date = UTCDateTimeField()  # start
    end = UTCDateTimeField(column_name="end_at")
    type = peewee.CharField(max_length=60)  # the service's name when booked
    duration = peewee.IntegerField()  # minutes
    status = EnumField(AppointmentStatus, default=AppointmentStatus.BOOKED)
    # Bumped on every reschedule: reminders are keyed by it, so a moved appointment gets new ones.
    revision = peewee.IntegerField(default=1)
    # When the current time was set; a reminder lead already past by then is skipped.
    scheduled_at = UTCDateTimeField(default=clock.now)
    confirmed_at = UTCDateTimeField(null=True)
    cancelled_at = UTCDateTimeField(null=True)
    cancel_reason = peewee.CharField(max_length=200, null=True)
    source = peewee.CharField(max_length=16, default="whatsapp")
    created_at = UTCDateTimeField(default=clock.now)
    updated_at = UTCDateTimeField(default=clock.now)

    class Meta:
        table_name = "appointments"
        indexes = (
            (("professional", "date"), False),
            (("user", "date"), False),
            (("date",), False),
        )


class BusinessHours(BaseModel):
    """One opening interval on one weekday (0 = Monday). A day may have several."""

    professional = peewee.ForeignKeyField(Professional, null=True, on_delete="CASCADE")
    weekday = peewee.SmallIntegerField()
    start_minute = peewee.SmallIntegerField()  # minutes after local midnight
    end_minute = peewee.SmallIntegerField()

    class Meta:
        table_name = "business_hours"
        indexes = ((("professional", "weekday"), False),)


class Block(BaseModel):
    """A closed period, business-wide or for one professional."""

    professional = peewee.ForeignKeyField(Professional, null=True, on_delete="CASCADE")
    starts_at = UTCDateTimeField()
    ends_at = UTCDateTimeField()
    reason = peewee.CharField(max_length=200, null=True)
    created_at = UTCDateTimeField(default=clock.now)

    class Meta:
        table_name = "blocks"
        indexes = ((("starts_at",), False),)


class Conversation(BaseModel):
    """Where each phone is in the conversation. Never kept in process memory."""

    phone = peewee.CharField(max_length=20, primary_key=True)
    state = peewee.CharField(max_length=32, default="start")
    data = JSONTextField(null=True)
    updated_at = UTCDateTimeField(default=clock.now)  # when the state last changed
    # The latest reminder sent to this phone: the next message may answer it.
    reminder_appointment_id = peewee.IntegerField(null=True)
    reminder_sent_at = UTCDateTimeField(null=True)
    # Bumped by every saved turn; the fast path saves only if it is still what it read.
    version = peewee.IntegerField(default=0)

    class Meta:
        table_name = "conversations"


class InboundMessage(BaseModel):
    """Every MessageSid seen, with the reply given, so a redelivery gets the same answer. Also
    each phone's activity: its last message and how many it sent in the last minute."""

    sid = peewee.CharField(max_length=64, unique=True)
    phone = peewee.CharField(max_length=20)
    reply = peewee.TextField(null=True)
    created_at = UTCDateTimeField(default=clock.now)

    class Meta:
        table_name = "inbound_messages"
        indexes = ((("created_at",), False), (("phone", "created_at"), False))


class OutboundMessage(BaseModel):
    """The outbox: every message the business starts. The dispatcher sends it."""

    phone = peewee.CharField(max_length=20)  # destination, E.164
    kind = EnumField(OutboxKind)
    appointment = peewee.ForeignKeyField(Appointment, null=True, on_delete="SET NULL")
    # What to say, rendered by the dispatcher at send time (reason, notice text, ...).
    params = JSONTextField(null=True)
    # What was sent: free text, or an approved template with its variables.
    body = peewee.TextField(null=True)
    content_sid = peewee.CharField(max_length=64, null=True)
    content_variables = JSONTextField(null=True)
    status = EnumField(OutboxStatus, default=OutboxStatus.PENDING)
    # Makes creation idempotent: one reminder per (appointment, revision, lead), one summary a day.
    dedupe_key = peewee.CharField(max_length=120, null=True, unique=True)
    attempts = peewee.IntegerField(default=0)
    next_attempt_at = UTCDateTimeField(default=clock.now)
    claimed_until = UTCDateTimeField(null=True)
    claim_token = peewee.CharField(max_length=32, null=True)
    twilio_sid = peewee.CharField(max_length=64, null=True, unique=True)
    error_code = peewee.IntegerField(null=True)
    created_at = UTCDateTimeField(default=clock.now)
    sent_at = UTCDateTimeField(null=True)
    updated_at = UTCDateTimeField(default=clock.now)

    class Meta:
        table_name = "outbound_messages"
        indexes = (
            (("status", "next_attempt_at"), False),
            (("claim_token",), False),
            (("phone", "created_at"), False),
        )


class ProfessionalService(BaseModel):
    """A service a professional performs; one with no rows performs every service."""

    professional = peewee.ForeignKeyField(Professional, backref="skills", on_delete="CASCADE")
    service = peewee.ForeignKeyField(Service, on_delete="CASCADE")
    position = peewee.IntegerField(default=0)

    class Meta:
        table_name = "professional_services"
        indexes = ((("professional", "service"), True),)


class AuditLog(BaseModel):
    """Every admin action: who (the admin's phone), when, what, and which appointment."""

    actor = peewee.CharField(max_length=20)
    action = peewee.CharField(max_length=32)
    detail = peewee.TextField(null=True)
    appointment_id = peewee.IntegerField(null=True)
    created_at = UTCDateTimeField(default=clock.now)

    class Meta:
        table_name = "audit_log"
        indexes = ((("created_at",), False), (("appointment_id",), False))


MODELS = (User, Service, Professional, Appointment, BusinessHours, Block, Conversation,
          InboundMessage, OutboundMessage, ProfessionalService, AuditLog)
