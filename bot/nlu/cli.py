"""`flask --app app understand "TEXT" [--now ISO-8601]`: what the bot reads in a message, as JSON."""
from __future__ import annotations

import datetime as dt
import json

import click
from flask import current_app
from flask.cli import with_appcontext

from bot.nlu.catalog import load_catalog
from bot.nlu.understand import understand
from storage import clock
from storage.db import connection


@click.command("understand")
@click.argument("text")
@click.option("--now", "now_text", metavar="ISO-8601",
              help="The moment to read relative to (default: now, in the business time zone).")
@click.option("--explain", is_flag=True, help="Also print what was left unsure: options, guesses, confidence.")
@with_appcontext
def understand_command(text: str, now_text: str | None, explain: bool) -> None:
    """Print what the bot reads in TEXT: one JSON object (intent, service, professional, date,
    time, window), read against the business's services, professionals and opening hours."""
    settings = current_app.config["SETTINGS"]
    now = _moment(now_text, settings.timezone)
    with connection():
        catalog = load_catalog(settings.business_name, settings.timezone)
    reading = understand(text, now, catalog)
    click.echo(json.dumps(reading.as_dict(explain=explain), ensure_ascii=False))


def _moment(text: str | None, timezone) -> dt.datetime:
    if text is None:
        return clock.now().astimezone(timezone)
    try:
        moment = dt.datetime.fromisoformat(text.strip())
    except ValueError as exc:
        raise click.BadParameter(f"not an ISO-8601 date and time: {text!r}", param_hint="--now") from exc
    return moment.replace(tzinfo=timezone) if moment.tzinfo is None else moment.astimezone(timezone)
