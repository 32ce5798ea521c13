"""The owner's view of a day: appointments with their ids, and the free gaps between them."""
from __future__ import annotations

import datetime as dt

from bot import texts
from bot.admin.parsing import clock_label
from bot.display import day_label, owner_line, time_label
from storage.availability import Calendar, Rules
from storage.models import Appointment, AppointmentStatus, Professional, User


def _gaps(calendar: Calendar, professional_id: int, day: dt.date, tz) -> str:
    gaps = calendar.free_gaps(professional_id, day)
    return ", ".join(f"{time_label(start, tz)}-{time_label(end, tz)}" for start, end in gaps)


def render(rules: Rules, days: list[dt.date], professionals: list[Professional], limit: int | None = None) -> str:
    """The agenda of the days, per professional when there are several, with the free gaps."""
    tz = rules.tz
    ids = [p.id for p in professionals]
    calendar = Calendar(rules, ids, days[0], days[-1])
    start, _ = rules.local_day_bounds(days[0])
    _, end = rules.local_day_bounds(days[-1])
    rows = (Appointment.select(Appointment, User).join(User)
            .where(Appointment.professional.in_(ids or [0]) & (Appointment.date >= start) & (Appointment.date < end)
                   & (Appointment.status != AppointmentStatus.CANCELLED))
            .order_by(Appointment.date))
    by_day: dict[tuple[dt.date, int], list[str]] = {}
    for appointment in rows:
        key = (appointment.date.astimezone(tz).date(), appointment.professional_id)
        by_day.setdefault(key, []).append(owner_line(appointment, appointment.user, tz))
    named = len(professionals) > 1
    blocks = []
    for day in days:
        for professional in professionals:
            header = texts.agenda_header(day_label(day, tz), professional.name if named else None)
            lines = by_day.get((day, professional.id), [])
            if limit is not None and len(lines) > limit:
                lines = lines[:limit] + [texts.more_in_agenda(len(lines) - limit)]
            if not calendar.opening(professional.id, day):
                gaps = texts.CLOSED_DAY
            else:
                gaps = texts.free_gaps(_gaps(calendar, professional.id, day, tz))
            blocks.append("\n".join([header, *(lines or [texts.NO_APPOINTMENTS_DAY]), gaps]))
    return "\n\n".join(blocks)


def week_hours(hours: dict[int, list[tuple[int, int]]]) -> list[str]:
    """'seg: 09:00-12:00, 13:00-19:00' per weekday ('fechado' when closed)."""
    lines = []
    for weekday in range(7):
        intervals = sorted(hours.get(weekday, []))
        text = ", ".join(f"{clock_label(s)}-{clock_label(e)}" for s, e in intervals) or texts.CLOSED
        lines.append(f"{texts.WEEKDAY_SHORT[weekday]}: {text}")
    return lines
