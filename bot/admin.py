"""Admin commands over WhatsApp (only from ADMIN_PHONES, with a valid signature)."""
from __future__ import annotations

from bot.engine import Reply, Turn


def is_command(text: str) -> bool:
    """True when the message starts with an admin command word."""
    return False


def handle(turn: Turn) -> Reply:
    raise NotImplementedError
