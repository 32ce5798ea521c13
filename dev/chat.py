"""`flask chat`: talk to the bot from a terminal, through the real webhook path.

Lines are sent as WhatsApp messages from --phone (or the demo admin with --admin). Messages the
business sends to that number (reminders, notices) are shown as they go out. `/time +1d`
fast-forwards this process's clock and runs a scheduler pass, so reminders can be seen firing.
"""
from __future__ import annotations

import datetime as dt
import re

import click
from flask import current_app
from flask.cli import with_appcontext

from dev import simulator
from scheduler.sender import MemorySender
from scheduler.worker import build_dispatcher, run_pass
from storage import phones

_TIME = re.compile(r"^/time\s+\+?(\d+)\s*([mhd])$", re.IGNORECASE)
_UNITS = {"m": "minutes", "h": "hours", "d": "days"}
HELP = ("Comandos: /time +1d (avança o relógio e roda o agendador), /pass (roda o agendador), "
        "/quit (sai). Qualquer outra linha vai como mensagem.")


class Session:
    """One terminal conversation: sends lines, and prints what comes back or goes out."""

    def __init__(self, app, phone: str, profile_name: str | None = None, echo=click.echo):
        self.app = app
        self.phone = phone
        self.profile_name = profile_name
        self.echo = echo
        # Outbound messages are shown from the outbox; the console sender would print them twice.
        app.extensions["sender"] = MemorySender()
        self.dispatcher = build_dispatcher(app)
        self.last_seen = max([m.id for m in simulator.delivered(app, phone)], default=0)

    def close(self) -> None:
        self.dispatcher.close()

    def handle(self, line: str) -> bool:
        """Acts on one input line; False when the person wants to leave."""
        line = line.rstrip("\n")
        if line.strip() in ("/quit", "/sair", "/exit"):
            return False
        if line.strip() == "/help":
            self.echo(HELP)
            return True
        if line.strip() == "/pass":
            self._pass()
            return True
        match = _TIME.match(line.strip())
        if match:
            delta = dt.timedelta(**{_UNITS[match[2].lower()]: int(match[1])})
            now = simulator.advance(self.app, self.dispatcher, delta)
            self.echo(f"⏩ agora: {now}")
            self._show_outbound()
            return True
        if line.startswith("/"):
            self.echo(HELP)
            return True
        for reply in simulator.send(self.app, self.phone, line, self.profile_name):
            self.echo(f"🤖 {reply}\n")
        self._pass()
        return True

    def _pass(self) -> None:
        run_pass(self.app, self.dispatcher)
        self._show_outbound()

    def _show_outbound(self) -> None:
        for message in simulator.delivered(self.app, self.phone, self.last_seen):
            self.echo(f"📨 [{message.kind} {message.at}] {message.text}\n")
            self.last_seen = message.id


@click.command("chat")
@click.option("--phone", default="+5511988887777", show_default=True, help="the customer's number")
@click.option("--admin", is_flag=True, help="speak as the first ADMIN_PHONES number (the demo owner)")
@click.option("--name", "profile_name", default=None, help="WhatsApp profile name to send")
@with_appcontext
def chat_command(phone: str, admin: bool, profile_name: str | None) -> None:
    """Chat with the bot from the terminal (development)."""
    app = current_app._get_current_object()
    if app.config["SETTINGS"].production:
        raise click.ClickException("the terminal chat is for development")
    number = simulator.admin_phone(app) if admin else phones.normalize(phone)
    if number is None:
        raise click.ClickException(f"not a phone number: {phone}")
    session = Session(app, number, profile_name)
    click.echo(f"Conversando como {number}. {HELP}")
    try:
        while True:
            try:
                line = click.prompt("você", prompt_suffix="> ", default="", show_default=False)
            except (EOFError, click.Abort):
                break
            if not session.handle(line):
                break
    finally:
        session.close()
