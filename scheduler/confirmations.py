"""The confirmation policy: an appointment still unconfirmed at CONFIRM_DEADLINE before it.

The owners (ADMIN_PHONES) and the appointment's professional (when they have their own phone)
are told once: a staff alert per recipient, keyed by (appointment, revision, recipient), so any
number of passes and workers add it once. With AUTO_RELEASE=on the appointment is released
first (storage.booking.release_unconfirmed: one conditional UPDATE that a confirmation
committed before it wins), the customer gets one last message saying why, and the freed slot
goes to the waitlist on the same pass (storage/waitlist.py). An appointment booked after its
deadline had passed is left alone (like a reminder lead already past when booked).
"""
from __future__ import annotations

import datetime as dt
import logging

import peewee

from bot import texts
from config import Settings
from storage import booking, outbox
from storage.db import run_in_transaction
from storage.models import Appointment, AppointmentStatus, OutboundMessage, OutboxKind, Professional

logger = logging.getLogger(__name__)

BATCH = 200


def _alerted() -> peewee.Node:
    """The appointment's deadline alerts were already written (any recipient)."""
    return peewee.fn.EXISTS(OutboundMessage.select(OutboundMessage.id).where(
        (OutboundMessage.appointment == Appointment.id) & (OutboundMessage.kind == OutboxKind.STAFF_ALERT)
        & OutboundMessage.dedupe_key.startswith("unconfirmed:")))


def due(now: dt.datetime, deadline: dt.timedelta) -> list[Appointment]:
    """Booked, unconfirmed appointments inside their deadline, not yet handled."""
    rows = (Appointment.select().where((Appointment.status == AppointmentStatus.BOOKED)
                                       & Appointment.confirmed_at.is_null()
                                       & (Appointment.date > now) & (Appointment.date <= now + deadline)
                                       & ~_alerted())
            .order_by(Appointment.date, Appointment.id).limit(BATCH))
    return [a for a in rows if a.scheduled_at <= a.date - deadline]


def run(now: dt.datetime, settings: Settings) -> int:
    """Applies the policy to every appointment that reached its deadline; returns how many
    messages it added."""
    if settings.confirm_deadline is None or not (settings.auto_release or settings.admin_phones
                                                  or Professional.select().where(Professional.phone.is_null(False)).exists()):
        return 0
    added = 0
    for appointment in due(now, settings.confirm_deadline):
        added += run_in_transaction(lambda a=appointment: _handle(a, now, settings))
    return added


def _handle(appointment: Appointment, now: dt.datetime, settings: Settings) -> int:
    event = "unconfirmed"
    if settings.auto_release:
        if booking.release_unconfirmed(appointment.id, now=now, reason=texts.RELEASED_REASON) is None:
            return 0  # confirmed meanwhile, or released by another worker
        event = "released"
        logger.info("appointment %s released: unconfirmed at the deadline", appointment.id)
    phone = Professional.select(Professional.phone).where(Professional.id == appointment.professional_id).scalar()
    recipients = list(dict.fromkeys([*settings.admin_phones, *([phone] if phone else [])]))
    added = 1 if event == "released" else 0  # the customer's notice
    for recipient in recipients:
        added += outbox.enqueue(OutboxKind.STAFF_ALERT, recipient, appointment_id=appointment.id,
                                params={"event": event, "appointment": appointment.id},
                                dedupe_key=f"unconfirmed:{appointment.id}:{appointment.revision}:{recipient}"
                                ) is not None
    return added
