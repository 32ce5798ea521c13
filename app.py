"""Agendador WhatsApp: the Flask app factory. It wires the packages together and nothing else."""
from __future__ import annotations

import logging
import sys
from collections.abc import Mapping
from typing import Any

from flask import Flask

from config import ConfigError, Settings

logger = logging.getLogger(__name__)

# Commands that must run with the database settings alone (see CONTRACT.md: `db upgrade`
# needs only DATABASE_URL), so a release phase can migrate before the secrets are in place.
_SECRETLESS_COMMANDS = {"db", "seed-demo"}


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Builds the app from the environment; `config` overrides settings (tests pass a dict)."""
    configure_logging()
    settings = Settings.load(overrides=config)
    if not _running_secretless_command():
        settings.require_secrets()

    app = Flask(__name__)
    app.config["SETTINGS"] = settings
    app.json.sort_keys = False
    app.json.ensure_ascii = False

    import api
    import bot
    import dev
    import scheduler
    import storage

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
        logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                            format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # One line per pass is ours to write; APScheduler would add two more per run, and Twilio's
    # client logs every request's details at INFO.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    logging.getLogger("twilio.http_client").setLevel(logging.WARNING)


def _running_secretless_command() -> bool:
    """True inside `flask db ...` / `flask seed-demo`, which need only DATABASE_URL.

    Flask builds the app before click resolves the command, so the command is read from argv.
    """
    import click

    if click.get_current_context(silent=True) is None:
        return False
    args = iter(sys.argv[1:])
    for arg in args:
        if arg in ("--app", "-A", "--env-file", "-e"):
            next(args, None)
        elif not arg.startswith("-"):
            return arg in _SECRETLESS_COMMANDS
    return False


def main() -> None:
    """Console entry: prints a configuration error as one line instead of a traceback."""
    try:
        create_app()
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
