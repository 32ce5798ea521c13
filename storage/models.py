"""The schema. Invariants live here (unique keys, indexes); the booking rules live in booking.py.

Tables are created only by the migrations in storage/migrations; these classes must match them.
"""
from __future__ import annotations

import datetime as dt
import enum
import functools
import json
import operator

import peewee

from storage import clock, phones
from storage.db import UTCDateTimeField, database, locking

# No appointment is longer: bounds the index range scans that look for overlaps.
MAX_DURATION = dt.timedelta(hours=8)


class AppointmentStatus(str, enum.Enum):
    BOOKED = "booked"
    CANCELLED = "cancelled"
    DONE = "done"
    NO_SHOW = "no_show"
    # Holds the slot but waits for the owner's `aprovar`/`recusar` (a customer over NO_SHOW_LIMIT).
    REQUESTED = "requested"


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
    REPLY = "reply"  # the answer to a customer's message, sent through the REST API
    STAFF_ALERT = "staff_alert"  # to the owner or a professional: a handoff, relayed messages, their bookings
    STAFF_MESSAGE = "staff_message"  # from the staff to a customer: an answer, a chat back to the bot
    REMINDER = "reminder"
    NOTICE = "notice"
    CANCELLATION = "cancellation"
    CONFIRMATION = "confirmation"
    SUMMARY = "summary"
    WEBHOOK = "webhook"  # an event POSTed to one of WEBHOOK_URLS (scheduler/webhooks.py), not a WhatsApp message
    OFFER = "offer"  # a freed slot offered to a waitlisted customer, held for WAITLIST_HOLD
    MARKETING = "marketing"  # a return reminder, a win-back or a feedback question (scheduler/marketing.py)


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
    """A person: someone who wrote to the business, or whom the owner or the API registered.

    Known by their phone (E.164), their WhatsApp user id (a business-scoped id such as
    `BR.1A2B3C`, for someone whose number WhatsApp hides behind a username), or both; never by
    neither. Registered once they have a name.
    """

    name = peewee.CharField(max_length=100, null=True)
    phone = peewee.CharField(max_length=20, null=True, unique=True)
    whatsapp_id = peewee.CharField(max_length=140, null=True, unique=True)
    created_at = UTCDateTimeField(default=clock.now)
    opted_out_at = UTCDateTimeField(null=True)
    # Marketing messages (return, win-back, feedback): null = never asked, then yes or no and when.
    marketing_consent = peewee.BooleanField(null=True)
    marketing_consent_at = UTCDateTimeField(null=True)
    marketing_asked_at = UTCDateTimeField(null=True)
    # When the last marketing message was claimed: one a week, by a conditional update on it.
    marketing_last_at = UTCDateTimeField(null=True)
    # No-shows up to this moment no longer count towards NO_SHOW_LIMIT (the owner's `perdoar`).
    no_shows_forgiven_at = UTCDateTimeField(null=True)

    class Meta:
        table_name = "users"

    @property
    def registered(self) -> bool:
        return self.name is not None

    @property
    def address(self) -> str:
        """Where their WhatsApp messages go: the phone when known, else the WhatsApp user id."""
        return self.phone or self.whatsapp_id

    @classmethod
    def registered_ones(cls) -> peewee.ModelSelect:
        return cls.select().where(cls.name.is_null(False))

    @classmethod
    def identify(cls, phone: str | None, whatsapp_id: str | None, now: dt.datetime) -> User:
        """The person behind a message's identifiers, created on first contact; a message that
        carries both identifiers links them (the unique keys decide, and two rows that turn out
        to be one person are merged)."""
        if not phone and not whatsapp_id:
            raise ValueError("a person needs a phone or a WhatsApp user id")
        matches = [cls.whatsapp_id == whatsapp_id] if whatsapp_id else []
        matches += [cls.phone == phone] if phone else []
        # No row lock: the person's conversation row serialises their turns, and the unique keys
        # decide between concurrent first messages.
        query = cls.select().where(functools.reduce(operator.or_, matches)).order_by(cls.id)
        found = list(query)
        if not found:
            # A concurrent first message inserts the same identifiers: IGNORE waits for it.
            cls.insert(phone=phone, whatsapp_id=whatsapp_id, created_at=now).on_conflict_ignore().execute()
            found = list(query.clone())
        person = _merge(found) if len(found) > 1 else found[0]
        changes = {}
        if phone and person.phone != phone:
            changes[cls.phone] = person.phone = phone
        if whatsapp_id and person.whatsapp_id != whatsapp_id:
            changes[cls.whatsapp_id] = person.whatsapp_id = whatsapp_id
        if changes:
            cls.update(changes).where(cls.id == person.id).execute()
        return person

    @classmethod
    def named(cls, reference: str) -> peewee.ModelSelect:
        """People an owner means by `#12`, a phone, a WhatsApp user id or part of a name."""
        text = reference.strip()
        if text.startswith("#") and text[1:].isdigit():
            return cls.select().where(cls.id == int(text[1:]))
        condition = cls.name.contains(text) | (cls.whatsapp_id == text)
        digits = "".join(ch for ch in text if ch in "0123456789")
        if len(digits) >= 4:
            condition |= cls.phone.contains(digits)
        return cls.registered_ones().where(condition)

    def upcoming(self, now: dt.datetime) -> peewee.ModelSelect:
        """This customer's booked appointments that have not started, soonest first."""
        return Appointment.upcoming(now).where(Appointment.user == self.id)


