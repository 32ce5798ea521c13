"""Outbound webhook events: what happened to an appointment or a customer, written to the outbox
in the same transaction as the change itself (so an event exists exactly when its change was
committed), one row per receiver in WEBHOOK_URLS. The worker delivers them (scheduler/webhooks.py).

Each event carries its own id (receivers deduplicate on it: delivery is at least once) and a
snapshot of the appointment, customer, service and professional as they were at that moment.
With no WEBHOOK_URLS, nothing is written and nothing is read.
"""
from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from storage import outbox
from storage.models import Appointment, AppointmentStatus, OutboxKind, Professional, Service, User

APPOINTMENT_CREATED = "appointment.created"
APPOINTMENT_RESCHEDULED = "appointment.rescheduled"
APPOINTMENT_CANCELLED = "appointment.cancelled"
APPOINTMENT_ATTENDED = "appointment.attended"
APPOINTMENT_NO_SHOW = "appointment.no_show"
CUSTOMER_CREATED = "customer.created"
TYPES = (APPOINTMENT_CREATED, APPOINTMENT_RESCHEDULED, APPOINTMENT_CANCELLED, APPOINTMENT_ATTENDED,
         APPOINTMENT_NO_SHOW, CUSTOMER_CREATED)
OUTCOMES = {AppointmentStatus.DONE: APPOINTMENT_ATTENDED, AppointmentStatus.NO_SHOW: APPOINTMENT_NO_SHOW}


@dataclass
class _Receivers:
    urls: tuple[str, ...] = ()
    tz: ZoneInfo = field(default_factory=lambda: ZoneInfo("America/Sao_Paulo"))


_receivers = _Receivers()


def configure(urls: tuple[str, ...], tz: ZoneInfo) -> None:
    """Where events go (WEBHOOK_URLS) and the time zone their local times are written in; set by
    storage.init_app for the process, like the database."""
    global _receivers
    _receivers = _Receivers(tuple(urls), tz)


def _moment(value: dt.datetime | None, tz: ZoneInfo | None = None) -> str | None:
    if value is None:
        return None
    if tz is None:
        return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
    return value.astimezone(tz).isoformat()


def customer_data(person: User) -> dict[str, Any]:
    return {"id": person.id, "name": person.name, "phone": person.phone, "whatsapp_id": person.whatsapp_id,
            "created_at": _moment(person.created_at), "opted_out": person.opted_out_at is not None}


def appointment_data(appointment: Appointment, tz: ZoneInfo) -> dict[str, Any]:
    """The appointment as the REST API shows it (local times with the business offset), and more."""
    return {"id": appointment.id, "date": _moment(appointment.date, tz), "end": _moment(appointment.end, tz),
            "duration": appointment.duration, "type": appointment.type, "status": appointment.status.value,
            "user_id": appointment.user_id, "service_id": appointment.service_id,
            "professional_id": appointment.professional_id, "confirmed": appointment.confirmed_at is not None,
            "revision": appointment.revision, "source": appointment.source,
            "cancel_reason": appointment.cancel_reason, "cancelled_at": _moment(appointment.cancelled_at),
            "created_at": _moment(appointment.created_at), "updated_at": _moment(appointment.updated_at)}


def _emit(kind: str, data: dict[str, Any], now: dt.datetime, appointment_id: int | None = None) -> str:
    event_id = f"evt_{uuid.uuid4().hex}"
    event = {"id": event_id, "type": kind, "created_at": _moment(now), "data": data}
    for url in _receivers.urls:
        outbox.enqueue(OutboxKind.WEBHOOK, url[:140], appointment_id=appointment_id,
                       params={"url": url, "event": event}, dedupe_key=f"webhook:{event_id}:{_receivers.urls.index(url)}")
    return event_id


def appointment_changed(kind: str, appointment_id: int, now: dt.datetime,
                        previous: Appointment | None = None) -> str | None:
    """Queues `kind` about the appointment, with its customer, service and professional (one query);
    `previous` (a reschedule) adds the old times. Call it inside the change's transaction."""
    if not _receivers.urls:
        return None
    appointment = (Appointment.select(Appointment, User, Service, Professional)
                   .join(User, on=Appointment.user == User.id)
                   .switch(Appointment).join(Service, on=Appointment.service == Service.id)
                   .switch(Appointment).join(Professional, on=Appointment.professional == Professional.id)
                   .where(Appointment.id == appointment_id).get())
    tz = _receivers.tz
    data = {"appointment": appointment_data(appointment, tz), "customer": customer_data(appointment.user),
            "service": {"id": appointment.service.id, "name": appointment.service.name,
                        "duration": appointment.service.duration},
            "professional": {"id": appointment.professional.id, "name": appointment.professional.name}}
    if previous is not None:
        data["previous"] = {"date": _moment(previous.date, tz), "end": _moment(previous.end, tz)}
    return _emit(kind, data, now, appointment_id)


def customer_created(user_id: int, now: dt.datetime) -> str | None:
    """Queues customer.created for a person who has just been registered (given a name)."""
    if not _receivers.urls:
        return None
    return _emit(CUSTOMER_CREATED, {"customer": customer_data(User.get_by_id(user_id))}, now)
