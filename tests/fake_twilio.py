"""A fake Twilio REST API on loopback: it answers `POST /2010-04-01/Accounts/<sid>/Messages.json`
the way Twilio does, so the real `twilio` client can talk to it through TWILIO_API_URL; the
Content API's `POST /v1/Content` (TWILIO_CONTENT_API_URL); and it serves media files (voice
notes) at `/2010-04-01/Accounts/<sid>/Messages/<MM...>/Media/<ME...>` with the account's
credentials, like Twilio's MediaUrl.

Run alone (for benchmarks and manual tries): `python -m tests.fake_twilio --port 8089`.
"""
from __future__ import annotations

import argparse
import base64
import itertools
import json
import re
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

_MESSAGES = re.compile(r"^/2010-04-01/Accounts/(?P<account>AC[0-9a-zA-Z]+)/Messages\.json$")
_MEDIA = re.compile(r"^/2010-04-01/Accounts/(?P<account>AC[0-9a-zA-Z]+)/Messages/\w+/Media/(?P<media>\w+)$")


@dataclass
class Received:
    """One accepted message, as the fake saw it."""

    sid: str
    form: dict[str, str]
    at: float

    @property
    def to(self) -> str:
        return self.form.get("To", "")


@dataclass
class FakeTwilio:
    """The server's state: what arrived, and the answers scripted for the next requests."""

    account_sid: str
    auth_token: str
    messages: list[Received] = field(default_factory=list)
    attempts: int = 0
    script: list[tuple[int, dict]] = field(default_factory=list)  # (status, body) for the next requests
    delay: float = 0.0  # seconds before each answer
    in_flight: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))
    server: ThreadingHTTPServer | None = None
    contents: list[dict] = field(default_factory=list)  # what POST /v1/Content created
    media: dict[str, tuple[bytes, str]] = field(default_factory=dict)  # media id -> (bytes, content type)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def fail_next(self, status: int, code: int, message: str = "error") -> None:
        self.script.append((status, {"code": code, "message": message, "more_info": f"https://www.twilio.com/docs/errors/{code}",
                                     "status": status}))

    def bodies_to(self, phone: str) -> list[str]:
        return [m.form.get("Body", "") for m in self.messages if m.to == f"whatsapp:{phone}"]

    def to(self, address: str) -> list[Received]:
        """The messages accepted for a phone or WhatsApp user id, in the order they arrived."""
        with self.lock:
            return [m for m in self.messages if m.to == f"whatsapp:{address}"]

    def add_media(self, data: bytes, content_type: str) -> str:
        """Serves a file as Twilio serves a message's media; returns its URL."""
        media_id = f"ME{len(self.media) + 1:032x}"
        self.media[media_id] = (data, content_type)
        return f"{self.url}/2010-04-01/Accounts/{self.account_sid}/Messages/MM{0:032x}/Media/{media_id}"

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()


