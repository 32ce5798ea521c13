"""The web chat simulator at /dev/chat (development only: it is not registered otherwise)."""
from __future__ import annotations

import logging
import os

from flask import Blueprint, current_app, jsonify, request, send_from_directory

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
    return jsonify({"business": settings.business_name, "admin_phone": simulator.admin_phone(app),
                    "default_phone": "+5511988887777", "now": simulator.now_label(app)})


def _phone(payload: dict) -> str | None:
    if payload.get("admin"):
        return simulator.admin_phone(current_app._get_current_object())
    return phones.normalize(str(payload.get("phone", "")))


@bp.post("/chat/send")
def chat_send():
    payload = request.get_json(silent=True) or {}
    phone = _phone(payload)
    text = payload.get("text")
    if phone is None or not isinstance(text, str):
        return jsonify({"error": "Informe um telefone válido e um texto."}), 400
    replies = simulator.send(current_app._get_current_object(), phone, text[:5000],
                             profile_name=payload.get("profile_name") or None)
    return jsonify({"phone": phone, "replies": replies})


@bp.get("/chat/outbox")
def chat_outbox():
    phone = phones.normalize(request.args.get("phone", "")) if not request.args.get("admin") else \
        simulator.admin_phone(current_app._get_current_object())
    after = request.args.get("after", "0")
    if phone is None or not after.isdigit():
        return jsonify({"error": "phone and after are required"}), 400
    messages = simulator.delivered(current_app._get_current_object(), phone, int(after))
    return jsonify({"messages": [m.__dict__ for m in messages]})


@bp.post("/chat/clock")
def chat_clock():
    payload = request.get_json(silent=True) or {}
    try:
        delta = parse_duration(str(payload.get("advance", "")), "advance")
    except ConfigError:
        return jsonify({"error": "Use algo como 1d, 2h ou 30m."}), 400
    now = simulator.advance(current_app._get_current_object(), _dispatcher(), delta)
    return jsonify({"now": now})


@bp.post("/chat/pass")
def chat_pass():
    """Runs one scheduler pass now, so queued messages show up without waiting."""
    summary = run_pass(current_app._get_current_object(), _dispatcher())
    return jsonify({"pass": summary.line() if summary else None})
