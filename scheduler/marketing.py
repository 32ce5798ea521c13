"""Customers who come back: the return reminder (a service's return cycle), the win-back after a
long absence (WINBACK_AFTER) and the feedback question after an attended appointment.

All three are marketing messages, and the rules for them live here:

- only to customers who said yes (`users.marketing_consent`) and did not send `parar`;
- never in the quiet hours (21:00-08:00 business time): nothing is created then, and a row that
  falls due then is postponed to 08:00 (`quiet_until`, asked by the dispatcher at send time);
- at most one a week to one customer: each row is created in the transaction that claims the
  week with a conditional UPDATE of `users.marketing_last_at` (`_claim`), so two workers, or
  two kinds due at once, never both win;
- each at most once: the outbox `dedupe_key` (`return:<appointment>`, `winback:<user>:<last
  visit>`, `feedback:<appointment>`).
"""
from __future__ import annotations

import datetime as dt
import logging
from zoneinfo import ZoneInfo

import peewee

from bot import texts
from config import Settings
from storage import outbox
from storage.db import database, run_in_transaction
from storage.models import Appointment, AppointmentStatus, OutboundMessage, OutboxKind, Service, User

logger = logging.getLogger(__name__)

QUIET_FROM = dt.time(21, 0)  # business local time
QUIET_UNTIL = dt.time(8, 0)
WEEKLY_CAP = dt.timedelta(days=7)  # at most one marketing message per customer in this long
FEEDBACK_AFTER = dt.timedelta(hours=1)  # after the appointment's end
FEEDBACK_LATE = dt.timedelta(days=3)  # no question about an appointment older than this
RETURN_LATE = dt.timedelta(days=14)  # a return reminder not sent by then is let go
BATCH = 200  # candidates looked at per kind and pass

RETURN, WINBACK, FEEDBACK = "return", "winback", "feedback"


def quiet_until(now: dt.datetime, tz: ZoneInfo) -> dt.datetime | None:
    """The end of the quiet hours (08:00 local) when `now` is inside them (21:00-08:00), else None."""
    local = now.astimezone(tz)
    if QUIET_UNTIL <= local.time() < QUIET_FROM:
        return None
    day = local.date() + dt.timedelta(days=1) if local.time() >= QUIET_FROM else local.date()
    return dt.datetime.combine(day, QUIET_UNTIL, tzinfo=tz).astimezone(dt.UTC)


def _reachable() -> peewee.Expression:
    """Customers marketing may reach now: they said yes, did not opt out, and had no marketing
    message in the last week (checked again, atomically, by `_claim`)."""
    return (User.marketing_consent == True) & User.opted_out_at.is_null()  # noqa: E712


def _week_free(now: dt.datetime) -> peewee.Expression:
    return User.marketing_last_at.is_null() | (User.marketing_last_at <= now - WEEKLY_CAP)


def _claim(user: User, key: str, params: dict, appointment_id: int | None, now: dt.datetime) -> bool:
    """Creates one marketing row for the customer when their week is free: the conditional
    UPDATE takes the week (a competing worker waits for our row lock, then finds it taken), and
    the dedupe key makes the row once; a row that exists already gives the week back."""

    def work() -> bool:
        with database.atomic() as transaction:
            won = User.update(marketing_last_at=now).where((User.id == user.id) & _reachable()
                                                           & _week_free(now)).execute()
            if won != 1:
                return False
            if outbox.enqueue(OutboxKind.MARKETING, user, appointment_id=appointment_id, params=params,
                              dedupe_key=key) is None:
                transaction.rollback()
                return False
            return True

    return run_in_transaction(work)


def _unsent(keys: list[str]) -> set[str]:
    """The keys among these that have no outbox row yet."""
    if not keys:
        return set()
    taken = {row[0] for row in OutboundMessage.select(OutboundMessage.dedupe_key)
             .where(OutboundMessage.dedupe_key.in_(keys)).tuples()}
    return set(keys) - taken


def _came_back_after(user_id: int, moment: dt.datetime) -> bool:
    """Whether the customer has an appointment (not cancelled) after this moment."""
    return Appointment.select().where((Appointment.user == user_id) & (Appointment.date > moment)
                                      & (Appointment.status != AppointmentStatus.CANCELLED)).exists()


