"""The schema. Invariants live here (unique keys, indexes); the booking rules live in booking.py.

Tables are created only by the migrations in storage/migrations; these classes must match them.
"""
from __future__ import annotations

import datetime as dt
import enum
import json

import peewee

from storage import clock
from storage.db import UTCDateTimeField, database, locking

# No appointment is longer: bounds the index range scans that look for overlaps.
MAX_DURATION = dt.timedelta(hours=8)


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

    def upcoming(self, now: dt.datetime) -> peewee.ModelSelect:
        """This customer's booked appointments that have not started, soonest first."""
        return Appointment.upcoming(now).where(Appointment.user == self.id)


class Service(BaseModel):
    name = peewee.CharField(max_length=60)
    duration = peewee.IntegerField()  # minutes
    active = peewee.BooleanField(default=True)
    created_at = UTCDateTimeField(default=clock.now)

    class Meta:
        table_name = "services"

    @classmethod
    def offered(cls) -> peewee.ModelSelect:
        """The services customers can book, in the order the owner created them."""
        return cls.select().where(cls.active == True).order_by(cls.id)  # noqa: E712


class Professional(BaseModel):
    name = peewee.CharField(max_length=60)
    active = peewee.BooleanField(default=True)
    created_at = UTCDateTimeField(default=clock.now)

    class Meta:
        table_name = "professionals"

    @classmethod
    def active_ones(cls) -> peewee.ModelSelect:
        """The professionals taking bookings, in id order."""
        return cls.select().where(cls.active == True).order_by(cls.id)  # noqa: E712

    @classmethod
    def several(cls) -> bool:
        """Whether customers choose between professionals; names are shown to them only then."""
        return cls.active_ones().limit(2).count() > 1

    @classmethod
    def performing(cls, service_id: int) -> peewee.ModelSelect:
        """Active professionals who perform the service (those with no list perform everything)."""
        listed = ProfessionalService.select(ProfessionalService.id).where(ProfessionalService.professional == cls.id)
        performs = listed.where(ProfessionalService.service == service_id)
        return cls.active_ones().where(~peewee.fn.EXISTS(listed) | peewee.fn.EXISTS(performs))

    def service_ids(self) -> list[int]:
        """The services this professional is limited to (empty: all of them)."""
        return [row.service_id for row in ProfessionalService.select(ProfessionalService.service)
                .where(ProfessionalService.professional == self.id).order_by(ProfessionalService.position)]

    def limit_to(self, service_ids: list[int]) -> None:
        """Limits this professional to these services (empty: all of them)."""
        ProfessionalService.delete().where(ProfessionalService.professional == self.id).execute()
        if service_ids:
            ProfessionalService.insert_many([{"professional": self.id, "service": sid, "position": i}
                                             for i, sid in enumerate(service_ids)]).execute()


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

    @classmethod
    def upcoming(cls, now: dt.datetime) -> peewee.ModelSelect:
        """Booked appointments that have not started yet, soonest first."""
        return (cls.select().where((cls.status == AppointmentStatus.BOOKED) & (cls.date > now))
                .order_by(cls.date, cls.id))

    @classmethod
    def occupying(cls, professional_ids: list[int], start: dt.datetime, end: dt.datetime,
                  exclude: int | None = None) -> peewee.ModelSelect:
        """Appointments of these professionals that hold time overlapping [start, end): every
        one not cancelled. The lower bound on `date` keeps the scan inside the index range."""
        query = cls.select().where(cls.professional.in_(professional_ids or [0])
                                   & (cls.status != AppointmentStatus.CANCELLED)
                                   & (cls.date < end) & (cls.date > start - MAX_DURATION) & (cls.end > start))
        return query.where(cls.id != exclude) if exclude is not None else query


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

    class Meta:
        table_name = "conversations"

    @classmethod
    def locked(cls, phone: str, now: dt.datetime) -> Conversation:
        """The phone's conversation, locked until the transaction ends (created on first
        contact), so one phone's messages are handled one at a time across processes."""
        found = locking(cls.select().where(cls.phone == phone)).first()
        if found is None:
            # A concurrent first message inserts the same row: IGNORE waits for it, then both
            # lock the one row.
            cls.insert(phone=phone, state="start", updated_at=now).on_conflict_ignore().execute()
            found = locking(cls.select().where(cls.phone == phone)).get()
        return found

    def move(self, state: str, data: dict | None, now: dt.datetime) -> None:
        """Saves where the conversation is now, when that changed."""
        if state == self.state and (data or None) == (self.data or None):
            return
        Conversation.update(state=state, data=data or None, updated_at=now).where(
            Conversation.phone == self.phone).execute()


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

    @classmethod
    def reply_to(cls, sid: str) -> tuple[str, str | None] | None:
        """(phone, reply) recorded for this MessageSid, or None when it is new."""
        return cls.select(cls.phone, cls.reply).where(cls.sid == sid).tuples().first()

    @classmethod
    def recent(cls, phone: str, count: int) -> list[dt.datetime]:
        """When the phone's last `count` messages arrived, newest first."""
        return [row[0] for row in cls.select(cls.created_at).where(cls.phone == phone)
                .order_by(cls.created_at.desc()).limit(count).tuples()]


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

    DELIVERED = (OutboxStatus.SENT, OutboxStatus.DELIVERED, OutboxStatus.READ)

    @classmethod
    def reminded(cls, phone: str, since: dt.datetime) -> list[int]:
        """The appointments whose reminders went out to the phone after `since`, newest first."""
        rows = (cls.select(cls.appointment)
                .where((cls.phone == phone) & (cls.kind == OutboxKind.REMINDER) & (cls.sent_at > since)
                       & cls.status.in_([s.value for s in cls.DELIVERED]) & cls.appointment.is_null(False))
                .order_by(cls.sent_at.desc(), cls.id.desc()).tuples())
        return list(dict.fromkeys(row[0] for row in rows))


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