def _handler(state: FakeTwilio):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body go out as separate writes; with Nagle's algorithm on, each answer
        # would wait ~40 ms for the client's delayed ACK, which is not how Twilio behaves.
        disable_nagle_algorithm = True

        def log_message(self, *args):  # quiet
            pass

        def _answer(self, status: int, body: dict) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _authorized(self, account: str) -> bool:
            header = self.headers.get("Authorization", "")
            if not header.startswith("Basic "):
                return False
            user, _, password = base64.b64decode(header[6:]).decode().partition(":")
            return user == state.account_sid == account and password == state.auth_token

        def do_POST(self):  # noqa: N802 - http.server's naming
            length = int(self.headers.get("Content-Length", "0"))
            raw = self.rfile.read(length).decode()
            if self.path.split("?")[0] == "/v1/Content":
                return self._content(raw)
            match = _MESSAGES.match(self.path.split("?")[0])
            if not match:
                return self._answer(404, {"code": 20404, "message": "not found", "status": 404})
            if not self._authorized(match["account"]):
                return self._answer(401, {"code": 20003, "message": "Authenticate", "status": 401})
            form = {k: v[-1] for k, v in parse_qs(raw, keep_blank_values=True).items()}
            with state.lock:
                state.attempts += 1
                state.in_flight += 1
                scripted = state.script.pop(0) if state.script else None
            try:
                if state.delay:
                    time.sleep(state.delay)
                    if self._client_gone():  # it died before its request was complete: not accepted
                        return None
                if scripted is not None:
                    return self._answer(*scripted)
                if "To" not in form or ("Body" not in form and "ContentSid" not in form):
                    return self._answer(400, {"code": 21604, "message": "A 'To' and a 'Body' or 'ContentSid' are required",
                                              "status": 400})
                with state.lock:
                    sid = f"SM{next(state._ids):032x}"
                    state.messages.append(Received(sid, form, time.time()))
                self._answer(201, {"sid": sid, "account_sid": state.account_sid, "to": form["To"],
                                   "from": form.get("From"), "body": form.get("Body", ""), "status": "queued",
                                   "num_segments": "1", "direction": "outbound-api",
                                   "api_version": "2010-04-01", "price": None, "error_code": None,
                                   "uri": f"/2010-04-01/Accounts/{state.account_sid}/Messages/{sid}.json"})
            finally:
                with state.lock:
                    state.in_flight -= 1

        def _client_gone(self) -> bool:
            try:
                return self.connection.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) == b""
            except BlockingIOError:
                return False
            except OSError:
                return True

        def _content(self, raw: str) -> None:
            if not self._authorized(state.account_sid):
                return self._answer(401, {"code": 20003, "message": "Authenticate", "status": 401})
            body = json.loads(raw)
            if not body.get("friendly_name") or not body.get("types"):
                return self._answer(400, {"code": 20001, "message": "friendly_name and types are required",
                                          "status": 400})
            with state.lock:
                sid = f"HX{len(state.contents) + 1:032x}"
                state.contents.append({"sid": sid, **body})
            self._answer(201, {"sid": sid, "account_sid": state.account_sid, "friendly_name": body["friendly_name"],
                               "language": body.get("language"), "variables": body.get("variables") or {},
                               "types": body["types"], "url": f"{state.url}/v1/Content/{sid}"})

        def do_GET(self):  # noqa: N802 - a small window into the fake, for benchmarks
            media = _MEDIA.match(self.path.split("?")[0])
            if media:
                if not self._authorized(media["account"]):
                    return self._answer(401, {"code": 20003, "message": "Authenticate", "status": 401})
                if media["media"] not in state.media:
                    return self._answer(404, {"code": 20404, "status": 404})
                data, content_type = state.media[media["media"]]
                self.send_response(200)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                return None
            if self.path == "/_fake/stats":
                with state.lock:
                    return self._answer(200, {"messages": len(state.messages), "attempts": state.attempts,
                                              "in_flight": state.in_flight,
                                              "times": [m.at for m in state.messages],
                                              "to": [m.to for m in state.messages]})
            return self._answer(404, {"code": 20404, "status": 404})

    return Handler


class _Server(ThreadingHTTPServer):
    request_queue_size = 256  # several workers' sender threads connect at once, as with Twilio
    daemon_threads = True


def start(account_sid: str, auth_token: str, port: int = 0) -> FakeTwilio:
    """Starts a fake on 127.0.0.1 (port 0: any free port) in a background thread."""
    state = FakeTwilio(account_sid, auth_token)
    server = _Server(("127.0.0.1", port), _handler(state))
    state.server = server
    threading.Thread(target=server.serve_forever, name="fake-twilio", daemon=True).start()
    return state


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=8089)
    parser.add_argument("--account-sid", default="AC" + "0" * 32)
    parser.add_argument("--auth-token", default="fake-auth-token")
    args = parser.parse_args()
    fake = start(args.account_sid, args.auth_token, args.port)
    print(f"fake Twilio on {fake.url}", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        fake.stop()


if __name__ == "__main__":
    main()
