"""The waitlist: customers waiting for a full day (or part of one), and the offers of the slots
that free up. The one owner of these rules; the booking flow, the worker and the summary call it.

- One entry per customer, local day and service (a unique key); joining again after leaving
  puts them back at the end of the line.
- `backfill` offers free time to the first entry in line (FIFO by `created_at`) that it fits.
  The offer is the hold: under the professional's row lock (the same lock every booking takes)
  the slot is checked free and the entry moves from waiting to offered with one conditional
  UPDATE, which also sets the unique `held_slot`. Availability counts a live hold as busy for
  everyone but that customer (storage/availability.py), so the slot is booked at most once and
  offered to one person at a time, whatever the number of web and worker processes.
- `accept` books the held slot through storage/booking.py, only while the hold is live; `decline`
  and the hold running out (`expire`) free it for the next in line, on the next `backfill`.
"""
from __future__ import annotations

import datetime as dt
import enum
import logging

import peewee

from config import Settings
from storage import booking, outbox
from storage.availability import Calendar, Rules
from storage.db import locking, run_in_transaction
from storage.models import (
    Appointment,
    InboundMessage,
    OutboxKind,
    Professional,
    Service,
    User,
    WaitlistEntry,
    WaitlistStatus,
)

logger = logging.getLogger(__name__)

ACTIVE = [WaitlistStatus.WAITING.value, WaitlistStatus.OFFERED.value]
WINDOW = dt.timedelta(hours=24)  # WhatsApp's window for free text after the customer's last message
_CLEARED_HOLD = dict(held_slot=None)


def slot_key(professional_id: int, start: dt.datetime) -> str:
    """The unique name of a held slot: professional and UTC start."""
    return f"{professional_id}:{start.astimezone(dt.UTC):%Y%m%d%H%M}"


def join(*, user_id: int, service_id: int, day: dt.date, now: dt.datetime, professional_id: int | None = None,
         window: tuple[int, int] | None = None) -> tuple[WaitlistEntry, bool]:
    """Puts the customer in line for that day and service; (entry, False) when they were in line
    already. The unique key decides, never a prior read."""
    start, end = window if window else (None, None)
    fields = dict(professional=professional_id, window_start=start, window_end=end,
                  status=WaitlistStatus.WAITING, created_at=now, updated_at=now)

    def work() -> tuple[WaitlistEntry, bool]:
        added = (WaitlistEntry.insert(user=user_id, service=service_id, day=day.isoformat(), **fields)
                 .on_conflict_ignore().as_rowcount().execute())
        if not added:  # a closed entry for that day and service: back in line, at the end
            added = (WaitlistEntry.update(**fields, held_professional=None, held_start=None, held_end=None,
                                          hold_until=None, offered_at=None, held_slot=None, appointment=None)
                     .where((WaitlistEntry.user == user_id) & (WaitlistEntry.day == day.isoformat())
                            & (WaitlistEntry.service == service_id) & WaitlistEntry.status.not_in(ACTIVE))
                     .execute())
        entry = WaitlistEntry.get((WaitlistEntry.user == user_id) & (WaitlistEntry.day == day.isoformat())
                                  & (WaitlistEntry.service == service_id))
        return entry, bool(added)

    return run_in_transaction(work)


def active_of(user_id: int, today: dt.date) -> list[WaitlistEntry]:
    """The customer's entries still in line (or holding an offer), soonest day first."""
    return list(WaitlistEntry.select().where((WaitlistEntry.user == user_id) & WaitlistEntry.status.in_(ACTIVE)
                                             & (WaitlistEntry.day >= today.isoformat()))
                .order_by(WaitlistEntry.day, WaitlistEntry.created_at, WaitlistEntry.id))


def of_day(day: dt.date) -> list[WaitlistEntry]:
    """Everyone in line for that day, in order (for the owner's summary)."""
    return list(WaitlistEntry.select().where(WaitlistEntry.status.in_(ACTIVE) & (WaitlistEntry.day == day.isoformat()))
                .order_by(WaitlistEntry.created_at, WaitlistEntry.id))


def leave(user_id: int, now: dt.datetime, entry_ids: list[int] | None = None) -> int:
    """Takes the customer out of line (those entries, or all of them); a held slot is freed."""
    query = WaitlistEntry.update(status=WaitlistStatus.LEFT, updated_at=now, **_CLEARED_HOLD).where(
        (WaitlistEntry.user == user_id) & WaitlistEntry.status.in_(ACTIVE))
    if entry_ids is not None:
        query = query.where(WaitlistEntry.id.in_(entry_ids or [0]))
    return query.execute()


def reachable(person: User | None, settings: Settings, now: dt.datetime) -> bool:
    """Whether an offer can reach them now: not opted out, and inside WhatsApp's 24-hour window
    or with an approved offer template (TWILIO_OFFER_CONTENT_SID)."""
    if person is None or person.opted_out_at is not None:
        return False
    if settings.twilio_offer_content_sid:
        return True
    last = InboundMessage.recent(person.id, 1)
    return bool(last) and now - last[0] < WINDOW


