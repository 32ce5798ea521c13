"""The conversation engine: one inbound message in, one reply out, in one transaction.

The transaction locks the phone's conversation row, so messages from one phone are handled one
at a time across processes; records the MessageSid with the reply, so a redelivery gets the same
answer and has no second effect; and commits the new state together with whatever the step
wrote (a booking, a cancellation). A process that dies midway leaves nothing behind.
"""
from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import peewee

from bot import choices, store, texts
from bot.states import IDLE, REGISTRATION, State
from config import Settings
from storage import clock
from storage.availability import Rules
from storage.db import run_in_transaction
from storage.models import Conversation, User

logger = logging.getLogger(__name__)

MAX_INPUT = 1000
REMINDER_REPLY_WINDOW = dt.timedelta(hours=24)


@dataclass(frozen=True)
class Inbound:
    """One message as Twilio delivered it."""

    phone: str
    text: str
    sid: str | None = None
    profile_name: str | None = None
    has_media: bool = False


@dataclass
class Turn:
    """Everything a step needs to answer one message."""

    phone: str
    text: str
    user: User | None
    state: State
    data: dict[str, Any]
    now: dt.datetime
    settings: Settings
    profile_name: str | None = None
    is_admin: bool = False

    @property
    def rules(self) -> Rules:
        return Rules.from_settings(self.settings)

    @property
    def tz(self):
        return self.settings.timezone

    @property
    def today(self) -> dt.date:
        return self.now.astimezone(self.settings.timezone).date()

    @property
    def business(self) -> str:
        return self.settings.business_name

    @property
    def name(self) -> str | None:
        return self.user.name if self.user else None


@dataclass
class Reply:
    """What to answer, and where the conversation goes next."""

    text: str
    state: State
    data: dict[str, Any] = field(default_factory=dict)


Handler = Callable[[Turn], Reply]


def handle(inbound: Inbound, settings: Settings) -> str:
    """Answers one inbound message; a MessageSid seen before gets its stored reply."""
    for attempt in range(3):
        try:
            return run_in_transaction(lambda: _handle_locked(inbound, settings))
        except peewee.IntegrityError:
            # A concurrent delivery of the same MessageSid committed first, or a concurrent
            # first message created this phone's conversation: look again from the top.
            stored = store.stored_reply(inbound.sid) if inbound.sid else None
            if stored is not None:
                return stored
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _handle_locked(inbound: Inbound, settings: Settings) -> str:
    now = clock.now()
    loaded = store.load_for_update(inbound.phone, inbound.sid)
    if loaded.stored_reply is not None:
        return loaded.stored_reply
    conversation = loaded.conversation
    turn = Turn(phone=inbound.phone, text=inbound.text.strip(), user=loaded.user,
                state=State.parse(conversation.state), data=dict(conversation.data or {}), now=now,
                settings=settings, profile_name=inbound.profile_name,
                is_admin=inbound.phone in settings.admin_phones)
    reply = _rate_limited(turn, conversation) or respond(turn, conversation, inbound)
    store.save(conversation, reply.state.value, reply.data, now, created=loaded.created)
    if inbound.sid:
        store.record(inbound.sid, inbound.phone, reply.text, now)
    return reply.text


RATE_WINDOW = dt.timedelta(minutes=1)


def _rate_limited(turn: Turn, conversation: Conversation) -> Reply | None:
    """Counts this message in the phone's one-minute window (kept in the conversation row, so the
    limit holds across processes). Over the limit: one "slow down", then silence until the window
    passes; the message itself changes nothing."""
    if turn.is_admin:
        return None
    started = conversation.window_started_at
    if started is None or turn.now - started >= RATE_WINDOW:
        conversation.window_started_at, conversation.window_count = turn.now, 1
        return None
    conversation.window_count += 1
    over = conversation.window_count - turn.settings.rate_limit_per_minute
    if over <= 0:
        return None
    if over == 1:
        logger.info("phone rate-limited for the rest of its minute")
    return Reply(texts.SLOW_DOWN if over == 1 else "", turn.state, turn.data)


def _stay(turn: Turn, text: str) -> Reply:
    return Reply(text, turn.state, turn.data)


def respond(turn: Turn, conversation: Conversation, inbound: Inbound) -> Reply:
    """Routes one message: limits, reminder replies, global words, admin commands, then the step."""
    from bot import admin, flows

    if not turn.text and inbound.has_media:
        return _stay(turn, texts.TEXT_ONLY)
    if len(turn.text) > MAX_INPUT:
        return _stay(turn, texts.TOO_LONG)

    reminder = _reminder_context(turn, conversation)
    if reminder is not None:
        reply = flows.reminder_reply(turn, reminder)
        if reply is not None:
            return reply

    word = choices.global_word(turn.text)
    if word in ("parar", "voltar"):
        reply = flows.opt_out(turn, stop=word == "parar")
        if reply is not None:
            return reply
        word = "menu"

    # Admin commands need no registration; "ajuda" from an admin is the admin help.
    if turn.is_admin and admin.is_command(turn.text):
        return admin.handle(turn)

    if turn.user is None:
        if turn.state not in REGISTRATION:
            turn.state, turn.data = State.START, {}
        if word == "ajuda":
            return Reply(texts.HELP + "\n\n" + texts.ASK_NAME, State.ASK_NAME, {})
        return flows.HANDLERS[turn.state](turn)

    if word == "menu":
        return Reply(texts.menu(turn.name), State.MENU, {})
    if word == "ajuda":
        return Reply(texts.help_text(), State.MENU, {})
    if word == "sair":
        return Reply(texts.left_flow(), State.MENU, {})

    if turn.state not in IDLE and \
            turn.now - conversation.updated_at > turn.settings.conversation_timeout:
        turn.state, turn.data = State.MENU, {}
        # A bare number answered a list that is gone; only words are followed.
        if flows.menu_choice(turn.text) is None or choices.number(turn.text) is not None:
            return Reply(texts.timed_out(turn.name), State.MENU, {})

    if turn.state in REGISTRATION:
        return flows.greet_known(turn)
    return flows.HANDLERS[turn.state](turn)


def _reminder_context(turn: Turn, conversation: Conversation) -> int | None:
    """The appointment of a reminder this message may answer: the first message after it,
    within 24 hours."""
    sent = conversation.reminder_sent_at
    if turn.user is None or conversation.reminder_appointment_id is None or sent is None:
        return None
    if conversation.last_inbound_at is not None and conversation.last_inbound_at >= sent:
        return None
    if turn.now - sent > REMINDER_REPLY_WINDOW:
        return None
    return conversation.reminder_appointment_id
