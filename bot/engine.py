"""The conversation engine: one inbound message in, one reply out, in one transaction.

The transaction locks the phone's conversation row, so messages from one phone are handled one
at a time across processes; records the MessageSid with the reply, so a redelivery gets the same
answer and has no second effect; and commits the new state together with whatever the step
wrote (a booking, a cancellation). A process that dies midway leaves nothing behind.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import peewee

from bot import choices, store, texts
from bot.states import IDLE, REGISTRATION, State
from config import Settings
from storage import clock
from storage.availability import Rules
from storage.db import WriteAttempted, database, is_mysql, read_only, retrying, run_in_transaction
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
    last_inbound_at: dt.datetime | None = None  # the phone's previous message
    recent: int = 0  # messages from this phone in the last minute, before this one
    upcoming: list | None = None  # upcoming appointments, when already read with the conversation
    cache: dict[Any, Any] = field(default_factory=dict)

    def memo(self, key: Any, compute: Callable[[], Any]) -> Any:
        """Reads something once per turn (a step may need the same service three times)."""
        if key not in self.cache:
            self.cache[key] = compute()
        return self.cache[key]

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
    if not inbound.sid:  # every message is recorded: it is the phone's activity too
        inbound = dataclasses.replace(inbound, sid=f"local-{uuid.uuid4().hex}")
    seen = None
    if is_mysql():
        reply, seen = _handle_fast(inbound, settings)
        if reply is not None:
            return reply
    for attempt in range(3):
        try:
            if is_mysql():
                return retrying(lambda seen=seen: _handle_locked_mysql(inbound, settings, seen))
            return run_in_transaction(lambda: _handle_locked(inbound, settings))
        except peewee.IntegrityError:
            # A concurrent delivery of the same MessageSid committed first, or a concurrent
            # first message created this phone's conversation: look again from the top.
            stored = store.stored_reply(inbound.sid)
            if stored is not None:
                return stored
            seen = None
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _turn(inbound: Inbound, settings: Settings, loaded: store.Loaded, now: dt.datetime) -> Turn:
    conversation = loaded.conversation
    turn = Turn(phone=inbound.phone, text=inbound.text.strip(), user=loaded.user,
                state=State.parse(conversation.state), data=dict(conversation.data or {}), now=now,
                settings=settings, profile_name=inbound.profile_name,
                is_admin=inbound.phone in settings.admin_phones, last_inbound_at=loaded.last_inbound_at,
                recent=loaded.recent, upcoming=loaded.upcoming)
    if loaded.several_professionals is not None:  # read along with the conversation
        turn.cache["several"] = loaded.several_professionals
    return turn


def _handle_fast(inbound: Inbound, settings: Settings) -> tuple[str | None, store.Loaded | None]:
    """The MySQL fast path for turns that only move the conversation: no reply when the turn
    must take the locked path (it writes something else, or lost too many races); then the
    read it made, which the locked path may reuse."""
    from bot import flows

    for _ in range(3):
        now = clock.now()
        loaded = store.load(inbound.phone, inbound.sid, now, prefetch=flows.might_list(inbound.text))
        if loaded.stored_reply is not None:
            return loaded.stored_reply, None
        conversation = loaded.conversation
        turn = _turn(inbound, settings, loaded, now)
        if _writes(turn, conversation):
            return None, loaded
        try:
            with read_only():
                reply = _rate_limited(turn) or respond(turn, conversation, inbound)
        except WriteAttempted:
            return None, loaded
        if store.commit_turn(loaded, reply.state.value, reply.data, now, inbound.sid, reply.text):
            return reply.text, None
    return None, None


# Steps that write more than the conversation go straight to the locked path (an optimisation:
# read_only() would send them there anyway, after a wasted attempt).
_WRITING_STATES = {State.ASK_NAME, State.CONFIRM_NAME, State.BOOK_CONFIRM, State.CANCEL_CONFIRM,
                   State.RESCHEDULE_CONFIRM, State.ADMIN_CONFIRM}


def _writes(turn: Turn, conversation: Conversation) -> bool:
    from bot import admin

    if turn.state in _WRITING_STATES or _reminder_context(turn, conversation) is not None:
        return True
    return choices.global_word(turn.text) in ("parar", "voltar") or (turn.is_admin and admin.is_command(turn.text))


def _handle_locked(inbound: Inbound, settings: Settings) -> str:
    now = clock.now()
    loaded = store.load_for_update(inbound.phone, inbound.sid, now)
    if loaded.stored_reply is not None:
        return loaded.stored_reply
    conversation = loaded.conversation
    turn = _turn(inbound, settings, loaded, now)
    reply = _rate_limited(turn) or respond(turn, conversation, inbound)
    store.save(conversation, reply.state.value, reply.data, now)
    store.record(inbound.sid, inbound.phone, reply.text, now)
    return reply.text


def _handle_locked_mysql(inbound: Inbound, settings: Settings, seen: store.Loaded | None) -> str:
    """The locked path with its BEGIN and COMMIT riding on its first and last statements (two
    round trips fewer than peewee's own transaction). Nested booking writes join it."""
    with database.manual_commit():
        try:
            now = clock.now()
            loaded = store.begin_locked(inbound.phone, inbound.sid, now, seen)
            if loaded.stored_reply is not None:
                database.rollback()
                return loaded.stored_reply
            conversation = loaded.conversation
            turn = _turn(inbound, settings, loaded, now)
            reply = _rate_limited(turn) or respond(turn, conversation, inbound)
            store.commit_locked(conversation, reply.state.value, reply.data, now, inbound.sid, reply.text)
            return reply.text
        except BaseException:
            if not database.is_closed() and database.connection().open:
                database.rollback()
            raise


def _rate_limited(turn: Turn) -> Reply | None:
    """Over RATE_LIMIT messages in the last minute (counted from the recorded inbound messages,
    so the limit holds across processes): one "slow down", then silence until the pace drops;
    the message itself changes nothing."""
    if turn.is_admin:
        return None
    over = turn.recent + 1 - turn.settings.rate_limit_per_minute
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

    last_seen = turn.last_inbound_at or conversation.updated_at
    if turn.state not in IDLE and last_seen and turn.now - last_seen > turn.settings.conversation_timeout:
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
    if turn.last_inbound_at is not None and turn.last_inbound_at >= sent:
        return None
    if turn.now - sent > REMINDER_REPLY_WINDOW:
        return None
    return conversation.reminder_appointment_id