def _merge(people: list[User]) -> User:
    """Two rows found to be one person (one known by phone, one by WhatsApp user id, until a
    message carried both): keeps the registered (else the older) one, and moves the other's
    appointments, messages and conversation to it."""
    keep = min(people, key=lambda p: (not p.registered, p.id))
    for other in (p for p in people if p.id != keep.id):
        for model in (Appointment, InboundMessage, OutboundMessage):
            model.update(user=keep.id).where(model.user == other.id).execute()
        if Conversation.select().where(Conversation.user == keep.id).exists():
            Conversation.delete().where(Conversation.user == other.id).execute()
        else:
            Conversation.update(user=keep.id).where(Conversation.user == other.id).execute()
        changes = {User.name: keep.name or other.name, User.opted_out_at: keep.opted_out_at or other.opted_out_at}
        if keep.marketing_consent is None and other.marketing_consent is not None:  # their answer is kept
            changes.update({User.marketing_consent: other.marketing_consent,
                            User.marketing_consent_at: other.marketing_consent_at,
                            User.marketing_asked_at: other.marketing_asked_at})
        User.delete().where(User.id == other.id).execute()
        User.update(changes).where(User.id == keep.id).execute()
        keep.name, keep.opted_out_at = changes[User.name], changes[User.opted_out_at]
    return keep  # the caller gives it the identifiers the message carried


class Service(BaseModel):
    name = peewee.CharField(max_length=60)
    duration = peewee.IntegerField()  # minutes
    active = peewee.BooleanField(default=True)
    created_at = UTCDateTimeField(default=clock.now)
    price_cents = peewee.IntegerField(null=True)  # centavos; None: no price set (storage/money.py)
    return_days = peewee.IntegerField(null=True)  # the return cycle (`servico retorno #3 21d`); null: none

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
    # Their own WhatsApp (a phone or a WhatsApp user id): their agenda, alerts, blocks, sick days.
    phone = peewee.CharField(max_length=140, null=True, unique=True)
    commission_bp = peewee.IntegerField(null=True)  # basis points: 40% is 4000; None: no commission set

    class Meta:
        table_name = "professionals"

    @classmethod
    def of(cls, person: User) -> Professional | None:
        """The professional whose own WhatsApp this person writes from, if any."""
        addresses = [*phones.aliases(person.phone), *([person.whatsapp_id] if person.whatsapp_id else [])]
        return cls.select().where(cls.phone.in_(addresses) & (cls.active == True)).first()  # noqa: E712

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
    # The service's price when booked (a later change of price does not touch it), and what the
    # owner recorded as actually charged; centavos, None when unknown.
    price_cents = peewee.IntegerField(null=True)
    charged_cents = peewee.IntegerField(null=True)

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
                                   & cls.status.not_in(FREED_STATUSES)
                                   & (cls.date < end) & (cls.date > start - MAX_DURATION) & (cls.end > start))
        return query.where(cls.id != exclude) if exclude is not None else query


# An appointment in one of these no longer holds its time: a cancelled one, and a no-show (the
# chair is empty; what is left of the slot can be offered to the waitlist).
FREED_STATUSES = [AppointmentStatus.CANCELLED.value, AppointmentStatus.NO_SHOW.value]


