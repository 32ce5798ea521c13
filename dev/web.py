"""The web chat simulator at /dev/chat (development only: it is not registered otherwise)."""
from __future__ import annotations

import logging
import os

from flask import Blueprint, current_app, jsonify, request, send_from_directory

from bot import texts
from config import ConfigError, parse_duration
from dev import simulator
from scheduler.worker import build_dispatcher, run_pass
from storage import phones

logger = logging.getLogger(__name__)

STATIC = os.path.join(os.path.dirname(__file__), "static")

bp = Blueprint("dev", __name__, url_prefix="/dev")


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
    return jsonify({"business": settings.business_name, "admin_phone": admin.phone or admin.whatsapp_id,
                    "default_phone": "+5511988887777", "now": simulator.now_label(app)})


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


@bp.post("/chat/send")
def chat_send():
    payload = request.get_json(silent=True) or {}
    speaker = _speaker(payload)
    text = payload.get("text")
    if speaker is None or not isinstance(text, str):
        return jsonify({"error": texts.SIMULATOR_BAD_SENDER}), 400
    replies = simulator.send(current_app._get_current_object(), speaker, text[:5000],
                             profile_name=payload.get("profile_name") or None)
    note = None if replies else simulator.silence(current_app._get_current_object(), speaker)
    return jsonify({"phone": speaker.phone, "whatsapp_id": speaker.whatsapp_id, "replies": replies, "note": note})


@bp.get("/chat/outbox")
def chat_outbox():
    speaker = _speaker(request.args)
    after = request.args.get("after", "0")
    if speaker is None or not after.isdigit():
        return jsonify({"error": "phone (or whatsapp_id) and after are required"}), 400
    messages = simulator.delivered(current_app._get_current_object(), speaker, int(after))
    return jsonify({"messages": [m.__dict__ for m in messages]})


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
