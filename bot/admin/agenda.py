"""The owner's view of a day: appointments with their ids, and the free gaps between them."""
from __future__ import annotations

import datetime as dt

from bot import texts
from bot.admin.parsing import minutes_label
from bot.display import day_label, time_label
from storage import phones
from storage.availability import Calendar, Rules
from storage.models import Appointment, AppointmentStatus, Professional, User


def appointment_line(appointment: Appointment, user: User, tz, with_day: bool = False) -> str:
    """'09:00 #12 Ana Souza (+55 11 98888-7777) - Corte ✅ confirmado'."""
    when = time_label(appointment.date, tz)
    if with_day:
        when = f"{appointment.date.astimezone(tz).strftime('%d/%m/%Y')} {when}"
    status = texts.STATUS_LABELS.get(appointment.status.value) if appointment.status != AppointmentStatus.BOOKED else None
    return (f"{when} #{appointment.id} {user.name} ({phones.display(user.phone)}) - {appointment.type} "
            f"{texts.admin_status(appointment.confirmed_at is not None, status)}")


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
        by_day.setdefault(key, []).append(appointment_line(appointment, appointment.user, tz))
    named = len(professionals) > 1
    blocks = []
    for day in days:
        for professional in professionals:
            header = texts.agenda_header(day_label(day, tz), professional.name if named else None)
            lines = by_day.get((day, professional.id), [])
            if limit is not None and len(lines) > limit:
                lines = lines[:limit] + [f"... e mais {len(lines) - limit}: envie *agenda*"]
            if not calendar.opening(professional.id, day):
                gaps = texts.CLOSED_DAY
            else:
                gaps = texts.free_gaps(_gaps(calendar, professional.id, day, tz))
            blocks.append("\n".join([header, *(lines or [texts.NO_APPOINTMENTS_DAY]), gaps]))
    return "\n\n".join(blocks)


def week_hours(hours: dict[int, list[tuple[int, int]]]) -> list[str]:
    """'seg: 09:00-12:00, 13:00-19:00' per weekday ('fechado' when closed)."""
    from bot.admin.parsing import WEEKDAY_SHORT

    lines = []
    for weekday in range(7):
        intervals = sorted(hours.get(weekday, []))
        text = ", ".join(f"{minutes_label(s)}-{minutes_label(e)}" for s, e in intervals) or "fechado"
        lines.append(f"{WEEKDAY_SHORT[weekday]}: {text}")
    return lines
