"""How moments and appointments are shown: dates as dd/mm/aaaa with the weekday, times HH:MM."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from bot import texts
from bot.dates import format_date, format_day, format_time
from storage import phones
from storage.models import Appointment, AppointmentStatus, User


def day_label(moment: dt.datetime | dt.date, tz: ZoneInfo) -> str:
    """'terça-feira, 08/12/2026' for a moment (in the business zone) or a local date."""
    if isinstance(moment, dt.datetime):
        moment = moment.astimezone(tz).date()
    return format_day(moment)


def time_label(moment: dt.datetime, tz: ZoneInfo) -> str:
    return format_time(moment.astimezone(tz))


def customer_line(appointment: Appointment, tz: ZoneInfo, with_professional: bool = False) -> str:
    """How a customer sees one of their appointments (the professional when they had a choice)."""
    professional = appointment.professional.name if with_professional else None
    return texts.appointment_line(appointment.type, day_label(appointment.date, tz),
                                  time_label(appointment.date, tz), professional)


def owner_line(appointment: Appointment, user: User, tz: ZoneInfo, with_day: bool = False) -> str:
    """How the owner sees an appointment: '09:00 #12 Ana Souza (+55 11 98888-7777) - Corte ✅ confirmado'."""
    when = time_label(appointment.date, tz)
    if with_day:
        when = f"{format_date(appointment.date.astimezone(tz).date())} {when}"
    if appointment.status == AppointmentStatus.BOOKED:
        status = texts.admin_status(appointment.confirmed_at is not None)
    else:
        status = texts.STATUS_LABELS[appointment.status.value]
    return texts.owner_appointment_line(when, appointment.id, user.name, contact(user), appointment.type, status)


def contact(user: User) -> str:
    """How the owner reaches a customer: their phone, or their WhatsApp user id when WhatsApp
    hides the phone behind a username."""
    return phones.display(user.phone) if user.phone else texts.whatsapp_user(user.whatsapp_id)
