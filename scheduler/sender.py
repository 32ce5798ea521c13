"""Sending a WhatsApp message: one small interface, three implementations.

- TwilioSender: the real `twilio` client (base URL from TWILIO_API_URL, for tests and proxies);
- ConsoleSender: development, prints the message and calls it sent;
- MemorySender: tests, keeps what was sent.

Only the outbox dispatcher sends; the webhook never calls Twilio's REST API.
"""
from __future__ import annotations

import itertools
import json
import logging
import sys
import threading
import uuid
from dataclasses import dataclass, field
from typing import Any, Protocol

import requests
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client
from twilio.rest.content.v1.content import ContentList

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outgoing:
    """A message to one number: free text, or an approved template with its variables."""

    to: str  # E.164
    body: str | None = None
    content_sid: str | None = None
    content_variables: dict[str, str] | None = None


class SendError(Exception):
    """Sending failed. `retryable` for throttling (429), server errors and network trouble;
    otherwise permanent, with Twilio's error code when it gave one."""

    def __init__(self, message: str, *, retryable: bool, code: int | None = None, status: int | None = None):
        super().__init__(message)
        self.retryable = retryable
        self.code = code
        self.status = status


class Sender(Protocol):
    def send(self, message: Outgoing) -> str:
        """Sends; returns the provider's message id, or raises SendError."""

    def create_content(self, name: str, types: dict) -> str:
        """Creates a content template (Content API); returns its SID, or raises SendError."""


class TwilioSender:
    """Twilio's Messages API through the official client (one client per thread)."""

    TIMEOUT = 10

    def __init__(self, settings):
        self.settings = settings
        self.status_callback = (settings.public_url.rstrip("/") + "/whatsapp/status"
                                if settings.public_url else None)
        self._local = threading.local()

    @property
    def client(self):
        client = getattr(self._local, "client", None)
        if client is None:
            client = Client(self.settings.twilio_account_sid, self.settings.twilio_auth_token,
                            http_client=TwilioHttpClient(timeout=self.TIMEOUT))
            if self.settings.twilio_api_url:
                client.api.base_url = self.settings.twilio_api_url.rstrip("/")
            if self.settings.twilio_content_api_url:
                client.content.base_url = self.settings.twilio_content_api_url.rstrip("/")
            self._local.client = client
        return client

    def send(self, message: Outgoing) -> str:
        kwargs: dict[str, Any] = {"to": f"whatsapp:{message.to}", "from_": self.settings.twilio_whatsapp_from}
        if self.status_callback:
            kwargs["status_callback"] = self.status_callback
        if message.content_sid:
            kwargs["content_sid"] = message.content_sid
            kwargs["content_variables"] = json.dumps(message.content_variables or {}, ensure_ascii=False)
        else:
            kwargs["body"] = message.body
        return self._call(lambda: self.client.messages.create(**kwargs).sid)

    def create_content(self, name: str, types: dict) -> str:
        request = ContentList.ContentCreateRequest({"friendly_name": name, "language": "pt_BR", "types": types})
        return self._call(lambda: self.client.content.v1.contents.create(request).sid)

    @staticmethod
    def _call(request):
        """Runs one Twilio API request; its failures as SendError (retryable or not)."""
        try:
            return request()
        except TwilioRestException as exc:
            retryable = exc.status == 429 or exc.code == 20429 or exc.status >= 500
            raise SendError(f"Twilio answered {exc.status}", retryable=retryable, code=exc.code,
                            status=exc.status) from None
        except (requests.RequestException, TwilioException) as exc:
            raise SendError(f"network error: {type(exc).__name__}", retryable=True) from None


class ConsoleSender:
    """Development: prints each message instead of sending it."""

    def send(self, message: Outgoing) -> str:
        sid = f"SM{uuid.uuid4().hex}"  # shaped like Twilio's
        if message.content_sid:
            text = f"[template {message.content_sid}] {json.dumps(message.content_variables, ensure_ascii=False)}"
        else:
            text = message.body or ""
        print(f"\n--- WhatsApp to {message.to} ---\n{text}\n---", file=sys.stderr, flush=True)
        logger.info("console sender: message to %s marked sent", message.to)
        return sid

    def create_content(self, name: str, types: dict) -> str:
        return f"HXconsole{name}"


@dataclass
class MemorySender:
    """Tests: remembers what was sent; `fail_with` makes the next sends raise."""

    sent: list[Outgoing] = field(default_factory=list)
    contents: dict[str, dict] = field(default_factory=dict)
    fail_with: list[SendError] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _ids: Any = field(default_factory=lambda: itertools.count(1))

    def send(self, message: Outgoing) -> str:
        with self._lock:
            if self.fail_with:
                raise self.fail_with.pop(0)
            self.sent.append(message)
            return f"SM{next(self._ids):032x}"  # shaped like Twilio's

    def create_content(self, name: str, types: dict) -> str:
        with self._lock:
            self.contents[name] = types
            return f"HXmemory{name}"


def make_sender(settings) -> Sender:
    """The sender SENDER names (auto: Twilio when configured, else the console)."""
    kind = settings.sender_kind
    if kind == "twilio":
        return TwilioSender(settings)
    if kind == "memory":
        return MemorySender()
    return ConsoleSender()
