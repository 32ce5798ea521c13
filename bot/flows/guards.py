"""What is checked before any state: messages the bot cannot read, a number sending too fast,
and the opt-out words."""
from __future__ import annotations

import logging

from bot import admin, choices, texts
from bot.states import State
from bot.turn import MAX_INPUT, Reply, Turn, stay
from storage.models import User

logger = logging.getLogger(__name__)



def unreadable(turn: Turn) -> Reply | None:
    """A voice note (with no transcription service) or media without text gets "please type";
    an essay gets "please summarise". Nothing moves."""
    if turn.voice:
        return stay(turn, texts.VOICE_NEEDS_TEXT)
    if not turn.text and turn.has_media:
        return stay(turn, texts.TEXT_ONLY)
    if len(turn.text) > MAX_INPUT and not (turn.is_admin and admin.is_command(turn.text)):
        return stay(turn, texts.TOO_LONG)  # an owner's command is refused and audited by bot.admin
    return None


def rate_limit(turn: Turn) -> Reply | None:
    """Over RATE_LIMIT messages in the last minute (counted from the recorded inbound messages,
    under the conversation's lock, so the count is exact across processes): one "slow down",
    then silence until the pace drops; the message itself changes nothing."""
    if turn.is_admin:
        return None
    over = turn.recent + 1 - turn.settings.rate_limit_per_minute
    if over <= 0:
        return None
    if over == 1:
        logger.info("phone rate-limited for the rest of its minute")
        return stay(turn, texts.SLOW_DOWN)
    return stay(turn, "")


def opt_out(turn: Turn) -> Reply | None:
    """`parar` stops reminders and notices, `voltar` brings them back; None when `voltar` has
    nothing to undo (it then means `menu`)."""
    word = choices.global_word(turn.text)
    if word not in ("parar", "voltar"):
        return None
    stop = word == "parar"
    if turn.user is None:
        return stay(turn, texts.NOT_REGISTERED_OPT_OUT) if stop else None
    if stop:
        if turn.user.opted_out_at is None:
            User.update(opted_out_at=turn.now).where(User.id == turn.user.id).execute()
        return stay(turn, texts.OPTED_OUT)
    if turn.user.opted_out_at is None:
        return None
    User.update(opted_out_at=None).where(User.id == turn.user.id).execute()
    return Reply(texts.OPTED_IN + "\n\n" + texts.menu(turn.name), State.MENU)
