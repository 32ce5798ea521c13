"""A fake speech-to-text service on loopback, speaking the OpenAI-compatible
`POST /v1/audio/transcriptions` (multipart `file` and `model`; answer `{"text": ...}`) that hosted
providers and self-hosted Whisper servers offer. It "hears" the texts the test registered for an
audio file's bytes."""
from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PATH = "/v1/audio/transcriptions"


@dataclass
class FakeSpeechToText:
    api_key: str
    transcripts: dict[str, str] = field(default_factory=dict)  # sha256 of the audio -> its text
    requests: list[dict] = field(default_factory=list)  # what arrived: model, file name, size
    down: bool = False  # answer 503 to everything
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}{PATH}"

    def says(self, audio: bytes, text: str) -> None:
        """What the service hears in these bytes."""
        self.transcripts[hashlib.sha256(audio).hexdigest()] = text

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _parts(content_type: str, body: bytes) -> dict[str, tuple[str | None, bytes]]:
    """The fields of a multipart/form-data body: name -> (file name, bytes)."""
    message = BytesParser(policy=HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + body)
    fields = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        fields[name] = (part.get_filename(), part.get_payload(decode=True))
    return fields


def _handler(state: FakeSpeechToText):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def _answer(self, status: int, body: dict) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self):  # noqa: N802 - http.server's naming
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            if self.path != PATH:
                return self._answer(404, {"error": {"message": "not found"}})
            if state.down:
                return self._answer(503, {"error": {"message": "overloaded"}})
            if self.headers.get("Authorization") != f"Bearer {state.api_key}":
                return self._answer(401, {"error": {"message": "invalid api key"}})
            fields = _parts(self.headers.get("Content-Type", ""), body)
            if "file" not in fields or "model" not in fields:
                return self._answer(400, {"error": {"message": "file and model are required"}})
            name, audio = fields["file"]
            state.requests.append({"model": fields["model"][1].decode(), "file": name, "size": len(audio)})
            return self._answer(200, {"text": state.transcripts.get(hashlib.sha256(audio).hexdigest(), "")})

    return Handler


def start(api_key: str) -> FakeSpeechToText:
    state = FakeSpeechToText(api_key)
    state.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    state.server.daemon_threads = True
    threading.Thread(target=state.server.serve_forever, name="fake-stt", daemon=True).start()
    return state
