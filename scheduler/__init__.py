"""Reminders and the outbox dispatcher, run by the worker (`python -m scheduler`)."""
from __future__ import annotations

import logging

from flask import Flask

from scheduler import handoff
from scheduler.sender import make_sender

logger = logging.getLogger(__name__)


def init_app(app: Flask) -> None:
    """Gives the app its sender (Twilio, console or memory, per SENDER)."""
    settings = app.config["SETTINGS"]
    app.extensions["sender"] = make_sender(settings)
    handoff.init_app(app)
    if settings.production and not settings.twilio_reminder_content_sid:
        logger.warning("TWILIO_REMINDER_CONTENT_SID is unset: reminders go out as free text, which "
                       "WhatsApp refuses (error 63016) outside 24 hours after the customer's last message")
    if settings.webhook_urls and not settings.webhook_secret:
        logger.warning("WEBHOOK_URLS is set without WEBHOOK_SECRET: events go out unsigned (refused in production)")
