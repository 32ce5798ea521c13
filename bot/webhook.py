"""POST /whatsapp and /whatsapp/status: check the signature, parse, hand off, answer with TwiML.

No booking logic lives here, and no call to Twilio's REST API is made inside a request.
"""
from __future__ import annotations

import functools
import ipaddress
import logging
import time
import uuid

import peewee
from flask import Blueprint, Response, current_app, request
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

import metrics
from bot import engine, texts
from bot.inbound import refusal
from bot.turn import Inbound
from storage import clock, phones
from storage.db import is_unavailable
from storage.models import OutboundMessage, OutboxStatus

logger = logging.getLogger(__name__)

bp = Blueprint("whatsapp", __name__)


def signed_url() -> str:
    """The URL Twilio signed: PUBLIC_URL (behind a TLS proxy) plus the path and query."""
    public = current_app.config["SETTINGS"].public_url
    if public:
        query = request.query_string.decode()
        return public.rstrip("/") + request.path + (f"?{query}" if query else "")
    return request.url


def _loopback() -> bool:
    try:
        address = ipaddress.ip_address(request.remote_addr or "")
    except ValueError:
        return False
    # A tunnel or proxy on this machine also connects from loopback; it says so in these headers.
    forwarded = request.headers.get("X-Forwarded-For") or request.headers.get("Forwarded")
    return address.is_loopback and not forwarded


@functools.cache
def _warn_unsigned() -> None:
    logger.warning("TWILIO_AUTH_TOKEN is unset: accepting unsigned webhooks from loopback only")


def verified() -> bool:
    """True when the request really comes from Twilio (or, in development with no token, from
    this machine)."""
    settings = current_app.config["SETTINGS"]
    token = settings.twilio_auth_token
    if not token:
        if settings.development and _loopback():
            _warn_unsigned()
            return True
        return False
    signature = request.headers.get("X-Twilio-Signature", "")
    if not signature:
        return False
    return RequestValidator(token).validate(signed_url(), request.form, signature)


def twiml(text: str) -> Response:
    """The reply as TwiML: one <Message> per chunk of at most 1600 characters."""
    return Response(render_twiml(text), status=200, mimetype="application/xml")


@functools.lru_cache(maxsize=4096)
def render_twiml(text: str) -> str:
    """The TwiML document for a reply. Menus and hints repeat all day, so renderings are kept."""
    response = MessagingResponse()
    for chunk in engine.split_message(text) if text else ():  # no text: an empty <Response/>, no message
        response.message(chunk)
    return str(response)


@bp.post("/whatsapp")
def inbound():
    refused = refusal("message")
    if refused is not None:
        return refused
    if not verified():
        logger.warning("rejected an unsigned or badly signed webhook")
        return Response("Forbidden", status=403, mimetype="text/plain")
    sender = request.form.get("From")
    if not sender:
        return Response("Bad Request: From is required", status=400, mimetype="text/plain")
    # From is the phone, or the WhatsApp user id of someone whose number WhatsApp hides;
    # ExternalUserId, when Twilio sends it, is that user id.
    phone, whatsapp_id = phones.from_whatsapp(sender), phones.whatsapp_id(sender)
    external = request.form.get("ExternalUserId")
    if external:
        if phones.whatsapp_id(external) is None or (whatsapp_id and external.removeprefix("whatsapp:") != whatsapp_id):
            return Response("Bad Request: ExternalUserId is not a WhatsApp user id", status=400, mimetype="text/plain")
        whatsapp_id = phones.whatsapp_id(external)
    if phone is None and whatsapp_id is None:
        return Response("Bad Request: From is not a WhatsApp address", status=400, mimetype="text/plain")
    form = request.form
    media = int(form.get("NumMedia", "0")) if form.get("NumMedia", "0").isdecimal() else 0
    audio = media > 0 and form.get("MediaContentType0", "").startswith("audio/") and form.get("MediaUrl0")
    # Every message is recorded (it is the person's activity too), even one without a MessageSid.
    message = Inbound(phone=phone, whatsapp_id=whatsapp_id, text=form.get("Body", ""),
                      sid=form.get("MessageSid") or f"local-{uuid.uuid4().hex}",
                      profile_name=form.get("ProfileName") or None, has_media=media > 0,
                      media_url=form["MediaUrl0"] if audio else None,
                      media_type=form["MediaContentType0"] if audio else None,
                      tap=(form.get("ButtonPayload") or form.get("ListId") or "").strip() or None,
                      tap_title=(form.get("ButtonText") or form.get("ListTitle") or "").strip() or None,
                      replied_to=form.get("OriginalRepliedMessageSid") or None)
    settings = current_app.config["SETTINGS"]
    started = time.perf_counter()
    try:
        outcome = engine.handle(message, settings)
    except engine.SidReused:
        logger.warning("a MessageSid already answered for another person; nothing done")
        return twiml("")
    except peewee.PeeweeException as exc:
        if is_unavailable(exc):
            logger.warning("database unavailable while answering a message: %s", type(exc).__name__)
            return twiml(texts.UNAVAILABLE)
        logger.error("database error while answering a message", exc_info=exc)
        return twiml(texts.GENERIC_ERROR)
    except Exception as exc:  # a bug must still get the person a kind answer
        logger.error("error while answering a message", exc_info=exc)
        return twiml(texts.GENERIC_ERROR)
    finally:
        metrics.TURN_SECONDS.observe(time.perf_counter() - started)
    if outcome.deliver is not None:
        current_app.extensions["handoff"].replies(outcome.deliver)
    if outcome.transcribe is not None:
        current_app.extensions["handoff"].voice(outcome.transcribe)
    return twiml(outcome.twiml)


# Twilio's delivery statuses, and the outbox statuses each may move a row from. A callback that
# arrives late (delivered after read, sent after delivered) finds nothing to move.
_STATUS_MOVES = {
    "sent": (OutboxStatus.SENT, (OutboxStatus.SENDING,)),
    "delivered": (OutboxStatus.DELIVERED, (OutboxStatus.SENDING, OutboxStatus.SENT)),
    "read": (OutboxStatus.READ, (OutboxStatus.SENDING, OutboxStatus.SENT, OutboxStatus.DELIVERED)),
    "failed": (OutboxStatus.FAILED, (OutboxStatus.SENDING, OutboxStatus.SENT)),
    "undelivered": (OutboxStatus.FAILED, (OutboxStatus.SENDING, OutboxStatus.SENT)),
}


@bp.post("/whatsapp/status")
def status_callback():
    """Moves an outbox row forward by Twilio's delivery status; never backwards."""
    refused = refusal("status")
    if refused is not None:
        return refused
    if not verified():
        logger.warning("rejected an unsigned or badly signed status callback")
        return Response("Forbidden", status=403, mimetype="text/plain")
    sid = request.form.get("MessageSid", "")
    move = _STATUS_MOVES.get(request.form.get("MessageStatus", "").lower())
    if not sid or move is None:
        return Response(status=204)
    status, movable = move
    changes = {"status": status, "updated_at": clock.now()}
    code = request.form.get("ErrorCode", "")  # ASCII digits, checked by bot.inbound
    if code and status == OutboxStatus.FAILED:
        changes["error_code"] = int(code)
    try:
        (OutboundMessage.update(**changes)
         .where((OutboundMessage.twilio_sid == sid) & OutboundMessage.status.in_([m.value for m in movable]))
         .execute())
    except peewee.PeeweeException as exc:
        if not is_unavailable(exc):
            raise
        logger.warning("status callback not recorded: database unavailable")
        return Response(status=503)  # Twilio retries callbacks that fail
    return Response(status=204)
