"""The conversation engine: one inbound message in, one reply out, in one transaction.

The one way through a turn, on every database:

1. find who is writing (by phone, WhatsApp user id, or both: `User.identify`) and lock their
   conversation row (created on first contact), so one person's messages are handled one at a
   time across processes;
2. a MessageSid seen before gets the reply it got then, and nothing else happens;
3. read who is writing and how recently they wrote;
4. route the message (bot/conversation.py) and run the step;
5. save the new state and the MessageSid with its reply, and commit together with whatever the
   step wrote (a booking, a cancellation). A process that dies midway leaves nothing behind.
"""
from __future__ import annotations

import datetime as dt
import logging

from bot.conversation import route
from bot.states import REGISTRATION, State
from bot.turn import Inbound, Reply, Turn
from config import Settings
from storage import clock
from storage.db import run_in_transaction
from storage.models import Conversation, InboundMessage, User

logger = logging.getLogger(__name__)

RATE_WINDOW = dt.timedelta(minutes=1)


class SidReused(Exception):
    """A MessageSid already answered for another person: not a redelivery, so nothing is said."""


def handle(inbound: Inbound, settings: Settings) -> str:
    """Answers one inbound message; a MessageSid seen before gets its stored reply."""
    return run_in_transaction(lambda: _turn(inbound, settings))


def _turn(inbound: Inbound, settings: Settings) -> str:
    now = clock.now()
    contact = User.identify(inbound.phone, inbound.whatsapp_id, now)
    conversation = Conversation.locked(contact.id, now)
    seen = InboundMessage.reply_to(inbound.sid)
    if seen is not None:
        person, reply = seen
        if person != contact.id:
            raise SidReused()
        return reply or ""
    turn = _load(inbound, settings, contact, conversation, now)
    reply = route(turn)
    conversation.move(reply.state.value, reply.data, now)
    InboundMessage.create(sid=inbound.sid, user=contact.id, reply=reply.text, created_at=now)
    return reply.text


def _load(inbound: Inbound, settings: Settings, contact: User, conversation: Conversation,
          now: dt.datetime) -> Turn:
    """What a step may ask about the person writing, read under the conversation's lock."""
    arrivals = InboundMessage.recent(contact.id, settings.rate_limit_per_minute + 1)
    last = arrivals[0] if arrivals else None
    state, data = State.parse(conversation.state), dict(conversation.data or {})
    if not contact.registered and state not in REGISTRATION:  # nobody knows them: from the beginning
        state, data = State.START, {}
    return Turn(contact=contact, text=inbound.text.strip(), user=contact if contact.registered else None,
                state=state, data=data, now=now, settings=settings, profile_name=inbound.profile_name,
                has_media=inbound.has_media, is_admin=is_admin(contact, settings), last_inbound_at=last,
                recent=sum(1 for moment in arrivals if moment > now - RATE_WINDOW),
                idle_since=last or conversation.updated_at)


def is_admin(person: User, settings: Settings) -> bool:
    """Whether the person is one of ADMIN_PHONES (by phone or by WhatsApp user id)."""
    return bool({person.phone, person.whatsapp_id} & set(settings.admin_phones))


__all__ = ["Inbound", "Reply", "SidReused", "Turn", "handle"]
