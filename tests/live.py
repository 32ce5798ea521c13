"""The app served for real: gunicorn processes on a loopback port, talked to over HTTP the way
Twilio and integrators do."""
from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

from tests.helpers import ACCOUNT_SID, ADMIN_PHONE, API_TOKEN, AUTH_TOKEN, inbound_form, sign, twiml_messages

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def app_env(database_url: str, **extra: str) -> dict:
    """The environment of a web or worker process under test."""
    from config import Settings

    env = {k: v for k, v in os.environ.items() if k not in Settings.env_names()}
    env.update(APP_ENV="test", DATABASE_URL=database_url, TWILIO_AUTH_TOKEN=AUTH_TOKEN, TWILIO_ACCOUNT_SID=ACCOUNT_SID,
               TWILIO_WHATSAPP_FROM="whatsapp:+5511940000000", API_TOKEN=API_TOKEN, SENDER="memory",
               ADMIN_PHONES=ADMIN_PHONE, DAILY_SUMMARY_AT="off", BUSINESS_NAME="Barbearia Teste", INTERACTIVE="off",
               PYTHONUNBUFFERED="1")
    env.update(extra)
    return env


@dataclass
class Server:
    url: str
    process: subprocess.Popen
    errors: str = ""  # gunicorn's error log, once it has stopped

    def get(self, path: str, headers: dict | None = None, timeout: float = 10.0) -> tuple[int, bytes]:
        return _open(urllib.request.Request(self.url + path, headers=headers or {}), timeout)

    def post_form(self, path: str, form: dict, headers: dict | None = None,
                  timeout: float = 30.0) -> tuple[int, bytes]:
        data = urllib.parse.urlencode(form).encode()
        return _open(urllib.request.Request(self.url + path, data=data, headers=headers or {}, method="POST"),
                     timeout)


def _open(request: urllib.request.Request, timeout: float) -> tuple[int, bytes]:
    """The status and body of a request, error statuses included."""
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


@contextlib.contextmanager
def gunicorn(database_url: str, workers: int = 2, threads: int = 8, *, as_deployed: bool = False,
             access_log: str = "/dev/null", **env: str):
    """Serves `app:create_app()` with gunicorn (gthread) until the block ends. `as_deployed`
    keeps gunicorn.conf.py's worker settings, as the Procfile runs them."""
    port = free_port()
    workers_args = [] if as_deployed else ["--workers", str(workers), "--threads", str(threads),
                                           "--worker-class", "gthread"]
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "--bind", f"127.0.0.1:{port}",
         *workers_args, "--access-logfile", access_log, "app:create_app()"],
        cwd=ROOT, env=app_env(database_url, **env), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    server = Server(f"http://127.0.0.1:{port}", process)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if server.get("/healthz", timeout=2)[0] == 200:
                    break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not start: {process.communicate(timeout=5)[1][-3000:]}")
            time.sleep(0.1)
        yield server
    finally:
        process.terminate()
        try:
            server.errors = process.communicate(timeout=20)[1]
        except subprocess.TimeoutExpired:
            process.kill()
            server.errors = process.communicate()[1]


class Phone:
    """A WhatsApp number talking to a live server, with signed requests."""

    _sids = 0

    def __init__(self, server: Server, phone: str):
        self.server = server
        self.phone = phone

    @classmethod
    def new_sid(cls) -> str:
        cls._sids += 1
        return f"SM{os.getpid():08x}{cls._sids:024x}"

    def form(self, body: str, sid: str | None = None) -> dict:
        return inbound_form(self.phone, body, sid or self.new_sid())

    def post(self, form: dict, timeout: float = 30.0) -> tuple[int, list[str]]:
        signature = sign(self.server.url + "/whatsapp", form)
        status, body = self.server.post_form("/whatsapp", form, {"X-Twilio-Signature": signature}, timeout)
        if status != 200:
            return status, []
        return status, twiml_messages(body)

    def send(self, body: str, sid: str | None = None) -> str:
        status, messages = self.post(self.form(body, sid))
        assert status == 200, (status, body)
        return "\n".join(messages)