def _feedback_candidates(now: dt.datetime) -> list[tuple[User, str, dict, int]]:
    rows = (Appointment.select(Appointment, User).join(User)
            .where((Appointment.status == AppointmentStatus.DONE) & (Appointment.end <= now - FEEDBACK_AFTER)
                   & (Appointment.end > now - FEEDBACK_LATE) & _reachable() & _week_free(now))
            .order_by(Appointment.end).limit(BATCH))
    return [(a.user, f"feedback:{a.id}", {"type": FEEDBACK, "service": a.type}, a.id) for a in rows]


def _return_candidates(now: dt.datetime) -> list[tuple[User, str, dict, int]]:
    longest = Service.select(peewee.fn.MAX(Service.return_days)).scalar()
    if not longest:
        return []
    rows = (Appointment.select(Appointment, User, Service).join(User).switch(Appointment).join(Service)
            .where((Appointment.status == AppointmentStatus.DONE) & Service.return_days.is_null(False)
                   & (Service.return_days > 0) & (Appointment.date > now - dt.timedelta(days=longest) - RETURN_LATE)
                   & (Appointment.date <= now) & _reachable() & _week_free(now))
            .order_by(Appointment.date).limit(BATCH))
    found = []
    for a in rows:
        due = a.date + dt.timedelta(days=a.service.return_days)
        if due <= now < due + RETURN_LATE and not _came_back_after(a.user_id, a.date):
            found.append((a.user, f"return:{a.id}", {"type": RETURN, "service": a.service.name,
                                                     "service_id": a.service_id, "days": a.service.return_days}, a.id))
    return found


def _winback_candidates(now: dt.datetime, after: dt.timedelta) -> list[tuple[User, str, dict, int | None]]:
    last = peewee.fn.MAX(Appointment.date)
    seen = (Appointment.select(Appointment.user, last.alias("last"))
            .where(Appointment.status != AppointmentStatus.CANCELLED)
            .group_by(Appointment.user).having(last <= now - after))
    users = {u.id: u for u in User.select().where(User.id.in_(seen.select(Appointment.user)) & _reachable()
                                                   & _week_free(now)).limit(BATCH)}
    found = []
    for user_id, moment in seen.tuples():
        if user_id in users:
            moment = Appointment.date.python_value(moment)
            stamp = moment.strftime("%Y%m%d%H%M")
            found.append((users[user_id], f"winback:{user_id}:{stamp}", {"type": WINBACK, "last": moment.isoformat()},
                          None))
    return found


def create_due(now: dt.datetime, settings: Settings) -> int:
    """Adds the marketing rows that fell due (feedback first, then return reminders, then
    win-backs); nothing during the quiet hours. Returns how many were added."""
    if quiet_until(now, settings.timezone) is not None:
        return 0
    candidates = _feedback_candidates(now) + _return_candidates(now)
    if settings.winback_after is not None:
        candidates += _winback_candidates(now, settings.winback_after)
    fresh = _unsent([key for _, key, _, _ in candidates])
    added = 0
    for user, key, params, appointment_id in candidates:
        if key in fresh and _claim(user, key, params, appointment_id, now):
            fresh.discard(key)
            added += 1
    if added:
        logger.info("marketing: %d message(s) created", added)
    return added


def stale(row: OutboundMessage, appointment: Appointment | None, now: dt.datetime) -> str | None:
    """Why a marketing row no longer makes sense at send time, if it does not."""
    kind = (row.params or {}).get("type")
    if kind == FEEDBACK and (appointment is None or appointment.status != AppointmentStatus.DONE):
        return "appointment no longer attended"
    if kind == RETURN and (appointment is None or _came_back_after(appointment.user_id, appointment.date)):
        return "the customer booked again"
    if kind == WINBACK and row.user_id and "last" in (row.params or {}) \
            and _came_back_after(row.user_id, dt.datetime.fromisoformat(row.params["last"])):
        return "the customer came back"
    return None


def text(params: dict, name: str, settings: Settings) -> str:
    """What a marketing row says."""
    kind = params.get("type")
    if kind == FEEDBACK:
        return texts.feedback_question(name, params.get("service", ""), settings.business_name)
    if kind == RETURN:
        return texts.return_due(name, params.get("service", ""), int(params.get("days", 0)), settings.business_name)
    return texts.winback(name, settings.business_name)
