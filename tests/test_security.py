"""Forgery, access and abuse: who may talk to the bot, to the API and to the owner's commands."""
from __future__ import annotations

import datetime as dt
import hmac

import pytest

from bot import texts
from storage import clock
from storage.demo import seed_demo
from storage.models import AuditLog, Block, Conversation, InboundMessage, Service, User
from tests.helpers import (
    ACCOUNT_SID,
    ADMIN_PHONE,
    API_TOKEN,
    AUTH_TOKEN,
    TWILIO_TO,
    WEBHOOK_URL,
    WhatsApp,
    conversation_of,
    freeze,
    local,
    sign,
    twiml_messages,
)

ANA = "+5511988887777"


@pytest.fixture
def shop(app, db):
    freeze(local(2026, 12, 7, 8, 0))
    seed_demo()
    return app


def state():
    return ([(c.user_id, c.state, c.data) for c in Conversation.select().order_by(Conversation.user)],
            User.select().count(), InboundMessage.select().count(), Block.select().count(),
            Service.select().count(), AuditLog.select().count())


def admin_form(body: str, sid: str = "SM" + "f" * 31 + "1") -> dict:
    return {"From": f"whatsapp:{ADMIN_PHONE}", "To": TWILIO_TO, "Body": body, "MessageSid": sid,
            "AccountSid": ACCOUNT_SID, "NumMedia": "0"}


@pytest.mark.parametrize("forge", ["unsigned", "garbage", "other token", "wrong url", "altered body",
                                   "added param", "other sid", "http instead of https"])
def test_forged_requests_claiming_the_admin_are_403_and_change_nothing(shop, client, forge):
    genuine = admin_form("bloquear 25/12")
    signature = sign(WEBHOOK_URL, genuine)
    form, headers = dict(genuine), {"X-Twilio-Signature": signature}
    if forge == "unsigned":
        headers = {}
    elif forge == "garbage":
        headers["X-Twilio-Signature"] = "AAAA" + signature[4:]
    elif forge == "other token":
        headers["X-Twilio-Signature"] = sign(WEBHOOK_URL, genuine, token="not-the-token")
    elif forge == "wrong url":
        headers["X-Twilio-Signature"] = sign("http://localhost/whatsapp/status", genuine)
    elif forge == "altered body":
        form["Body"] = "bloquear 26/12"
    elif forge == "added param":
        form["ButtonPayload"] = "servicos"
    elif forge == "other sid":
        form["MessageSid"] = "SM" + "f" * 31 + "2"
    elif forge == "http instead of https":
        headers["X-Twilio-Signature"] = sign("https://localhost/whatsapp", genuine)
    before = state()
    response = client.post("/whatsapp", data=form, headers=headers)
    assert response.status_code == 403
    assert b"Response" not in response.data  # no TwiML, no hint
    assert state() == before
    assert client.post("/whatsapp", data=genuine, headers={"X-Twilio-Signature": signature}).status_code == 200
    assert Block.select().count() == 1  # the genuine one did it


def test_status_callbacks_are_signed_too(shop, client):
    form = {"MessageSid": "SM" + "0" * 31 + "1", "MessageStatus": "read"}
    assert client.post("/whatsapp/status", data=form).status_code == 403
    good = sign(WEBHOOK_URL + "/status", form)
    assert client.post("/whatsapp/status", data=form, headers={"X-Twilio-Signature": good}).status_code == 204


@pytest.mark.parametrize("header", [None, "", "Bearer", "Bearer  ", "Bearer wrong", f"Bearer {API_TOKEN[:-1]}",
                                    f"Bearer {API_TOKEN}{API_TOKEN}", f"Basic {API_TOKEN}", API_TOKEN,
                                    f"Token {API_TOKEN}", f"Bearer {AUTH_TOKEN}"])
