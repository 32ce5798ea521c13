"""The conversation engine: one inbound message in, one reply out, in one transaction.

The one way through a turn, on every database:

1. lock the phone's conversation row (created on first contact), so one phone's messages are
   handled one at a time across processes;
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
    """A MessageSid already answered for another phone: not a redelivery, so nothing is said."""


def handle(inbound: Inbound, settings: Settings) -> str:
    """Answers one inbound message; a MessageSid seen before gets its stored reply."""
    return run_in_transaction(lambda: _turn(inbound, settings))


def _turn(inbound: Inbound, settings: Settings) -> str:
    now = clock.now()
    conversation = Conversation.locked(inbound.phone, now)
    seen = InboundMessage.reply_to(inbound.sid)
    if seen is not None:
        phone, reply = seen
        if phone != inbound.phone:
            raise SidReused()
        return reply or ""
    turn = _load(inbound, settings, conversation, now)
    reply = route(turn)
    conversation.move(reply.state.value, reply.data, now)
    InboundMessage.create(sid=inbound.sid, phone=inbound.phone, reply=reply.text, created_at=now)
    return reply.text


def _load(inbound: Inbound, settings: Settings, conversation: Conversation, now: dt.datetime) -> Turn:
    """What a step may ask about the person writing, read under the conversation's lock."""
    user = User.get_or_none(User.phone == inbound.phone)
    arrivals = InboundMessage.recent(inbound.phone, settings.rate_limit_per_minute + 1)
    last = arrivals[0] if arrivals else None
    state, data = State.parse(conversation.state), dict(conversation.data or {})
    if user is None and state not in REGISTRATION:  # a number nobody knows starts from the beginning
        state, data = State.START, {}
    return Turn(phone=inbound.phone, text=inbound.text.strip(), user=user, state=state, data=data, now=now,
                settings=settings, profile_name=inbound.profile_name, has_media=inbound.has_media,
                is_admin=inbound.phone in settings.admin_phones, last_inbound_at=last,
                recent=sum(1 for moment in arrivals if moment > now - RATE_WINDOW),
                idle_since=last or conversation.updated_at)


__all__ = ["Inbound", "Reply", "SidReused", "Turn", "handle"]
