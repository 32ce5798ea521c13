"""The WhatsApp bot: webhook, conversation engine, flows, admin commands, texts, sender."""
from __future__ import annotations

import logging

from flask import Flask

from bot import webhook
from bot.nlu.cli import understand_command

logger = logging.getLogger(__name__)


def init_app(app: Flask) -> None:
    """Registers the Twilio webhooks and the `understand` command."""
    app.register_blueprint(webhook.bp)
    app.cli.add_command(understand_command)
    settings = app.config["SETTINGS"]
    if not settings.twilio_auth_token and settings.development:
        logger.warning("TWILIO_AUTH_TOKEN is unset: accepting unsigned webhooks from loopback only")
