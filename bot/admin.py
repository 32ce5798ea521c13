"""Admin commands over WhatsApp (only from ADMIN_PHONES, with a valid signature)."""
from __future__ import annotations

from bot.engine import Reply, Turn


def is_command(text: str) -> bool:
    """True when the message starts with an admin command word."""
    return False


def handle(turn: Turn) -> Reply:
    raise NotImplementedError


def scheduled_creators(settings):
    """Functions the dispatcher calls each pass to add scheduled rows (the daily summary)."""
    return ()


def summary_text_for(settings):
    """How the dispatcher words a daily summary row."""
    return None
