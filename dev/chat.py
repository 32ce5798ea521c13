"""`flask chat`: talk to the bot from a terminal, through the real webhook path.

Lines are sent as WhatsApp messages from --phone (or the demo admin with --admin or --as dono,
or a professional's own phone with --as '#2'). Messages the business sends to that number
(reminders, notices) are shown as they go out. A list or buttons (INTERACTIVE=on) are printed as
numbered lines: typing the number answers like a tap. `/time +1d` fast-forwards this process's
clock and runs a scheduler pass, so reminders can be seen firing.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import http.server
import mimetypes
import re
import threading
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from bot import texts
from dev import simulator
from dev.quiet import quiet_development_logs
from scheduler.sender import MemorySender
from scheduler.worker import build_dispatcher, run_pass
from storage import phones
from storage.demo import DEMO_ADMIN_PHONE

_TIME = re.compile(r"^/time\s+\+?(\d+)\s*([mhd])$", re.IGNORECASE)
_UNITS = {"m": "minutes", "h": "hours", "d": "days"}
HELP = ("Comandos: /time +1d (avança o relógio e roda o agendador), /pass (roda o agendador), "
        "/audio arquivo.ogg (manda uma mensagem de voz), "
        "/usuario (passa a esconder o telefone, como quem adotou um nome de usuário; de novo volta), "
        "/quit (sai). Qualquer outra linha vai como mensagem.")


class Session:
    """One terminal conversation: sends lines, and prints what comes back or goes out."""

    def __init__(self, app, speaker: simulator.Speaker, profile_name: str | None = None, echo=click.echo):
        self.app = app
        self.speaker = speaker
        self.profile_name = profile_name
        self.echo = echo
        # Outbound messages are shown from the outbox; the console sender would print them twice.
        app.extensions["sender"] = MemorySender()
        self.dispatcher = build_dispatcher(app)
        self.last_seen = max([m.id for m in simulator.delivered(app, speaker)], default=0)
        self.shown_ids: set[int] = set()  # replies already printed when they came back from a send
        self.hidden_phone: str | None = None

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
        if line.strip() == "/usuario":
            self._toggle_username()
            return True
        if line.strip().startswith("/audio "):
            self._voice_note(Path(line.strip()[len("/audio "):].strip()).expanduser())
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
        self._show(simulator.send(self.app, self.speaker, line, self.profile_name))
        return True

    def _voice_note(self, path: Path) -> None:
        """Sends an audio file as a voice note: hosted on loopback while the bot fetches it."""
        try:
            data = path.read_bytes()
        except OSError:
            self.echo(texts.CHAT_NO_AUDIO_FILE)
            return
        guessed = mimetypes.guess_type(path.name)[0] or "audio/ogg"
        content_type = "audio/" + guessed.split("/", 1)[1] if guessed.startswith("video/") else guessed  # .webm
        with _hosted(data, content_type) as url:
            self._show(simulator.send(self.app, self.speaker, "", self.profile_name,
                                      media=simulator.Media(url, content_type)))

    def _show(self, replies: list[simulator.Message]) -> None:
        for reply in replies:
            self.echo(f"🤖 {reply.shown.as_lines()}\n")
            if reply.id is not None:
                self.shown_ids.add(reply.id)
        note = None if replies else simulator.silence(self.app, self.speaker)
        if note:
            self.echo(f"ℹ️ {note}\n")
        self._pass()

    def _pass(self) -> None:
        run_pass(self.app, self.dispatcher)
        self._show_outbound()

    def _toggle_username(self) -> None:
        """Hides the phone (only the WhatsApp user id is sent, as for a customer who adopted a
        username), or shows it again."""
        if not self.speaker.whatsapp_id:
            self.echo(texts.CHAT_NEEDS_WHATSAPP_ID)
            return
        if self.hidden_phone is None and self.speaker.phone:
            self.hidden_phone = self.speaker.phone
            self.speaker = simulator.Speaker(whatsapp_id=self.speaker.whatsapp_id)
        elif self.hidden_phone is not None:
            self.speaker = simulator.Speaker(phone=self.hidden_phone, whatsapp_id=self.speaker.whatsapp_id)
            self.hidden_phone = None
        self.echo(texts.chat_speaking_as(self.speaker.phone, self.speaker.whatsapp_id))

    def _show_outbound(self) -> None:
        for message in simulator.delivered(self.app, self.speaker, self.last_seen):
            self.last_seen = message.id
            if message.id in self.shown_ids:
                continue
            if message.label is None:  # a reply the worker sent late (after a retry)
                self.echo(f"🤖 {message.shown.as_lines()}\n")
            else:
                self.echo(f"📨 [{message.label} {message.at}] {message.shown.as_lines()}\n")


@contextlib.contextmanager
def _hosted(data: bytes, content_type: str):
    """Serves these bytes at a loopback URL (as Twilio hosts media) until the block ends."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's naming
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, name="chat-media", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/voice"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@click.command("chat")
@click.option("--phone", default="+5511988887777", show_default=True,
              help="the customer's number ('' for a customer known only by a WhatsApp user id)")
@click.option("--whatsapp-id", default=None, help="the customer's WhatsApp user id, like BR.1A2B3C (sent as ExternalUserId)")
@click.option("--admin", is_flag=True, help="speak as the first ADMIN_PHONES number (the demo owner)")
@click.option("--as", "as_who", default=None, metavar="dono|#ID|NAME",
              help="speak as the owner (dono), or from a professional's own phone, by #id or name "
                   "(the owner gives it: profissional telefone #id +55...)")
@click.option("--name", "profile_name", default=None, help="WhatsApp profile name to send")
@with_appcontext
def chat_command(phone: str, whatsapp_id: str | None, admin: bool, as_who: str | None,
                 profile_name: str | None) -> None:
    """Chat with the bot from the terminal (development)."""
    app = current_app._get_current_object()
    if app.config["SETTINGS"].production:
        raise click.ClickException("the terminal chat is for development")
    quiet_development_logs()
    owner = as_who is not None and as_who.strip().casefold() in ("dono", "owner", "admin")
    if admin or owner:
        settings = app.config["SETTINGS"]
        if not settings.admin_phones:  # a fresh shell: make run's ADMIN_PHONES is not set here
            settings.admin_phones = (DEMO_ADMIN_PHONE,)
            click.echo(texts.chat_demo_owner(DEMO_ADMIN_PHONE))
        speaker = simulator.admin(app)
    elif as_who:
        speaker = simulator.professional(app, as_who)
        if speaker is None:
            raise click.ClickException(texts.CHAT_NO_PROFESSIONAL)
    else:
        number = phones.normalize(phone) if phone else None
        user_id = phones.whatsapp_id(whatsapp_id) if whatsapp_id else None
        if (phone and number is None) or (whatsapp_id and user_id is None) or not (number or user_id):
            raise click.ClickException(f"not a phone number or WhatsApp user id: {phone or whatsapp_id}")
        speaker = simulator.Speaker(phone=number, whatsapp_id=user_id)
    session = Session(app, speaker, profile_name)
    click.echo(f"{texts.chat_speaking_as(speaker.phone, speaker.whatsapp_id)} {HELP}")
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