def test_the_api_refuses_missing_wrong_or_empty_tokens(shop, client, header):
    headers = {} if header is None else {"Authorization": header}
    for method, path in (("GET", "/users"), ("POST", "/users"), ("GET", "/appointments"), ("DELETE", "/appointments/1")):
        response = client.open(path, method=method, headers=headers, json={"name": "X", "phone": "+5511955554444"})
        assert response.status_code == 401, (method, path, header)
    assert User.select().where(User.phone == "+5511955554444").count() == 0


def test_the_token_comparison_is_constant_time(shop, client, monkeypatch):
    calls = []
    real = hmac.compare_digest

    def spy(a, b):
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr("api.routes.hmac.compare_digest", spy)
    assert client.get("/users", headers={"Authorization": "Bearer nope"}).status_code == 401
    assert client.get("/users", headers={"Authorization": f"Bearer {API_TOKEN}"}).status_code == 200
    assert [a for a, _ in calls] == [b"nope", API_TOKEN.encode()]


def test_html_pages_carry_security_headers(config):
    from app import create_app

    config["app_env"] = "development"
    client = create_app(config).test_client()
    with client.get("/dev/chat") as response:
        assert response.status_code == 200 and response.mimetype == "text/html"
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert client.get("/healthz").headers["X-Content-Type-Options"] == "nosniff"


def test_internal_errors_reveal_nothing(shop, client, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("secret internals: table users at /work/main")

    monkeypatch.setattr("bot.engine.route", broken)
    chat = WhatsApp(client, ANA)
    reply = chat.send("oi")
    assert reply == texts.GENERIC_ERROR
    monkeypatch.setattr("api.routes.User.select", broken)
    response = client.get("/users", headers={"Authorization": f"Bearer {API_TOKEN}"})
    assert response.status_code == 500 and response.get_json() == {"error": "Internal server error"}


# --- abuse -----------------------------------------------------------------------------------------------------

def test_a_flooding_number_is_told_once_then_ignored_until_the_minute_passes(shop, client, app):
    limit = app.config["SETTINGS"].rate_limit_per_minute
    User.create(name="Ana", phone=ANA)
    flooder = WhatsApp(client, ANA)
    replies = [flooder.send("oi") for _ in range(limit + 5)]
    assert all(r and r != texts.SLOW_DOWN for r in replies[:limit])
    assert replies[limit] == texts.SLOW_DOWN
    assert replies[limit + 1:] == [""] * 4
    assert flooder.last == []  # an empty <Response/>: nothing is sent back
    before = conversation_of(ANA).state
    flooder.send("1")  # ignored: no state change
    assert conversation_of(ANA).state == before
    # Another number is not slowed down at all.
    other = WhatsApp(client, "+5511977776666")
    assert texts.ASK_NAME in other.send("oi")
    # After the minute, the flooder is heard again.
    freeze(clock.now() + dt.timedelta(seconds=61))
    assert flooder.send("menu") == texts.menu("Ana")


def test_the_rate_limit_holds_across_processes_because_it_lives_in_the_database(shop, config, app):
    from app import create_app

    second_app = create_app(config)  # another "worker process" with its own app and pool
    limit = app.config["SETTINGS"].rate_limit_per_minute
    first, second = WhatsApp(app.test_client(), ANA), WhatsApp(second_app.test_client(), ANA)
    replies = [(first if i % 2 else second).send("oi") for i in range(limit + 2)]
    assert replies[limit] == texts.SLOW_DOWN and replies[limit + 1] == ""
    assert InboundMessage.select().join(User).where(User.phone == ANA).count() == limit + 2


def test_admins_are_not_rate_limited(shop, client, app):
    owner = WhatsApp(client, ADMIN_PHONE)
    for _ in range(app.config["SETTINGS"].rate_limit_per_minute + 3):
        assert owner.send("servicos").startswith("✂️")


def test_a_replayed_genuine_message_is_answered_from_the_record(shop, client):
    chat = WhatsApp(client, ANA)
    form = chat.form("oi", sid="SM" + "e" * 31 + "1")
    first = chat.post(form)
    again = chat.post(form)
    assert first.data == again.data and twiml_messages(first.data)
    assert InboundMessage.select().count() == 1
