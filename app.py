"""Agendador WhatsApp: the Flask app factory. It wires the packages together and nothing else."""
from __future__ import annotations

import logging
import sys
from collections.abc import Mapping
from typing import Any

from flask import Flask

import api
import bot
import dev
import logs
import scheduler
import storage
from bot.inbound import MAX_BODY
from config import Settings


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Builds the app from the environment; `config` overrides settings (tests pass a dict).

    The processes that serve (gunicorn's start hook) and send (`python -m scheduler`) refuse to
    start without the production secrets; commands such as `flask db upgrade` need only the
    database."""
    configure_logging()
    app = Flask(__name__)
    app.config["SETTINGS"] = Settings.load(overrides=config)
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY  # every body is small: 413 past it, before it is read
    app.json.sort_keys = False
    app.json.ensure_ascii = False
    storage.init_app(app)
    bot.init_app(app)
    api.init_app(app)
    scheduler.init_app(app)
    dev.init_app(app)
    return app


def configure_logging() -> None:
    """One-line log records on stderr, unless a server (gunicorn) already configured logging."""
    root = logging.getLogger()
    if not root.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logs.OneLineFormatter(logs.FORMAT))  # control characters escaped
        root.addHandler(handler)
        root.setLevel(logging.INFO)
    # One line per pass is ours to write; APScheduler would add two more per run, and Twilio's
    # client logs every request's details at INFO.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    logging.getLogger("twilio.http_client").setLevel(logging.WARNING)
