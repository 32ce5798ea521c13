"""The web chat simulator at /dev/chat (development only: it is not registered otherwise).

Voice notes are hosted here, as Twilio hosts media: the page uploads the recording (or a file),
the server keeps it in memory under a random token and sends the webhook a `MediaUrl0` on this
server's own loopback address, which the bot downloads like any Twilio media.
"""
from __future__ import annotations

import collections
import logging
import mimetypes
import os
import secrets
import threading

from flask import Blueprint, Response, current_app, jsonify, request, send_from_directory

from bot import texts
from config import ConfigError, parse_duration
from dev import simulator
from scheduler.worker import build_dispatcher, run_pass
from storage import phones

logger = logging.getLogger(__name__)

STATIC = os.path.join(os.path.dirname(__file__), "static")

bp = Blueprint("dev", __name__, url_prefix="/dev")

MAX_AUDIO = 4 * 1024 * 1024  # above the bot's own cap (scheduler/voice.py), so the bot says "too long"
KEPT_AUDIO = 20  # voice notes kept for download (the bot fetches each once, right away)
_MAX_TAP_FIELD = 200


def _dispatcher():
    app = current_app._get_current_object()
    return app.extensions.setdefault("dev_dispatcher", build_dispatcher(app))


@bp.get("/chat")
def chat_page():
    return send_from_directory(STATIC, "chat.html")


@bp.get("/static/<path:name>")
def static_file(name: str):
    return send_from_directory(STATIC, name)


@bp.get("/chat/config")
def chat_config():
    app = current_app._get_current_object()
    settings = app.config["SETTINGS"]
    admin = simulator.admin(app)
    people = [{"key": f"pro:{number}", "name": name, "phone": phone}
              for number, name, phone in simulator.professionals(app)]
    return jsonify({"business": settings.business_name, "admin_phone": admin.phone or admin.whatsapp_id,
                    "default_phone": "+5511988887777", "now": simulator.now_label(app),
                    "professionals": people, "labels": texts.SIMULATOR_LABELS, "interactive": settings.interactive})


def _speaker(values) -> simulator.Speaker | None:
    """Who speaks: the owner, or a phone and/or a WhatsApp user id (a customer with a username
    sends only the id; one who has both sends both)."""
    if values.get("admin"):
        return simulator.admin(current_app._get_current_object())
    raw_phone, raw_id = str(values.get("phone") or ""), str(values.get("whatsapp_id") or "")
    phone, whatsapp_id = phones.normalize(raw_phone), phones.whatsapp_id(raw_id)
    if (raw_phone and phone is None) or (raw_id and whatsapp_id is None) or not (phone or whatsapp_id):
        return None
    return simulator.Speaker(phone=phone, whatsapp_id=whatsapp_id)


def _tap(value) -> simulator.Tap | None:
    """A tap the page sends: {"kind": "list"|"buttons", "id", "title", "message": outbox id}."""
    if not isinstance(value, dict) or value.get("kind") not in ("list", "buttons"):
        return None
    option, title, message = value.get("id"), value.get("title"), value.get("message")
    if not (isinstance(option, str) and isinstance(title, str) and option.strip() and title.strip()):
        return None
    if len(option) > _MAX_TAP_FIELD or len(title) > _MAX_TAP_FIELD:
        return None
    if message is not None and (not isinstance(message, int) or isinstance(message, bool)):
        return None
    return simulator.Tap(value["kind"], option, title, message)


def _answer(speaker: simulator.Speaker, replies: list[simulator.Message], **extra):
    app = current_app._get_current_object()
    note = None if replies else simulator.silence(app, speaker)
    return jsonify({"phone": speaker.phone, "whatsapp_id": speaker.whatsapp_id,
                    "replies": [reply.text for reply in replies],
                    "messages": [reply.as_json() for reply in replies], "note": note, **extra})


