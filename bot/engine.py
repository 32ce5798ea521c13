"""The conversation engine: one inbound message in, its reply out, in one transaction.

The one way through a turn, on every database:

1. find who is writing (by phone, WhatsApp user id, or both: `User.identify`) and lock their
   conversation row (created on first contact), so one person's messages are handled one at a
   time across processes;
2. a MessageSid seen before gets the reply it got then, and nothing else happens;
3. a message that must wait (a voice note to transcribe, or anything behind one) is recorded as
   waiting and answered later, in order (`run_waiting`);
4. route the message (bot/conversation.py) and run the step;
5. save the new state and the MessageSid with its reply, and commit together with whatever the
   step wrote (a booking, a cancellation). With INTERACTIVE=on the reply itself is an outbox row
   written in the same transaction, handed to Twilio right after the commit. A process that dies
   midway leaves nothing behind.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from dataclasses import dataclass

from bot import interactive, texts
from bot.conversation import route
from bot.flows import handoff
from bot.states import REGISTRATION, State
from bot.turn import Inbound, Reply, Turn
from config import Settings
from storage import clock, outbox, phones
from storage.db import run_in_transaction
from storage.models import Conversation, InboundMessage, OutboxKind, Professional, User

logger = logging.getLogger(__name__)

RATE_WINDOW = dt.timedelta(minutes=1)
MISSES_BEFORE_OFFER = 2
# A reply the web process did not hand to Twilio by then (it died) is sent by the worker.
HANDOFF_GRACE = dt.timedelta(seconds=5)


class SidReused(Exception):
    """A MessageSid already answered for another person: not a redelivery, so nothing is said."""


@dataclass(frozen=True)
class Outcome:
    """What the webhook does with a message once its transaction has committed."""

    twiml: str = ""  # the reply as TwiML text (INTERACTIVE=off); empty: an empty <Response/>
    deliver: int | None = None  # the person whose replies to hand to Twilio now
    transcribe: int | None = None  # the person with a voice note to transcribe


def handle(inbound: Inbound, settings: Settings) -> Outcome:
    """Answers one inbound message; a MessageSid seen before gets its stored reply."""
    return run_in_transaction(lambda: _turn(inbound, settings))


def _turn(inbound: Inbound, settings: Settings) -> Outcome:
    now = clock.now()
    contact = User.identify(inbound.phone, inbound.whatsapp_id, now)
    conversation = Conversation.locked(contact.id, now)
    seen = InboundMessage.reply_to(inbound.sid)
    if seen is not None:
        person, reply = seen
        if person != contact.id:
            raise SidReused()
        return Outcome(twiml="" if settings.interactive else reply or "")
    behind = InboundMessage.waiting_for(contact.id).exists()
    if behind or (inbound.voice and settings.stt_url):
        # Answered in order once the voice note ahead of it (or this one) has its text.
        InboundMessage.create(sid=inbound.sid, user=contact.id, created_at=now,
                              waiting=dataclasses.asdict(inbound))
        return Outcome(transcribe=contact.id)
    reply = _answer(_load(inbound, settings, contact, conversation, now), conversation)
    InboundMessage.create(sid=inbound.sid, user=contact.id, reply=reply.text, created_at=now, body=_body(inbound))
    if not settings.interactive:
        return Outcome(twiml=reply.text)
    queue_reply(contact, reply, now)
    return Outcome(deliver=contact.id)


def _answer(turn: Turn, conversation: Conversation, heard: str | None = None) -> Reply:
    """Routes the message and saves where the conversation goes; a voice note's reply starts by
    saying what was heard. The second answer in a row the bot did not understand becomes the
    offer of a person."""
    reply = route(turn)
    misses = conversation.misses + 1 if reply.unclear else 0
    if misses >= MISSES_BEFORE_OFFER:
        reply, misses = handoff.offered(reply, turn), 0
    if heard is not None and reply.text:
        reply = dataclasses.replace(reply, text=texts.heard(heard) + "\n\n" + reply.text)
    conversation.move(reply.state.value, reply.data, turn.now, misses)
    return reply


def _body(inbound: Inbound) -> str | None:
    """What the person wrote, kept for the staff who may take the chat over."""
    return (inbound.text or inbound.tap_title or "")[:1000] or None


def queue_reply(person: User, reply: Reply, now: dt.datetime) -> None:
    """The reply as outbox rows (one per 1600 characters), in order, for the REST API; the web
    process hands them over at once, the worker after HANDOFF_GRACE if it did not."""
    if not reply.text:
        return
    menu = interactive.menu_of(reply.text, reply.state.value)
    parts = [reply.text] if menu else split_message(reply.text)
    for part in parts:
        outbox.enqueue(OutboxKind.REPLY, person, params={"text": part, "state": reply.state.value},
                       due=now + HANDOFF_GRACE)


def split_message(text: str, limit: int = texts.MAX_MESSAGE) -> list[str]:
    """Splits on line boundaries into chunks of at most `limit` characters."""
    chunks: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:  # one enormous line: cut it at a space if there is one
            cut = line.rfind(" ", 0, limit)
            cut = cut if cut > 0 else limit
            if current:
                chunks.append(current)
                current = ""
            chunks.append(line[:cut])
            line = line[cut:].lstrip(" ")
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            chunks.append(current)
            current = line
        else:
            current = candidate
    if current.strip() or not chunks:
        chunks.append(current)
    return [c for c in chunks if c.strip()] or [texts.GENERIC_ERROR]


def run_waiting(person_id: int, settings: Settings, heard: dict[int, str | None]) -> bool:
    """Answers the person's oldest waiting message, in its own transaction; `heard` gives a voice
    note's transcript by inbound row id (None: it could not be understood). False when nothing
    waits, or when the oldest is a voice note with no transcript yet."""

    def work() -> bool:
        now = clock.now()
        contact = User.get_by_id(person_id)
        conversation = Conversation.locked(person_id, now)
        row = InboundMessage.waiting_for(person_id).first()
        if row is None:
            return False
        inbound = Inbound(**row.waiting)
        transcript = None
        if inbound.voice and settings.stt_url:
            if row.id not in heard:
                return False
            transcript = heard[row.id]
            if transcript is None:
                reply = Reply(texts.VOICE_NOT_UNDERSTOOD, State.parse(conversation.state), conversation.data or {})
            else:
                inbound = dataclasses.replace(inbound, text=transcript, media_url=None, media_type=None,
                                              has_media=False)
        if transcript is not None or not inbound.voice or not settings.stt_url:
            turn = _load(inbound, settings, contact, conversation, now, before=row.id)
            reply = _answer(turn, conversation, heard=transcript)
        InboundMessage.update(reply=reply.text, waiting=None, body=_body(inbound)).where(
            InboundMessage.id == row.id).execute()
        queue_reply(contact, reply, now)  # the webhook answered long ago: these go by REST
        return True

    return run_in_transaction(work)


def _load(inbound: Inbound, settings: Settings, contact: User, conversation: Conversation,
          now: dt.datetime, before: int | None = None) -> Turn:
    """What a step may ask about the person writing, read under the conversation's lock (for a
    message that waited, only what came before it)."""
    arrivals = InboundMessage.recent(contact.id, settings.rate_limit_per_minute + 1, before=before)
    last = arrivals[0] if arrivals else None
    state, data = State.parse(conversation.state), dict(conversation.data or {})
    admin, staff = is_admin(contact, settings), Professional.of(contact)
    if not contact.registered and state not in REGISTRATION and not (admin or staff):
        state, data = State.START, {}  # nobody knows them: from the beginning
    text = inbound.text
    if inbound.tap:
        text = interactive.read_tap(inbound.tap, inbound.tap_title or "", state.value)
    return Turn(contact=contact, text=text.strip(), user=contact if contact.registered else None,
                state=state, data=data, now=now, settings=settings, profile_name=inbound.profile_name,
                has_media=inbound.has_media, voice=inbound.voice, tap=inbound.tap, replied_to=inbound.replied_to,
                is_admin=admin, staff=staff, last_inbound_at=last,
                recent=sum(1 for moment in arrivals if moment > now - RATE_WINDOW),
                idle_since=last or conversation.updated_at)


def is_admin(person: User, settings: Settings) -> bool:
    """Whether the person is one of ADMIN_PHONES (by phone or by WhatsApp user id)."""
    return bool({*phones.aliases(person.phone), person.whatsapp_id} & set(settings.admin_phones))


__all__ = ["Inbound", "Outcome", "Reply", "SidReused", "Turn", "handle", "run_waiting"]