class WaitlistStatus(str, enum.Enum):
    WAITING = "waiting"
    OFFERED = "offered"  # a freed slot is held for them until hold_until
    BOOKED = "booked"
    LEFT = "left"  # they left the list, or said no to an offer
    EXPIRED = "expired"  # their day passed, or an offer's hold ran out


class WaitlistEntry(BaseModel):
    """A customer waiting for a day (a service, maybe a professional, maybe a part of the day)
    with no free time. While an offer is out the row itself is the hold: availability counts
    [held_start, held_end) of held_professional as busy for everyone else until hold_until."""

    user = peewee.ForeignKeyField(User, on_delete="CASCADE")
    service = peewee.ForeignKeyField(Service, on_delete="CASCADE")
    professional = peewee.ForeignKeyField(Professional, null=True, on_delete="SET NULL")
    day = peewee.CharField(max_length=10)  # YYYY-MM-DD, local
    window_start = peewee.SmallIntegerField(null=True)  # minutes after local midnight
    window_end = peewee.SmallIntegerField(null=True)
    status = EnumField(WaitlistStatus, default=WaitlistStatus.WAITING)
    created_at = UTCDateTimeField(default=clock.now)  # their place in line
    updated_at = UTCDateTimeField(default=clock.now)
    held_professional = peewee.IntegerField(null=True)
    held_start = UTCDateTimeField(null=True)
    held_end = UTCDateTimeField(null=True)
    hold_until = UTCDateTimeField(null=True)
    offered_at = UTCDateTimeField(null=True)
    # "professional:start" while an offer is out, null otherwise: unique, so a slot is held once.
    held_slot = peewee.CharField(max_length=40, null=True, unique=True)
    appointment = peewee.ForeignKeyField(Appointment, null=True, on_delete="SET NULL")

    class Meta:
        table_name = "waitlist_entries"
        indexes = (
            (("user", "day", "service"), True),
            (("status", "day", "created_at"), False),
            (("status", "hold_until"), False),
            (("held_professional", "held_start"), False),
        )

    @classmethod
    def holding(cls, professional_ids: list[int], start: dt.datetime, end: dt.datetime, now: dt.datetime,
                holder: int | None = None) -> peewee.ModelSelect:
        """Live holds of these professionals overlapping [start, end), except `holder`'s own."""
        query = cls.select().where((cls.status == WaitlistStatus.OFFERED) & (cls.hold_until > now)
                                   & cls.held_professional.in_(professional_ids or [0])
                                   & (cls.held_start < end) & (cls.held_start > start - MAX_DURATION)
                                   & (cls.held_end > start))
        return query.where(cls.user != holder) if holder is not None else query


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
    """Where each person is in the conversation. Never kept in process memory."""

    user = peewee.ForeignKeyField(User, primary_key=True, on_delete="CASCADE")
    state = peewee.CharField(max_length=32, default="start")
    data = JSONTextField(null=True)
    updated_at = UTCDateTimeField(default=clock.now)  # when the state last changed
    misses = peewee.IntegerField(default=0)  # answers in a row the bot did not understand

    class Meta:
        table_name = "conversations"

    @classmethod
    def locked(cls, user_id: int, now: dt.datetime) -> Conversation:
        """The person's conversation, locked until the transaction ends (created on first
        contact), so one person's messages are handled one at a time across processes."""
        found = locking(cls.select().where(cls.user == user_id)).first()
        if found is None:
            # A concurrent first message inserts the same row: IGNORE waits for it, then both
            # lock the one row.
            cls.insert(user=user_id, state="start", updated_at=now).on_conflict_ignore().execute()
            found = locking(cls.select().where(cls.user == user_id)).get()
        return found

    def move(self, state: str, data: dict | None, now: dt.datetime, misses: int = 0) -> None:
        """Saves where the conversation is now, when that changed."""
        if state == self.state and (data or None) == (self.data or None) and misses == self.misses:
            return
        Conversation.update(state=state, data=data or None, updated_at=now, misses=misses).where(
            Conversation.user == self.user_id).execute()


