"""Calendar feeds: the secret tokens of the business's and each professional's iCalendar feed,
and the appointments a feed shows (api/calendar.py renders them).

The token is the only secret of a feed URL: 32 random bytes (`secrets.token_urlsafe`). It is kept
as it is, not hashed, because `agenda link` sends the current URL again whenever it is asked for;
whoever can read the database already reads the appointments themselves. A leaked URL is killed by
rotating it (`agenda link novo`).
"""
from __future__ import annotations

import datetime as dt
import secrets

import peewee

from storage.db import run_in_transaction
from storage.models import Appointment, CalendarFeed, Professional, Service, User

# What a feed shows: recent history and the year ahead, so a busy shop's feed stays small and fast.
PAST = dt.timedelta(days=90)
AHEAD = dt.timedelta(days=366)
TOKEN_BYTES = 32
MAX_TOKEN = 64  # longer tokens are no token of ours: refused before any query


def _scope(professional_id: int | None) -> str:
    return "business" if professional_id is None else f"professional:{professional_id}"


def token_for(professional_id: int | None, now: dt.datetime) -> str:
    """The token of the business's feed (None) or of one professional's, created on first use
    (the unique scope decides between two concurrent first uses)."""
    scope = _scope(professional_id)

    def work() -> str:
        CalendarFeed.insert(scope=scope, professional=professional_id, token=secrets.token_urlsafe(TOKEN_BYTES),
                            created_at=now).on_conflict_ignore().execute()
        return CalendarFeed.select(CalendarFeed.token).where(CalendarFeed.scope == scope).scalar()

    return run_in_transaction(work)


def rotate(professional_id: int | None, now: dt.datetime) -> str:
    """Gives the feed a new token; the old URL stops working at once."""
    scope = _scope(professional_id)

    def work() -> str:
        token_for(professional_id, now)
        fresh = secrets.token_urlsafe(TOKEN_BYTES)
        CalendarFeed.update(token=fresh, rotated_at=now).where(CalendarFeed.scope == scope).execute()
        return fresh

    return run_in_transaction(work)


def find(token: str) -> CalendarFeed | None:
    """The feed at this token, or None (unknown, rotated away, or not a token at all)."""
    if not token or len(token) > MAX_TOKEN:
        return None
    return CalendarFeed.get_or_none(CalendarFeed.token == token)


def appointments(feed: CalendarFeed, now: dt.datetime) -> peewee.ModelSelect:
    """The feed's appointments from PAST ago to AHEAD from now, with their customer, service and
    professional, in one query (every status: a cancelled one is shown cancelled, so calendars
    that had it drop it)."""
    query = (Appointment.select(Appointment, User, Service, Professional)
             .join(User, on=Appointment.user == User.id)
             .switch(Appointment).join(Service, on=Appointment.service == Service.id)
             .switch(Appointment).join(Professional, on=Appointment.professional == Professional.id)
             .where((Appointment.date >= now - PAST) & (Appointment.date < now + AHEAD))
             .order_by(Appointment.date, Appointment.id))
    if feed.professional_id is not None:
        query = query.where(Appointment.professional == feed.professional_id)
    return query
