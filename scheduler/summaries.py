"""The owner's daily summary: one outbox row per admin per day, worded when it is sent."""
from __future__ import annotations

import datetime as dt

from bot.display import owner_line
from config import Settings
from storage import outbox
from storage.availability import Rules
from storage.models import Appointment, AppointmentStatus, OutboxKind, User

# A worker that was down all morning stays quiet rather than sending the summary at night.
WINDOW = dt.timedelta(hours=3)


def create_due(now: dt.datetime, settings: Settings) -> int:
    """Adds today's summary for each admin once DAILY_SUMMARY_AT has passed (a unique key per
    admin and day, so any number of passes and workers add it once); returns how many."""
    if settings.daily_summary_at is None or not settings.admin_phones:
        return 0
    local = now.astimezone(settings.timezone)
    due = dt.datetime.combine(local.date(), settings.daily_summary_at, tzinfo=settings.timezone)
    if not due <= local < due + WINDOW:
        return 0
    day = local.date().isoformat()
    return sum(outbox.enqueue(OutboxKind.SUMMARY, phone, params={"day": day},
                              dedupe_key=f"summary:{phone}:{day}") is not None
               for phone in settings.admin_phones)


NO_SHOWS_LISTED = 20


def no_shows_of(day: dt.date, settings: Settings) -> list[str]:
    """The owner's lines for the no-shows of a local day (the summary lists yesterday's)."""
    start, end = Rules.from_settings(settings).local_day_bounds(day)
    rows = (Appointment.select(Appointment, User).join(User)
            .where((Appointment.status == AppointmentStatus.NO_SHOW) & (Appointment.date >= start)
                   & (Appointment.date < end))
            .order_by(Appointment.date, Appointment.id).limit(NO_SHOWS_LISTED))
    return [owner_line(a, a.user, settings.timezone) for a in rows]