def _minute(moment: dt.datetime, rules: Rules) -> int:
    local = moment.astimezone(rules.tz)
    return local.hour * 60 + local.minute


def _first_free(entry: WaitlistEntry, professional_ids: list[int], duration: dt.timedelta, rules: Rules,
                now: dt.datetime) -> tuple[dt.datetime, int] | None:
    """The earliest free start of the entry's day (inside its window) and whose it is; every live
    hold counts as busy here, the customer's own too."""
    day = dt.date.fromisoformat(entry.day)
    calendar = Calendar(rules, professional_ids, day, day, now=now)
    best = None
    for pid in professional_ids:
        for start in calendar.free_starts(pid, day, duration, now):
            if entry.window_start is not None and not entry.window_start <= _minute(start, rules) < entry.window_end:
                continue
            if best is None or start < best[0]:
                best = (start, pid)
            break
    return best


def _candidates(entry: WaitlistEntry) -> list[int]:
    if entry.professional_id is not None:
        return [entry.professional_id]
    return [p.id for p in Professional.performing(entry.service_id)]


def _offer(entry_id: int, rules: Rules, settings: Settings, now: dt.datetime) -> bool:
    """Holds the first free slot that fits the entry and queues the offer, in one transaction
    under the professionals' row locks; False when nothing fits or the entry moved on."""

    def work() -> bool:
        entry = WaitlistEntry.get_or_none(WaitlistEntry.id == entry_id)
        if entry is None or entry.status != WaitlistStatus.WAITING:
            return False
        service = Service.get_or_none((Service.id == entry.service_id) & (Service.active == True))  # noqa: E712
        if service is None:
            return False
        wanted = _candidates(entry)
        locked = [row[0] for row in locking(Professional.select(Professional.id)
                                            .where(Professional.id.in_(wanted or [0])
                                                   & (Professional.active == True))  # noqa: E712
                                            .order_by(Professional.id)).tuples()]
        duration = dt.timedelta(minutes=service.duration)
        found = _first_free(entry, locked, duration, rules, now)  # read under the locks
        if found is None:
            return False
        start, pid = found
        key = slot_key(pid, start)
        held = (WaitlistEntry
                .update(status=WaitlistStatus.OFFERED, held_professional=pid, held_start=start,
                        held_end=start + duration, hold_until=now + settings.waitlist_hold, offered_at=now,
                        held_slot=key, updated_at=now)
                .where((WaitlistEntry.id == entry_id) & (WaitlistEntry.status == WaitlistStatus.WAITING))
                .execute())
        if held != 1:
            return False
        outbox.enqueue(OutboxKind.OFFER, User.get_by_id(entry.user_id), params={"entry": entry_id, "slot": key},
                       dedupe_key=f"offer:{entry_id}:{key}:{now:%Y%m%d%H%M%S}")
        logger.info("waitlist entry %s offered slot %s until %s", entry_id, key, now + settings.waitlist_hold)
        return True

    try:
        return run_in_transaction(work)
    except peewee.IntegrityError:  # that slot is held already (the unique held_slot)
        logger.info("waitlist entry %s: slot already held", entry_id)
        return False


def backfill(now: dt.datetime, rules: Rules, settings: Settings) -> int:
    """Offers free time to the waitlist, first come first served; returns how many offers were
    made. Safe from any number of processes at once: each offer is decided under the locks."""
    today, last = now.astimezone(rules.tz).date(), rules.last_day(now)
    # Read in full first: an open cursor would keep an old snapshot under the offers' writes.
    waiting = list(WaitlistEntry.select(WaitlistEntry, User).join(User)
                   .where((WaitlistEntry.status == WaitlistStatus.WAITING)
                          & (WaitlistEntry.day >= today.isoformat()) & (WaitlistEntry.day <= last.isoformat()))
                   .order_by(WaitlistEntry.created_at, WaitlistEntry.id))
    offers = unreachable = 0
    fruitless: set[tuple] = set()  # what found no free time in this pass: the next alike need not look
    durations = {s.id: dt.timedelta(minutes=s.duration) for s in Service.select(Service.id, Service.duration)}
    for entry in waiting:
        wish = (entry.day, entry.service_id, entry.professional_id, entry.window_start, entry.window_end)
        if wish in fruitless:
            continue
        if not reachable(entry.user, settings, now):
            unreachable += 1
            continue
        duration = durations.get(entry.service_id)
        # A first look without locks; the offer itself looks again under them.
        if duration is None or _first_free(entry, _candidates(entry), duration, rules, now) is None:
            fruitless.add(wish)
            continue
        if _offer(entry.id, rules, settings, now):
            offers += 1
    if unreachable:
        logger.info("waitlist: %d entries passed over (opted out, or outside the 24-hour window with no "
                    "TWILIO_OFFER_CONTENT_SID)", unreachable)
    return offers


