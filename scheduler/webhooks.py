"""Delivering outbound webhook events (storage/events.py wrote them to the outbox): one HTTP POST
of the event's JSON per outbox row, signed like Stripe's and Svix's webhooks, from the worker only.

    X-Agendador-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(WEBHOOK_SECRET, "<t>.<body>")>

The body is the same bytes on every attempt, and carries the event id (receivers deduplicate on
it). Any 2xx is delivered; anything else (another status, a refused connection, a timeout of
WEBHOOK_TIMEOUT seconds) is retried by the outbox with its exponential backoff, up to
WEBHOOK_MAX_ATTEMPTS, then marked failed. README.md ("Outbound webhooks") has the receiver's side.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import logging

import requests

from scheduler.sender import Outgoing, SendError
from storage import clock
from storage.models import OutboundMessage

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Agendador-Signature"
USER_AGENT = "Agendador-Webhooks/1"


def body_of(row: OutboundMessage) -> str:
    """The event's JSON, byte for byte the same on every attempt."""
    return json.dumps(row.params["event"], ensure_ascii=False, separators=(",", ":"))


def outgoing(row: OutboundMessage) -> Outgoing:
    return Outgoing(row.params["url"], body=body_of(row))


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The header value: t=<timestamp>,v1=<hex HMAC-SHA256 of "<timestamp>.<body>">."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


class WebhookSender:
    """POSTs one event to one receiver; raises SendError (always retryable) unless it answers 2xx."""

    def __init__(self, secret: str | None, timeout: float):
        self.secret = secret
        self.timeout = timeout

    def send(self, message: Outgoing) -> None:
        body = (message.body or "").encode()
        event = json.loads(body)
        headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT,
                   "X-Agendador-Event-Id": event["id"], "X-Agendador-Event-Type": event["type"]}
        if self.secret:
            headers[SIGNATURE_HEADER] = signature(self.secret, int(clock.now().timestamp()), body)
        try:
            response = requests.post(message.to, data=body, headers=headers, timeout=self.timeout,
                                     allow_redirects=False)
        except requests.RequestException as exc:
            # Never the URL: it may carry credentials.
            raise SendError(f"webhook receiver unreachable: {type(exc).__name__}", retryable=True) from None
        if not 200 <= response.status_code < 300:
            # The outbox row keeps the HTTP status in error_code (a Twilio error code for messages).
            raise SendError(f"webhook receiver answered {response.status_code}", retryable=True,
                            code=response.status_code, status=response.status_code)
        return None
