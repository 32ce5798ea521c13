"""Storage: the database, its schema and migrations, and the booking rules."""
from __future__ import annotations

import logging

import click
from flask import Flask

from storage import events
from storage.db import connection, database, make_database
from storage.demo import seed_demo
from storage.migrate import upgrade

logger = logging.getLogger(__name__)


def init_app(app: Flask) -> None:
    """Points the database at DATABASE_URL, opens a connection per request, adds the CLI."""
    settings = app.config["SETTINGS"]
    _release_previous()
    database.initialize(make_database(
        settings.database_url, pool_size=settings.db_pool_size, pool_wait=settings.db_pool_wait,
        stale_timeout=settings.db_stale_timeout, timeout=settings.db_timeout))
    events.configure(settings.webhook_urls, settings.timezone)

    # peewee connects on the first query of a request (autoconnect), so pages that need no
    # database never take a connection; this returns it to the pool when the request ends.
    @app.teardown_appcontext
    def close_connection(exc):  # noqa: ARG001 - Flask passes the exception
        if not database.is_closed():
            database.close()

    app.cli.add_command(db_group)
    app.cli.add_command(seed_demo_command)


def _release_previous() -> None:
    """Closes the pool of an earlier app in this process (tests build many apps)."""
    previous = database.obj
    if previous is None:
        return
    close_all = getattr(previous, "close_all", None)
    try:
        close_all() if close_all else previous.close()
    except Exception:  # a dead connection needs no goodbye
        logger.debug("closing the previous database failed", exc_info=True)


@click.group("db")
def db_group():
    """Database schema commands."""


@db_group.command("upgrade")
def upgrade_command():
    """Apply pending schema migrations (safe to repeat, safe from two processes at once)."""
    params = getattr(database.obj, "connect_params", {})
    if "read_timeout" in params:  # building an index on a big table takes longer than a request
        params["read_timeout"] = params["write_timeout"] = 3600
    applied = upgrade()
    click.echo("applied: " + ", ".join(applied) if applied else "schema is up to date")


@click.command("seed-demo")
def seed_demo_command():
    """Load the demo business (services, hours, one admin) into an empty database."""
    with connection():
        loaded = seed_demo()
    click.echo("demo business loaded" if loaded else "database already has data; nothing loaded")
