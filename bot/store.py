"""Conversation rows, and every inbound message with the reply it got.

Two ways to handle a turn, with the same guarantees:

- **Locked**: inside one transaction that locks the phone's conversation row. Used on SQLite
  (`load_for_update`, `save`, `record`), and on MySQL (`begin_locked`, `commit_locked`, whose
  BEGIN and COMMIT ride on the first and last statements) for every turn that writes anything
  besides the conversation (a booking, a registration, an admin command).
- **Fast** (`load`, `commit_turn`, MySQL only): one autocommit read of the conversation, the
  user, any stored reply, the phone's recent activity and upcoming appointments; then one write.
  A turn that leaves the conversation as it was writes only its inbound row (a single atomic
  INSERT). A turn that moves it sends `BEGIN; UPDATE ... WHERE version = <read>; INSERT ...;
  COMMIT` in one round trip: if anyone saved a turn in between, the UPDATE matches no row,
  nothing is written, and the turn is done again from a fresh read.

Every saved move bumps `version`, so the two ways exclude each other. A turn that moves nothing
reads a consistent state and writes none, so it is serialisable as coming first.
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

import peewee

from storage.db import database, execute_multi, naive_utc
from storage.models import Appointment, AppointmentStatus, Conversation, InboundMessage, User

UTC = dt.UTC
RATE_WINDOW = dt.timedelta(minutes=1)


@dataclass
class Loaded:
    """A conversation as a turn sees it, with the phone's recent activity."""

    conversation: Conversation
    user: User | None
    stored_reply: str | None
    last_inbound_at: dt.datetime | None = None  # the phone's previous message
    recent: int = 0  # messages in the last minute, before this one
    version: int | None = None  # None: no conversation row yet
    upcoming: list[Appointment] | None = field(default=None)  # prefetched by the fast path
    several_professionals: bool | None = None  # whether customers choose between professionals


# --- the locked way ---------------------------------------------------------------------------

def load_for_update(phone: str, sid: str | None, now: dt.datetime) -> Loaded:
    """SQLite: locks the phone's conversation (creating it on first contact) inside the current
    transaction, then reads the user, any reply stored for `sid` and the recent activity."""
    conversation = Conversation.select().where(Conversation.phone == phone).first()
    if conversation is None:
        # Inserted now so that the row lock holds for the rest of the transaction; a concurrent
        # first message from the same phone gets an IntegrityError and starts over.
        Conversation.insert(phone=phone, state="start", version=0, updated_at=now).execute()
        conversation = Conversation.get_by_id(phone)
    stored = stored_reply(sid) if sid else None
    user = User.get_or_none(User.phone == phone)
    mine = InboundMessage.phone == phone
    last = InboundMessage.select(peewee.fn.MAX(InboundMessage.created_at)).where(mine).scalar()
    recent = InboundMessage.select().where(mine & (InboundMessage.created_at > now - RATE_WINDOW)).count()
    if isinstance(last, str):  # SQLite hands back text for an aggregate
        last = dt.datetime.fromisoformat(last)
    return Loaded(conversation, user, stored, _aware(last), recent, conversation.version)


def begin_locked(phone: str, sid: str, now: dt.datetime, seen: Loaded | None = None) -> Loaded:
    """MySQL, inside `database.manual_commit()`: BEGIN and the conversation's row lock travel in
    one round trip, then the same one-query read as the fast path, under the lock.

    `seen`, a read made a moment ago by the fast path, is kept when the locked row is still at
    its version: nobody moved the conversation since. (A redelivery of the same MessageSid that
    slipped in between is still caught, by the unique key when the reply is recorded.)"""
    cursor = database.cursor()
    with peewee.__exception_wrapper__:
        cursor.execute("BEGIN; SELECT version FROM conversations WHERE phone = %s FOR UPDATE", (phone,))
        cursor.nextset()
        locked = cursor.fetchone()
    cursor.close()
    if locked is None:
        Conversation.insert(phone=phone, state="start", version=0, updated_at=now).execute()
    elif seen is not None and seen.version == locked[0]:
        return seen
    return load(phone, sid, now)