@bp.post("/chat/send")
def chat_send():
    payload = request.get_json(silent=True) or {}
    speaker = _speaker(payload)
    text = payload.get("text")
    if speaker is None or not isinstance(text, str):
        return jsonify({"error": texts.SIMULATOR_BAD_SENDER}), 400
    tap = _tap(payload["tap"]) if payload.get("tap") is not None else None
    if payload.get("tap") is not None and tap is None:
        return jsonify({"error": texts.SIMULATOR_BAD_TAP}), 400
    reply_to = payload.get("reply_to")
    if reply_to is not None and (not isinstance(reply_to, int) or isinstance(reply_to, bool)):
        return jsonify({"error": texts.SIMULATOR_BAD_TAP}), 400
    replies = simulator.send(current_app._get_current_object(), speaker, text[:5000],
                             profile_name=payload.get("profile_name") or None, tap=tap, reply_to=reply_to)
    return _answer(speaker, replies)


def _media_store() -> tuple[threading.Lock, collections.OrderedDict]:
    app = current_app._get_current_object()
    return app.extensions.setdefault("dev_media", (threading.Lock(), collections.OrderedDict()))


def _loopback_base() -> str:
    """This server's own address, as the bot's download reaches it (not the browser's host name,
    which may be a tunnel)."""
    host = request.environ.get("SERVER_NAME") or "127.0.0.1"
    if host in ("0.0.0.0", "::", ""):
        host = "127.0.0.1"
    port = request.environ.get("SERVER_PORT") or "80"
    return f"http://{f'[{host}]' if ':' in host else host}:{port}"


@bp.post("/chat/voice")
def chat_voice():
    """A voice note (recorded by the page, or an audio file) sent as Twilio sends media."""
    if request.content_length is not None and request.content_length > MAX_AUDIO + 64 * 1024:
        return jsonify({"error": texts.SIMULATOR_BAD_AUDIO}), 413
    speaker = _speaker(request.form)
    upload = request.files.get("file")
    if speaker is None:
        return jsonify({"error": texts.SIMULATOR_BAD_SENDER}), 400
    if upload is None:
        return jsonify({"error": texts.SIMULATOR_BAD_AUDIO}), 400
    data = upload.read(MAX_AUDIO + 1)
    if not data or len(data) > MAX_AUDIO:
        return jsonify({"error": texts.SIMULATOR_BAD_AUDIO}), 400
    # The browser says "audio/webm;codecs=opus"; Twilio gives the bare type.
    content_type = (upload.mimetype or mimetypes.guess_type(upload.filename or "")[0]
                    or "application/octet-stream").split(";")[0].strip().lower()
    token = secrets.token_urlsafe(16)
    lock, store = _media_store()
    with lock:
        store[token] = (data, content_type)
        while len(store) > KEPT_AUDIO:
            store.popitem(last=False)
    media = simulator.Media(f"{_loopback_base()}/dev/chat/media/{token}", content_type)
    replies = simulator.send(current_app._get_current_object(), speaker, "",
                             profile_name=request.form.get("profile_name") or None, media=media)
    return _answer(speaker, replies, media=f"/dev/chat/media/{token}")


@bp.get("/chat/media/<token>")
def chat_media(token: str):
    """A hosted voice note, for the bot to download (and the page to play back)."""
    lock, store = _media_store()
    with lock:
        found = store.get(token)
    if found is None:
        return Response("Not Found", status=404, mimetype="text/plain")
    data, content_type = found
    return Response(data, status=200, mimetype=content_type)


@bp.get("/chat/outbox")
def chat_outbox():
    speaker = _speaker(request.args)
    after = request.args.get("after", "0")
    if speaker is None or not after.isdigit():
        return jsonify({"error": "phone (or whatsapp_id) and after are required"}), 400
    messages = simulator.delivered(current_app._get_current_object(), speaker, int(after))
    return jsonify({"messages": [m.as_json() for m in messages]})


@bp.post("/chat/clock")
def chat_clock():
    payload = request.get_json(silent=True) or {}
    try:
        delta = parse_duration(str(payload.get("advance", "")), "advance")
    except ConfigError:
        return jsonify({"error": texts.SIMULATOR_BAD_CLOCK}), 400
    now = simulator.advance(current_app._get_current_object(), _dispatcher(), delta)
    return jsonify({"now": now})


@bp.post("/chat/pass")
def chat_pass():
    """Runs one scheduler pass now, so queued messages show up without waiting."""
    summary = run_pass(current_app._get_current_object(), _dispatcher())
    return jsonify({"pass": summary.line() if summary else None})