class InboundMessage(BaseModel):
    """Every MessageSid seen, with the reply given, so a redelivery gets the same answer. Also
    each person's activity: their last message and how many they sent in the last minute."""

    sid = peewee.CharField(max_length=64, unique=True)
    user = peewee.ForeignKeyField(User, null=True, on_delete="SET NULL", index=False)  # (user, created_at) below
    reply = peewee.TextField(null=True)
    created_at = UTCDateTimeField(default=clock.now)
    # A message whose turn has not run yet (a voice note being transcribed, or one that arrived
    # behind it), with what the turn needs; null once answered.
    waiting = JSONTextField(null=True)
    body = peewee.TextField(null=True)  # what they wrote, for the person who takes the chat over

    class Meta:
        table_name = "inbound_messages"
        indexes = ((("created_at",), False), (("user", "created_at"), False))

    @classmethod
    def reply_to(cls, sid: str) -> tuple[int | None, str | None] | None:
        """(person, reply) recorded for this MessageSid, or None when it is new."""
        return cls.select(cls.user, cls.reply).where(cls.sid == sid).tuples().first()

    @classmethod
    def waiting_for(cls, user_id: int) -> peewee.ModelSelect:
        """The person's messages still waiting for their turn, oldest first."""
        return cls.select().where((cls.user == user_id) & cls.waiting.is_null(False)).order_by(cls.id)

    @classmethod
    def recent(cls, user_id: int, count: int, before: int | None = None) -> list[dt.datetime]:
        """When the person's last `count` messages arrived (before message `before`), newest first."""
        query = cls.select(cls.created_at).where(cls.user == user_id)
        if before is not None:
            query = query.where(cls.id < before)
        return [row[0] for row in query.order_by(cls.created_at.desc()).limit(count).tuples()]


class OutboundMessage(BaseModel):
    """The outbox: every message the business starts. The dispatcher sends it."""

    recipient = peewee.CharField(max_length=140)  # an E.164 phone, or a WhatsApp user id
    # The person it is about, if any; indexed by (user, created_at) below.
    user = peewee.ForeignKeyField(User, null=True, on_delete="SET NULL", index=False)
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
            (("user", "created_at"), False),
            (("recipient", "created_at"), False),
            (("kind", "status"), False),  # /metrics: counts by kind and status
            (("status", "created_at"), False),  # /metrics: the oldest pending row
        )

    DELIVERED = (OutboxStatus.SENT, OutboxStatus.DELIVERED, OutboxStatus.READ)

    @classmethod
    def reminder_of(cls, twilio_sid: str | None) -> int | None:
        """The appointment of the reminder Twilio knows by this message sid, if it is one."""
        if not twilio_sid:
            return None
        row = (cls.select(cls.appointment).where((cls.twilio_sid == twilio_sid) & (cls.kind == OutboxKind.REMINDER))
               .tuples().first())
        return row[0] if row else None

    @classmethod
    def reminded(cls, user_id: int, since: dt.datetime) -> list[int]:
        """The appointments whose reminders went out to the person after `since`, newest first."""
        rows = (cls.select(cls.appointment)
                .where((cls.user == user_id) & (cls.kind == OutboxKind.REMINDER) & (cls.sent_at > since)
                       & cls.status.in_([s.value for s in cls.DELIVERED]) & cls.appointment.is_null(False))
                .order_by(cls.sent_at.desc(), cls.id.desc()).tuples())
        return list(dict.fromkeys(row[0] for row in rows))


class Handoff(BaseModel):
    """A customer's chat handed to a person: the bot relays instead of answering until the staff
    end it (`encerrar`) or stay silent for HANDOFF_TIMEOUT."""

    user = peewee.ForeignKeyField(User, on_delete="CASCADE")
    open_for = peewee.IntegerField(null=True, unique=True)  # the customer while open: one open each
    professional = peewee.ForeignKeyField(Professional, null=True, on_delete="SET NULL")  # else the owners
    reason = peewee.CharField(max_length=16)  # asked | offered | staff
    opened_at = UTCDateTimeField()
    staff_seen_at = UTCDateTimeField()  # the staff's last word (or the opening): the time-out runs from it
    closed_at = UTCDateTimeField(null=True)
    closed_by = peewee.CharField(max_length=140, null=True)

    class Meta:
        table_name = "handoffs"
        indexes = ((("closed_at", "staff_seen_at"), False),)

    @classmethod
    def open_of(cls, user_id: int) -> Handoff | None:
        return cls.get_or_none(cls.open_for == user_id)

    @classmethod
    def open_ones(cls) -> peewee.ModelSelect:
        return cls.select().where(cls.open_for.is_null(False)).order_by(cls.opened_at)

    @classmethod
    def start(cls, user_id: int, reason: str, professional_id: int | None, now: dt.datetime) -> tuple[Handoff, bool]:
        """Opens the customer's handoff; (handoff, True) when it is new, (the open one, False) when
        one was open already (the unique key decides)."""
        inserted = (cls.insert(user=user_id, open_for=user_id, professional=professional_id, reason=reason,
                               opened_at=now, staff_seen_at=now).on_conflict_ignore().as_rowcount().execute())
        return cls.get(cls.open_for == user_id), bool(inserted)

    def close(self, by: str, now: dt.datetime) -> bool:
        """Gives the chat back to the bot; False when it was closed already."""
        return Handoff.update(open_for=None, closed_at=now, closed_by=by[:140]).where(
            (Handoff.id == self.id) & Handoff.open_for.is_null(False)).execute() == 1