def commit_locked(conversation: Conversation, state: str, data: dict[str, Any], now: dt.datetime, sid: str,
                  reply: str) -> None:
    """MySQL, ending what `begin_locked` began: the conversation's move, the reply and the
    COMMIT in one round trip."""
    statements = []
    if _moved(conversation, state, data):
        statements.append((_MOVE, [state, _payload(data), naive_utc(now), conversation.phone]))
    statements.append((_RECORD, [sid, conversation.phone, reply, naive_utc(now)]))
    execute_multi("; ".join(text for text, _ in statements) + "; COMMIT",
                  [p for _, params in statements for p in params])


def save(conversation: Conversation, state: str, data: dict[str, Any], now: dt.datetime) -> None:
    """Stores where the conversation is now (only when it moved)."""
    if not _moved(conversation, state, data):
        return
    (Conversation
     .update(state=state, data=data or None, updated_at=now, version=Conversation.version + 1)
     .where(Conversation.phone == conversation.phone)
     .execute())


def record(sid: str, phone: str, reply: str, now: dt.datetime) -> None:
    """Remembers the reply for this MessageSid (unique: a concurrent duplicate fails here)."""
    InboundMessage.insert(sid=sid, phone=phone, reply=reply, created_at=now).execute()


def stored_reply(sid: str) -> str | None:
    row = InboundMessage.select(InboundMessage.reply).where(InboundMessage.sid == sid).tuples().first()
    return row[0] if row is not None else None


# --- the fast way (MySQL) -----------------------------------------------------------------------

# One column, not fifteen: PyMySQL spends more parsing each column's description than json.loads
# spends on the whole row (bench/RESULTS.md). The subqueries use the (phone, created_at) and
# (user_id, date) indexes.
_ACTIVITY = (
    " (SELECT i.reply FROM inbound_messages i WHERE i.sid = %s),"
    " (SELECT MAX(i.created_at) FROM inbound_messages i WHERE i.phone = %s),"
    " (SELECT COUNT(*) FROM inbound_messages i WHERE i.phone = %s AND i.created_at > %s),"
    " (SELECT COUNT(*) FROM professionals p WHERE p.active) > 1,")
_UPCOMING = (
    " (SELECT CONCAT('[', GROUP_CONCAT(JSON_ARRAY(a.id, a.professional_id, a.service_id, a.type, a.date,"
    "   a.duration) ORDER BY a.date SEPARATOR ','), ']')"
    "  FROM appointments a WHERE a.user_id = u.id AND a.status = 'booked' AND a.date > %s)")
_NO_UPCOMING = " %s"  # the same placeholder, so both forms take the same parameters
_CONVERSATION = ("SELECT JSON_ARRAY(c.state, c.data, c.updated_at, c.reminder_appointment_id, c.reminder_sent_at,"
                 " c.version, u.id, u.name, u.created_at, u.opted_out_at,{activity}{upcoming})"
                 " FROM conversations c LEFT JOIN users u ON u.phone = c.phone WHERE c.phone = %s")
# First contact: no conversation row yet.
_NEW = ("SELECT JSON_ARRAY(NULL, NULL, NULL, NULL, NULL, NULL, u.id, u.name, u.created_at, u.opted_out_at,"
        "{activity}{upcoming}) FROM (SELECT 1) one LEFT JOIN users u ON u.phone = %s")
_LOAD = {prefetch: tuple(template.format(activity=_ACTIVITY, upcoming=upcoming) for template in (_CONVERSATION, _NEW))
         for prefetch, upcoming in ((True, _UPCOMING), (False, _NO_UPCOMING))}

