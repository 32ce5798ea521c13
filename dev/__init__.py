"""Development tools: `flask serve` (what `make run` starts), the web chat simulator at /dev/chat
and the terminal chat (`flask chat`). The simulator exists only when APP_ENV=development."""
from __future__ import annotations

import logging

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from werkzeug.serving import run_simple

from config import dev_api_token
from dev import chat, web
from dev.quiet import quiet_development_logs
from scheduler.worker import start_in_background

logger = logging.getLogger(__name__)


def init_app(app: Flask) -> None:
    app.cli.add_command(serve_command)
    app.cli.add_command(chat.chat_command)
    if app.config["SETTINGS"].development:
        app.register_blueprint(web.bp)


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, envvar="PORT", show_default=True, type=int)
@with_appcontext
def serve_command(host: str, port: int) -> None:
    """Serve the app for development, with the in-process scheduler (what `make run` does)."""
    app = current_app._get_current_object()
    settings = app.config["SETTINGS"]
    if settings.production:
        raise click.ClickException("in production, run gunicorn (see the Procfile), not `serve`")
    if not settings.api_token:
        settings.api_token = dev_api_token()
    base = f"http://{host}:{port}"
    click.echo(f"API token:        {settings.api_token}   (curl -H 'Authorization: Bearer {settings.api_token}' {base}/users)")
    click.echo(f"Simulator:        {base}/dev/chat")
    click.echo("Terminal chat:    .venv/bin/flask --app app chat --phone +5511988887777   (add --admin for the owner)")
    quiet_development_logs()
    start_in_background(app)
    run_simple(host, port, app, threaded=True, use_reloader=False)