class SickDay(BaseModel):
    """A day a professional cannot come: blocked, and waiting for an owner to choose between
    moving their appointments to others and telling the customers."""

    professional = peewee.ForeignKeyField(Professional, on_delete="CASCADE")
    day = peewee.CharField(max_length=10)  # YYYY-MM-DD, local
    status = peewee.CharField(max_length=16, default="asked")  # asked | moved | told
    appointments = JSONTextField(null=True)  # the ids booked that day when it was declared
    created_at = UTCDateTimeField(default=clock.now)
    decided_by = peewee.CharField(max_length=140, null=True)

    class Meta:
        table_name = "sick_days"
        indexes = ((("professional", "day"), True),)


class ContentTemplate(BaseModel):
    """A generic interactive shape (a list of N items, N buttons) created through Twilio's
    Content API, kept so that every process and every restart reuses it."""

    name = peewee.CharField(max_length=64, unique=True)
    sid = peewee.CharField(max_length=64)
    created_at = UTCDateTimeField(default=clock.now)

    class Meta:
        table_name = "content_templates"


class ProfessionalService(BaseModel):
    """A service a professional performs; one with no rows performs every service."""

    professional = peewee.ForeignKeyField(Professional, backref="skills", on_delete="CASCADE")
    service = peewee.ForeignKeyField(Service, on_delete="CASCADE")
    position = peewee.IntegerField(default=0)

    class Meta:
        table_name = "professional_services"
        indexes = ((("professional", "service"), True),)


class FeedbackAnswer(BaseModel):
    """A customer's 1-5 answer to the feedback question about one appointment: one per
    appointment (the unique key decides)."""

    appointment = peewee.ForeignKeyField(Appointment, unique=True, on_delete="CASCADE")
    user = peewee.ForeignKeyField(User, on_delete="CASCADE")
    score = peewee.SmallIntegerField()
    created_at = UTCDateTimeField(default=clock.now)

    class Meta:
        table_name = "feedback_answers"


class AuditLog(BaseModel):
    """Every admin action: who (the admin's phone), when, what, and which appointment."""

    actor = peewee.CharField(max_length=140)  # the phone or WhatsApp user id who did it
    action = peewee.CharField(max_length=32)
    detail = peewee.TextField(null=True)
    appointment_id = peewee.IntegerField(null=True)
    created_at = UTCDateTimeField(default=clock.now)

    class Meta:
        table_name = "audit_log"
        indexes = ((("created_at",), False), (("appointment_id",), False))


class CalendarFeed(BaseModel):
    """An iCalendar feed at a secret URL: the business's (scope `business`, no professional) or
    one professional's (scope `professional:<id>`). One per scope; rotating replaces the token."""

    scope = peewee.CharField(max_length=32, unique=True)
    professional = peewee.ForeignKeyField(Professional, null=True, on_delete="CASCADE")
    token = peewee.CharField(max_length=64, unique=True)
    created_at = UTCDateTimeField(default=clock.now)
    rotated_at = UTCDateTimeField(null=True)

    class Meta:
        table_name = "calendar_feeds"


MODELS = (User, Service, Professional, Appointment, BusinessHours, Block, Conversation,
          InboundMessage, OutboundMessage, ProfessionalService, AuditLog, ContentTemplate, Handoff, SickDay,
          CalendarFeed, WaitlistEntry, FeedbackAnswer)
