"""The WhatsApp bot: webhook, conversation engine, flows, admin commands, texts, sender."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Registers the Twilio webhooks."""
