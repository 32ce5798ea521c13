"""The owner's daily summary: one outbox row per admin per day, worded when it is sent."""
from __future__ import annotations

import datetime as dt

from bot import texts
from bot.display import owner_line, time_label
from config import Settings
from storage import outbox, revenue, waitlist
from storage.availability import Rules
from storage.models import Appointment, AppointmentStatus, OutboxKind, User, WaitlistStatus

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


def yesterday_line(day: dt.date, rules: Rules, now: dt.datetime) -> str:
    """The figures of the day before `day` (attended, revenue, no-shows) for the summary of `day`."""
    figures = revenue.report(day - dt.timedelta(days=1), day - dt.timedelta(days=1), rules=rules, now=now).totals
    return texts.yesterday_figures(figures.attended, figures.revenue_cents, figures.no_shows)


def policies(day: dt.date, settings: Settings, now: dt.datetime) -> str:
    """The summary's policy sections: who waits for the day (the waitlist, in order) and which of
    the day's appointments still ahead are not confirmed."""
    tz = settings.timezone
    waiting = [texts.summary_waitlist_line(
        entry.user.name or texts.NO_NAME, entry.service.name,
        texts.window_label(entry.window_start, entry.window_end) if entry.window_start is not None else None,
        entry.status == WaitlistStatus.OFFERED) for entry in waitlist.of_day(day)]
    start = dt.datetime.combine(day, dt.time(0), tzinfo=tz).astimezone(dt.UTC)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tzinfo=tz).astimezone(dt.UTC)
    unconfirmed = (Appointment.select(Appointment, User).join(User)
                   .where((Appointment.status == AppointmentStatus.BOOKED) & Appointment.confirmed_at.is_null()
                          & (Appointment.date >= max(start, now)) & (Appointment.date < end))
                   .order_by(Appointment.date, Appointment.id))
    lines = [texts.summary_unconfirmed_line(a.id, time_label(a.date, tz), a.user.name or texts.NO_NAME, a.type)
             for a in unconfirmed]
    return "\n\n" + texts.summary_waitlist(waiting) + "\n\n" + texts.summary_unconfirmed(lines)


NO_SHOWS_LISTED = 20


def no_shows_of(day: dt.date, settings: Settings) -> list[str]:
    """The owner's lines for the no-shows of a local day (the summary lists yesterday's)."""
    start, end = Rules.from_settings(settings).local_day_bounds(day)
    rows = (Appointment.select(Appointment, User).join(User)
            .where((Appointment.status == AppointmentStatus.NO_SHOW) & (Appointment.date >= start)
                   & (Appointment.date < end))
            .order_by(Appointment.date, Appointment.id).limit(NO_SHOWS_LISTED))
    return [owner_line(a, a.user, settings.timezone) for a in rows]
