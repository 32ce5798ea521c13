"""How moments and appointments are shown: dates as dd/mm/aaaa with the weekday, times HH:MM."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from bot import texts
from bot.dates import format_day, format_time
from storage.models import Appointment, Professional


def day_label(moment: dt.datetime | dt.date, tz: ZoneInfo) -> str:
    """'terça-feira, 08/12/2026' for a moment (in the business zone) or a local date."""
    if isinstance(moment, dt.datetime):
        moment = moment.astimezone(tz).date()
    return format_day(moment)


def time_label(moment: dt.datetime, tz: ZoneInfo) -> str:
    return format_time(moment.astimezone(tz))


def several_professionals() -> bool:
    """Names of professionals are shown only when the customer could choose between them."""
    return Professional.select().where(Professional.active == True).count() > 1  # noqa: E712


def appointment_line(appointment: Appointment, tz: ZoneInfo, with_professional: bool = False) -> str:
    professional = appointment.professional.name if with_professional else None
    return texts.appointment_line(appointment.type, day_label(appointment.date, tz),
                                  time_label(appointment.date, tz), professional)
