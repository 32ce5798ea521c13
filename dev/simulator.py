"""Talking to the bot without Twilio: the core that the web simulator (/dev/chat) and the
terminal chat (`flask chat`) share.

Messages go through the real webhook: a form like Twilio's, signed with TWILIO_AUTH_TOKEN when
one is set, posted to /whatsapp through the WSGI stack. A tap on a list item or a button is sent
as Twilio sends it (`ListId`/`ListTitle` or `ButtonPayload`/`ButtonText`, the title as `Body`),
and a voice note as media (`NumMedia`, `MediaUrl0`, `MediaContentType0`). The bot's replies are
the TwiML answer (INTERACTIVE=off) and the replies it handed to the sender (INTERACTIVE=on, and
voice notes), read back from the outbox as the phone shows them (dev/rendering.py); so are the
messages the business starts (reminders, notices), once the dispatcher has sent them.
"""
from __future__ import annotations

import datetime as dt
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass

import peewee
from flask import Flask
from twilio.request_validator import RequestValidator

from bot import texts
from dev.rendering import Shown, shown
from scheduler.worker import run_pass
from storage import clock
from storage.db import connection
from storage.demo import DEMO_ADMIN_PHONE
from storage.models import InboundMessage, OutboundMessage, OutboxKind, OutboxStatus, Professional, User

SHOWN = (OutboxStatus.SENT, OutboxStatus.DELIVERED, OutboxStatus.READ)


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


def professionals(app: Flask) -> list[tuple[int, str, str]]:
    """The active professionals with a phone of their own: (id, name, phone or WhatsApp user id)."""
    with app.app_context(), connection():
        rows = Professional.active_ones().where(Professional.phone.is_null(False))
        return [(row.id, row.name, row.phone) for row in rows]


def professional(app: Flask, which: str) -> Speaker | None:
    """The professional named by `#id`, id or name (any case), when they have a phone."""
    key = which.strip().lstrip("#").casefold()
    for number, name, phone in professionals(app):
        if key in (str(number), name.casefold()):
            return Speaker(phone=phone) if phone.startswith("+") else Speaker(whatsapp_id=phone)
    return None


@dataclass(frozen=True)
class Tap:
    """A tap on a list item or a button of a message the business sent."""

    kind: str  # "list" or "buttons"
    id: str  # what the item or button sends back (ListId / ButtonPayload)
    title: str  # the words on it (ListTitle / ButtonText, and the Body)
    message: int | None = None  # the outbox id of the message tapped


@dataclass(frozen=True)
class Media:
    """A voice note (or any file) hosted where the bot can fetch it, as Twilio hosts media."""

    url: str
    content_type: str


@dataclass(frozen=True)
class Message:
    """One message the person sees: a reply or a message the business started."""

    id: int | None  # its outbox id; None for a TwiML reply
    kind: str  # "reply" or the outbox kind
    label: str | None  # the tag the simulators show (lembrete, aviso...); None for a reply
    at: str
    shown: Shown

    @property
    def text(self) -> str:
        return self.shown.text

    def as_json(self) -> dict:
        return {"id": self.id, "kind": self.kind, "label": self.label, "at": self.at, **self.shown.as_json()}


