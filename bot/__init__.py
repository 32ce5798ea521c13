"""The WhatsApp bot: webhook, conversation engine, flows, admin commands, texts, sender."""
from __future__ import annotations

from flask import Flask

from bot import webhook
from bot.nlu.cli import understand_command


def init_app(app: Flask) -> None:
    """Registers the Twilio webhooks and the `understand` command. (Without TWILIO_AUTH_TOKEN in
    development, the process that accepts an unsigned webhook says so once; `make run`'s setup
    commands say nothing.)"""
    app.register_blueprint(webhook.bp)
    app.cli.add_command(understand_command)