_MOVE = ("UPDATE conversations SET state = %s, data = %s, updated_at = %s, version = version + 1"
         " WHERE phone = %s")
_UPDATE = _MOVE + " AND version = %s"
_CREATE = "INSERT INTO conversations (phone, state, data, updated_at, version) VALUES (%s, %s, %s, %s, 1)"
_RECORD = "INSERT INTO inbound_messages (sid, phone, reply, created_at) VALUES (%s, %s, %s, %s)"
_RECORD_IF_SAVED = ("INSERT INTO inbound_messages (sid, phone, reply, created_at)"
                    " SELECT %s, %s, %s, %s FROM DUAL WHERE ROW_COUNT() = 1")


def _aware(value):
    if value is None:
        return None
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC)


def _moved(conversation: Conversation, state: str, data: dict[str, Any]) -> bool:
    return state != conversation.state or (data or None) != (conversation.data or None)


def _payload(data: dict[str, Any]) -> str | None:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")) if data else None


def load(phone: str, sid: str, now: dt.datetime, prefetch: bool = True) -> Loaded:
    """One autocommit round trip: everything a turn reads before it answers. With `prefetch`,
    also the upcoming appointments (when the message may well list them)."""
    params = (sid, phone, phone, naive_utc(now - RATE_WINDOW), naive_utc(now) if prefetch else None, phone)
    known, new = _LOAD[prefetch]
    row = database.execute_sql(known, params).fetchone()
    if row is None:
        row = database.execute_sql(new, params).fetchone()
    (state, data, updated_at, reminder_id, reminder_at, version, user_id, name, user_created, opted_out,
     reply, last_inbound, recent, several, upcoming) = json.loads(row[0])
    if version is None:
        conversation = Conversation(phone=phone, state="start", data=None, version=0, updated_at=now)
    else:
        conversation = Conversation(
            phone=phone, state=state, data=json.loads(data) if data else None, updated_at=_aware(updated_at),
            reminder_appointment_id=reminder_id, reminder_sent_at=_aware(reminder_at), version=version)
    user = None
    appointments = None
    if user_id is not None:
        user = User(id=user_id, name=name, phone=phone, created_at=_aware(user_created),
                    opted_out_at=_aware(opted_out))
        if prefetch:
            appointments = [
                Appointment(id=a_id, user=user_id, professional=pro_id, service=service_id, type=kind,
                            date=_aware(start), duration=minutes, status=AppointmentStatus.BOOKED)
                for a_id, pro_id, service_id, kind, start, minutes in json.loads(upcoming or "[]")]
    return Loaded(conversation, user, reply, _aware(last_inbound), recent, version, appointments, bool(several))


def commit_turn(loaded: Loaded, state: str, data: dict[str, Any], now: dt.datetime, sid: str,
                reply: str) -> bool:
    """Saves the turn and its reply in one round trip, only if the conversation is still at the
    version that was read. False when someone else got there first: read again and redo."""
    conversation = loaded.conversation
    phone = conversation.phone
    record = [sid, phone, reply, naive_utc(now)]
    if loaded.version is not None and not _moved(conversation, state, data):
        try:
            database.execute_sql(_RECORD, record)
        except peewee.IntegrityError:  # this MessageSid was recorded meanwhile: read again
            return False
        return True
    if loaded.version is None:
        statement, params = _CREATE, [phone, state, _payload(data), naive_utc(now)]
    else:
        statement, params = _UPDATE, [state, _payload(data), naive_utc(now), phone, loaded.version]
    try:
        counts = execute_multi("BEGIN; " + statement + "; " + _RECORD_IF_SAVED + "; COMMIT", params + record)
    except peewee.IntegrityError:
        # A concurrent first message created the conversation, or this MessageSid was
        # recorded meanwhile: nothing of ours is kept, and the caller reads again.
        return False
    return counts[1] == 1  # [BEGIN, UPDATE or INSERT, INSERT reply, COMMIT]
