"""Talking to the bot without Twilio: the core that the web simulator (/dev/chat) and the
terminal chat (`flask chat`) share.

Messages go through the real webhook: a form like Twilio's, signed with TWILIO_AUTH_TOKEN when
one is set, posted to /whatsapp through the WSGI stack. Outbound messages (reminders, notices)
are read back from the outbox once the dispatcher has sent them.
"""
from __future__ import annotations

import datetime as dt
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from flask import Flask
from twilio.request_validator import RequestValidator

from bot import texts
from scheduler.worker import run_pass
from storage import clock
from storage.db import connection
from storage.demo import DEMO_ADMIN_PHONE
from storage.models import InboundMessage, OutboundMessage, OutboxKind, OutboxStatus, User

SHOWN = (OutboxStatus.SENT, OutboxStatus.DELIVERED, OutboxStatus.READ)
KIND_LABELS = {OutboxKind.REMINDER: "lembrete", OutboxKind.NOTICE: "aviso", OutboxKind.CANCELLATION: "aviso",
               OutboxKind.CONFIRMATION: "confirmação", OutboxKind.SUMMARY: "resumo",
               OutboxKind.OFFER: "vaga"}


@dataclass(frozen=True)
class Speaker:
    """Who the simulator speaks as: a phone, a WhatsApp user id (a customer with a username), or
    both (Twilio then sends the phone in From and the user id in ExternalUserId)."""

    phone: str | None = None
    whatsapp_id: str | None = None

    @property
    def addresses(self) -> list[str]:
        return [a for a in (self.phone, self.whatsapp_id) if a]


def admin(app: Flask) -> Speaker:
    """The first of ADMIN_PHONES (the demo owner by default)."""
    people = app.config["SETTINGS"].admin_phones
    first = people[0] if people else DEMO_ADMIN_PHONE
    return Speaker(phone=first) if first.startswith("+") else Speaker(whatsapp_id=first)


def send(app: Flask, speaker: Speaker, text: str, profile_name: str | None = None) -> list[str]:
    """Delivers one message to the webhook as Twilio would; returns the bot's reply messages."""
    settings = app.config["SETTINGS"]
    form = {"From": f"whatsapp:{speaker.phone or speaker.whatsapp_id}",
            "To": settings.twilio_whatsapp_from or "whatsapp:+14155238886",
            "Body": text, "MessageSid": f"SM{uuid.uuid4().hex}",
            "AccountSid": settings.twilio_account_sid or "AC" + "0" * 32, "NumMedia": "0"}
    if speaker.phone:
        form["WaId"] = speaker.phone.lstrip("+")
    if speaker.whatsapp_id:
        form["ExternalUserId"] = f"whatsapp:{speaker.whatsapp_id}"
    if profile_name:
        form["ProfileName"] = profile_name
    url = (settings.public_url.rstrip("/") if settings.public_url else "http://localhost") + "/whatsapp"
    headers = {}
    if settings.twilio_auth_token:
        headers["X-Twilio-Signature"] = RequestValidator(settings.twilio_auth_token).compute_signature(url, form)
    response = app.test_client().post("/whatsapp", data=form, headers=headers, base_url=url.rsplit("/", 1)[0],
                                      environ_base={"REMOTE_ADDR": "127.0.0.1"})
    if response.status_code != 200:
        raise RuntimeError(f"the webhook answered {response.status_code}")
    return [(element.findtext("Body") or element.text or "") for element in ET.fromstring(response.data)]


def silence(app: Flask, speaker: Speaker) -> str | None:
    """Why the bot said nothing to this person, when it is the rate limit: the simulator shows it
    instead of going quiet with no sign."""
    limit = app.config["SETTINGS"].rate_limit_per_minute
    with connection():
        person = User.get_or_none((User.phone == speaker.phone) if speaker.phone else
                                  (User.whatsapp_id == speaker.whatsapp_id))
        arrivals = InboundMessage.recent(person.id, limit + 1) if person else []
    if len([a for a in arrivals if a > clock.now() - dt.timedelta(minutes=1)]) > limit:
        return texts.simulator_rate_limited(limit)
    return None


@dataclass(frozen=True)
class Delivered:
    id: int
    kind: str
    text: str
    at: str


def delivered(app: Flask, speaker: Speaker, after: int = 0) -> list[Delivered]:
    """Messages the business sent to this person (reminders, notices) after outbox id `after`."""
    tz = app.config["SETTINGS"].timezone
    with connection():
        rows = list(OutboundMessage.select()
                    .where(OutboundMessage.recipient.in_(speaker.addresses) & (OutboundMessage.id > after)
                           & OutboundMessage.status.in_([s.value for s in SHOWN]))
                    .order_by(OutboundMessage.id).limit(50))
    result = []
    for row in rows:
        text = row.body
        if text is None:
            values = " | ".join(f"{k}: {v}" for k, v in sorted((row.content_variables or {}).items()))
            text = f"[modelo {row.content_sid}] {values}"
        at = (row.sent_at or row.created_at).astimezone(tz).strftime("%d/%m %H:%M")
        result.append(Delivered(row.id, KIND_LABELS.get(row.kind, row.kind.value), text, at))
    return result


def advance(app: Flask, dispatcher, delta: dt.timedelta) -> str:
    """Moves this process's clock forward and runs a scheduler pass; returns the new local time."""
    clock.advance(delta)
    run_pass(app, dispatcher)
    return now_label(app)


def now_label(app: Flask) -> str:
    tz = app.config["SETTINGS"].timezone
    return clock.now().astimezone(tz).strftime("%d/%m/%Y %H:%M")