def send(app: Flask, speaker: Speaker, text: str, profile_name: str | None = None, tap: Tap | None = None,
         media: Media | None = None, reply_to: int | None = None) -> list[Message]:
    """Delivers one message to the webhook as Twilio would; returns the bot's replies, in order.
    `reply_to` is the outbox id of a message answered with WhatsApp's swipe-reply."""
    settings = app.config["SETTINGS"]
    with connection():
        before = OutboundMessage.select(peewee.fn.MAX(OutboundMessage.id)).scalar() or 0
        answered = tap.message if tap else reply_to
        tapped = OutboundMessage.get_or_none(OutboundMessage.id == answered) if answered else None
    form = {"From": f"whatsapp:{speaker.phone or speaker.whatsapp_id}",
            "To": settings.twilio_whatsapp_from or "whatsapp:+14155238886",
            "Body": tap.title if tap else text, "MessageSid": f"{'MM' if media else 'SM'}{uuid.uuid4().hex}",
            "AccountSid": settings.twilio_account_sid or "AC" + "0" * 32, "NumMedia": "1" if media else "0"}
    if speaker.phone:
        form["WaId"] = speaker.phone.lstrip("+")
    if speaker.whatsapp_id:
        form["ExternalUserId"] = f"whatsapp:{speaker.whatsapp_id}"
    if profile_name:
        form["ProfileName"] = profile_name
    if tap:
        form.update({"ListId": tap.id, "ListTitle": tap.title} if tap.kind == "list"
                    else {"ButtonPayload": tap.id, "ButtonText": tap.title})
    if tapped is not None and tapped.twilio_sid and tapped.recipient in speaker.addresses:
        form["OriginalRepliedMessageSid"] = tapped.twilio_sid
    if media:
        form.update({"MediaUrl0": media.url, "MediaContentType0": media.content_type})
    url = (settings.public_url.rstrip("/") if settings.public_url else "http://localhost") + "/whatsapp"
    headers = {}
    if settings.twilio_auth_token:
        headers["X-Twilio-Signature"] = RequestValidator(settings.twilio_auth_token).compute_signature(url, form)
    response = app.test_client().post("/whatsapp", data=form, headers=headers, base_url=url.rsplit("/", 1)[0],
                                      environ_base={"REMOTE_ADDR": "127.0.0.1"})
    if response.status_code != 200:
        raise RuntimeError(f"the webhook answered {response.status_code}")
    at = clock.now().astimezone(settings.timezone).strftime("%H:%M")
    replies = [Message(None, OutboxKind.REPLY.value, None, at, Shown(element.findtext("Body") or element.text or ""))
               for element in ET.fromstring(response.data)]
    if "handoff" in app.extensions:  # replies through the REST API (and voice notes) go on threads
        app.extensions["handoff"].wait()
    return replies + [m for m in delivered(app, speaker, before) if m.kind == OutboxKind.REPLY.value]


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


def label(row: OutboundMessage) -> str | None:
    """The tag the simulators put on a message the business started; None for a reply."""
    if row.kind == OutboxKind.REPLY:
        return None
    params = row.params or {}
    if row.kind == OutboxKind.STAFF_ALERT and "lines" in params:
        return texts.SIMULATOR_KINDS["relay"]
    if row.kind == OutboxKind.STAFF_ALERT and "handoff" in params:
        return texts.SIMULATOR_KINDS["handoff"]
    return texts.SIMULATOR_KINDS.get(row.kind.value, row.kind.value)


def delivered(app: Flask, speaker: Speaker, after: int = 0) -> list[Message]:
    """Messages the business sent to this person (replies, reminders, notices) after outbox id
    `after`, as the phone shows them."""
    tz = app.config["SETTINGS"].timezone
    with connection():
        rows = list(OutboundMessage.select()
                    .where(OutboundMessage.recipient.in_(speaker.addresses) & (OutboundMessage.id > after)
                           & OutboundMessage.status.in_([s.value for s in SHOWN]))
                    .order_by(OutboundMessage.id).limit(50))
        result = []
        for row in rows:
            moment = (row.sent_at or row.created_at).astimezone(tz)
            at = moment.strftime("%H:%M" if row.kind == OutboxKind.REPLY else "%d/%m %H:%M")
            result.append(Message(row.id, row.kind.value, label(row), at,
                                  shown(row.body, row.content_sid, row.content_variables)))
    return result


def advance(app: Flask, dispatcher, delta: dt.timedelta) -> str:
    """Moves this process's clock forward and runs a scheduler pass; returns the new local time."""
    clock.advance(delta)
    run_pass(app, dispatcher)
    return now_label(app)


def now_label(app: Flask) -> str:
    tz = app.config["SETTINGS"].timezone
    return clock.now().astimezone(tz).strftime("%d/%m/%Y %H:%M")