def expire(now: dt.datetime, rules: Rules) -> int:
    """Ends the holds that ran out (the slot goes to the next in line) and the entries whose day
    has passed; returns how many entries changed."""
    changed = (WaitlistEntry.update(status=WaitlistStatus.EXPIRED, updated_at=now, **_CLEARED_HOLD)
               .where((WaitlistEntry.status == WaitlistStatus.OFFERED) & (WaitlistEntry.hold_until <= now))
               .execute())
    today = now.astimezone(rules.tz).date().isoformat()
    changed += (WaitlistEntry.update(status=WaitlistStatus.EXPIRED, updated_at=now, **_CLEARED_HOLD)
                .where(WaitlistEntry.status.in_(ACTIVE) & (WaitlistEntry.day < today)).execute())
    return changed


def pass_over(entry_id: int, now: dt.datetime) -> bool:
    """An offer that cannot reach the customer (opted out, outside the 24-hour window without a
    template): the hold is freed for the next in line, and they stay in line."""
    return (WaitlistEntry
            .update(status=WaitlistStatus.WAITING, held_professional=None, held_start=None, held_end=None,
                    hold_until=None, offered_at=None, updated_at=now, **_CLEARED_HOLD)
            .where((WaitlistEntry.id == entry_id) & (WaitlistEntry.status == WaitlistStatus.OFFERED))
            .execute()) == 1


def latest_offer(user_id: int, since: dt.datetime) -> WaitlistEntry | None:
    """The customer's most recent offer made after `since`, whatever became of it."""
    return (WaitlistEntry.select().where((WaitlistEntry.user == user_id) & (WaitlistEntry.offered_at > since))
            .order_by(WaitlistEntry.offered_at.desc(), WaitlistEntry.id.desc()).first())


class Answer(str, enum.Enum):
    BOOKED = "booked"
    DECLINED = "declined"
    EXPIRED = "expired"  # the hold ran out (or the offer ended otherwise): nothing changed
    GONE = "gone"  # the booking rules refused the slot after all: nothing changed


def accept(entry_id: int, user_id: int, *, rules: Rules, now: dt.datetime) -> tuple[Answer, Appointment | None]:
    """Books the held slot for the customer, only while the hold is live: the entry's conditional
    UPDATE and the booking commit together, or neither does."""

    class _Refused(Exception):
        pass

    def work() -> Appointment | None:
        claimed = (WaitlistEntry.update(status=WaitlistStatus.BOOKED, updated_at=now, **_CLEARED_HOLD)
                   .where((WaitlistEntry.id == entry_id) & (WaitlistEntry.user == user_id)
                          & (WaitlistEntry.status == WaitlistStatus.OFFERED) & (WaitlistEntry.hold_until > now))
                   .execute())
        if claimed != 1:
            return None
        entry = WaitlistEntry.get_by_id(entry_id)
        service = Service.get_by_id(entry.service_id)
        try:
            made = booking.book(user_id=user_id, service=service, start=entry.held_start, rules=rules, now=now,
                                professional_id=entry.held_professional,
                                duration=int((entry.held_end - entry.held_start).total_seconds() // 60),
                                policy=booking.OFFERED)
        except booking.BookingError as exc:
            raise _Refused() from exc  # rolls the entry's update back too
        WaitlistEntry.update(appointment=made.id).where(WaitlistEntry.id == entry_id).execute()
        return made

    try:
        made = run_in_transaction(work)
    except _Refused:
        expire_offer(entry_id, now)
        return Answer.GONE, None
    if made is None:
        expire_offer(entry_id, now, only_if_past=True)
        return Answer.EXPIRED, None
    return Answer.BOOKED, made


def expire_offer(entry_id: int, now: dt.datetime, only_if_past: bool = False) -> bool:
    """Ends one offer (its hold ran out, or its slot cannot be booked)."""
    query = (WaitlistEntry.update(status=WaitlistStatus.EXPIRED, updated_at=now, **_CLEARED_HOLD)
             .where((WaitlistEntry.id == entry_id) & (WaitlistEntry.status == WaitlistStatus.OFFERED)))
    if only_if_past:
        query = query.where(WaitlistEntry.hold_until <= now)
    return query.execute() == 1


def decline(entry_id: int, user_id: int, now: dt.datetime) -> Answer:
    """The customer says no to the offer: they leave the line and the slot goes to the next."""
    declined = (WaitlistEntry.update(status=WaitlistStatus.LEFT, updated_at=now, **_CLEARED_HOLD)
                .where((WaitlistEntry.id == entry_id) & (WaitlistEntry.user == user_id)
                       & (WaitlistEntry.status == WaitlistStatus.OFFERED) & (WaitlistEntry.hold_until > now))
                .execute())
    return Answer.DECLINED if declined == 1 else Answer.EXPIRED
