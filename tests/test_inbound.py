"""What reaches the webhooks before the signature is checked: sizes, field counts, repeated and
re-split fields, and the shape of every field the bot uses (bot/inbound.py)."""
from __future__ import annotations

import urllib.parse

import pytest
from twilio.request_validator import RequestValidator

from bot import inbound, texts
from storage.demo import seed_demo
from storage.models import AuditLog, Conversation, InboundMessage, OutboundMessage, User
from tests.helpers import (
    ACCOUNT_SID,
    ADMIN_PHONE,
    AUTH_TOKEN,
    TWILIO_TO,
    WEBHOOK_URL,
    WhatsApp,
    freeze,
    local,
    sign,
    twiml_messages,
)

ANA = "+5511988887777"
ANA_ID = "BR.ANA0000000000000001"
OWNER_ID = "BR.OWNER00000000000001"


@pytest.fixture
def shop(app, db):
    freeze(local(2026, 12, 7, 8, 0))
    seed_demo()
    User.create(name="Ana", phone=ANA)
    return app


def everything():
    return (User.select().count(), InboundMessage.select().count(), AuditLog.select().count(),
            [(c.user_id, c.state) for c in Conversation.select().order_by(Conversation.user)])


def post(client, form, signature=None, path="/whatsapp"):
    data = urllib.parse.urlencode(list(form.items()) if isinstance(form, dict) else form)
    signature = sign(WEBHOOK_URL + path.removeprefix("/whatsapp"), form) if signature is None else signature
    return client.post(path, data=data, content_type=inbound.FORM, headers={"X-Twilio-Signature": signature})


def genuine(sender: str, body: str, sid: str = "SM" + "1" * 32) -> dict:
    return {"AccountSid": ACCOUNT_SID, "Body": body, "From": f"whatsapp:{sender}", "MessageSid": sid,
            "NumMedia": "0", "To": TWILIO_TO}


def still_signed(original: dict, forged) -> bool:
    """Twilio's own validator accepts the forgery with the original's signature: a real re-split."""
    return RequestValidator(AUTH_TOKEN).validate(WEBHOOK_URL, _multi(forged), sign(WEBHOOK_URL, original))


def _multi(form):
    from werkzeug.datastructures import MultiDict

    return MultiDict(form.items() if isinstance(form, dict) else form)


# --- sizes and counts, before anything is parsed or verified -------------------------------------------

def test_an_oversized_body_is_413_and_never_parsed_or_verified(shop, client, monkeypatch):
    def never(*args, **kwargs):
        raise AssertionError("a refused body must not be verified")

    monkeypatch.setattr("bot.webhook.RequestValidator", never)
    form = {**genuine(ANA, "oi"), "Body": "x" * inbound.MAX_BODY}
    response = post(client, form, signature="garbage")
    assert response.status_code == 413
    assert response.headers["Connection"] == "close"


def test_too_many_fields_is_400_before_parsing_and_the_limit_itself_is_answered(shop, client, monkeypatch):
    base = genuine(ANA, "oi")
    at_limit = {**base, **{f"Extra{i}": "" for i in range(inbound.MAX_FIELDS - len(base))}}
    assert twiml_messages(post(client, at_limit).data)  # Twilio may add fields: these are fine

    parsed = []
    monkeypatch.setattr("werkzeug.formparser.FormDataParser.parse", lambda *a, **k: parsed.append(1))
    over = {**at_limit, "OneMore": ""}
    assert post(client, over, signature="garbage").status_code == 400
    assert parsed == []


def test_only_form_bodies_are_read(shop, client):
    response = client.post("/whatsapp", data=b'{"From": "whatsapp:+5511900000001"}', content_type="application/json")
    assert response.status_code == 415


def test_the_development_endpoints_refuse_large_bodies_too(config):
    from app import create_app

    config["app_env"] = "development"
    client = create_app(config).test_client()
    response = client.post("/dev/chat/send", data=b'{"text": "' + b"x" * (1024 * 1024) + b'"}',
                           content_type="application/json")
    assert response.status_code == 413


# --- re-splitting a signed message ---------------------------------------------------------------------

def test_a_customer_message_re_split_into_the_owner_s_command_is_refused(shop, client):
    original = genuine(ANA, f"clientesFromwhatsapp:{ADMIN_PHONE}")
    forged = {**original, "Body": "clientes", "From": f"whatsapp:{ADMIN_PHONE}", "Fromw": f"hatsapp:{ANA}"}
    assert still_signed(original, forged)
    before = everything()
    response = post(client, forged, signature=sign(WEBHOOK_URL, original))
    assert response.status_code == 400 and b"Response" not in response.data
    assert everything() == before


def test_a_re_split_sending_from_twice_is_refused(shop, client):
    original = genuine(ANA, f"clientesFromwhatsapp:{ADMIN_PHONE}")
    forged = [("AccountSid", ACCOUNT_SID), ("Body", "clientes"), ("From", f"whatsapp:{ADMIN_PHONE}"),
              ("From", f"whatsapp:{ANA}"), ("MessageSid", original["MessageSid"]), ("NumMedia", "0"), ("To", TWILIO_TO)]
    assert still_signed(original, forged)
    before = everything()
    assert post(client, forged, signature=sign(WEBHOOK_URL, original)).status_code == 400
    assert everything() == before


@pytest.mark.parametrize("tail,name,value", [
    ("G", "G", f"Fromwhatsapp:{ANA}"), ("G", "GFrom", f"whatsapp:{ANA}"), ("Fz", "Fz", f"Fromwhatsapp:{ANA}"),
])
def test_a_re_split_hiding_its_leftover_under_any_name_is_refused(shop, client, tail, name, value):
    # The customer ends the message with what the leftover's name needs, so that the genuine
    # From is swallowed by a field whose name does not begin with "From".
    original = genuine(ANA, f"clientesFromwhatsapp:{ADMIN_PHONE}{tail}")
    forged = {**original, "Body": "clientes", "From": f"whatsapp:{ADMIN_PHONE}", name: value}
    assert still_signed(original, forged)
    before = everything()
    assert post(client, forged, signature=sign(WEBHOOK_URL, original)).status_code == 400
    assert everything() == before


def test_a_re_split_with_a_whatsapp_user_id_in_from_is_refused(shop, client, app):
    app.config["SETTINGS"].admin_phones = (ADMIN_PHONE, OWNER_ID)
    original = genuine(ANA_ID, f"clientesFromwhatsapp:{OWNER_ID}")
    forged = {**original, "Body": "clientes", "From": f"whatsapp:{OWNER_ID}", "Fromw": f"hatsapp:{ANA_ID}"}
    assert still_signed(original, forged)
    before = everything()
    assert post(client, forged, signature=sign(WEBHOOK_URL, original)).status_code == 400
    assert everything() == before


def test_a_re_split_inventing_a_fresh_message_sid_is_refused(shop, client):
    fake_sid = "SM" + "b" * 32
    original = genuine(ANA, f"clientesFromwhatsapp:{ADMIN_PHONE}MessageSid{fake_sid}N")
    forged = {**original, "Body": "clientes", "From": f"whatsapp:{ADMIN_PHONE}", "MessageSid": fake_sid,
              "N": f"Fromwhatsapp:{ANA}MessageSid{original['MessageSid']}"}
    assert still_signed(original, forged)
    assert post(client, forged, signature=sign(WEBHOOK_URL, original)).status_code == 400


@pytest.mark.parametrize("name", ["Fromw", "ToX", "AccountSidX", "MessageSidX", "ExternalUserIdX"])
def test_unknown_names_that_begin_with_an_authority_field_are_refused_and_logged(shop, client, caplog, name):
    form = {**genuine(ANA, "oi"), name: "secret words"}
    assert post(client, form).status_code == 400
    refusals = [r.getMessage() for r in caplog.records if r.name == "bot.inbound"]
    assert refusals and name in refusals[0] and "secret words" not in refusals[0]


def test_a_realistic_2026_payload_with_every_field_is_answered(shop, client):
    form = {
        "AccountSid": ACCOUNT_SID, "ApiVersion": "2010-04-01", "Body": "oi",
        "ChannelMetadata": '{"type":"whatsapp","data":{"context":{"ProfileName":"Bia","WaId":"5511977776666"}}}',
        "ExternalUserId": "whatsapp:BR.BIA0000000000000001", "Forwarded": "false",
        "From": "whatsapp:+5511977776666", "MessageSid": "SM" + "0123456789abcdef" * 2, "MessageType": "text",
        "MessagingServiceSid": "MG" + "c" * 32, "NumMedia": "0", "NumSegments": "1", "ProfileName": "Bia",
        "OriginalRepliedMessageSender": TWILIO_TO, "OriginalRepliedMessageSid": "SM" + "d" * 32,
        "ReferralNumMedia": "0", "SmsMessageSid": "SM" + "0123456789abcdef" * 2,
        "SmsSid": "SM" + "0123456789abcdef" * 2, "SmsStatus": "received", "To": TWILIO_TO, "WaId": "5511977776666",
    }
    response = post(client, form)
    assert response.status_code == 200 and twiml_messages(response.data)
    assert User.get(User.phone == "+5511977776666").whatsapp_id == "BR.BIA0000000000000001"


# --- fields the bot uses, as Twilio writes them ---------------------------------------------------------

@pytest.mark.parametrize("field,value", [
    ("From", "whatsapp:+٥٥١١٩٧٧٧٨١٠٠٧"), ("From", "whatsapp:+²²²²²²²²²"), ("From", "+5511977778100"),
    ("MessageSid", "SM" + "a" * 100), ("MessageSid", "SMdev1"), ("To", "whatsapp:+5511911112222"),
    ("AccountSid", "AC" + "f" * 32), ("ExternalUserId", "whatsapp:not an id"), ("NumMedia", "²"),
])
def test_fields_the_bot_uses_must_have_twilio_s_shape(shop, client, field, value):
    form = {**genuine("+5511977778100", "oi"), field: value}
    before = everything()
    assert post(client, form).status_code == 400
    assert everything() == before


@pytest.mark.parametrize("code", ["99999999999999999999", "²", "١٢"])
def test_a_status_callback_with_an_impossible_error_code_is_400(shop, client, code):
    form = {"AccountSid": ACCOUNT_SID, "MessageSid": "SM" + "4" * 32, "MessageStatus": "failed", "ErrorCode": code}
    assert post(client, form, path="/whatsapp/status").status_code == 400
    form["ErrorCode"] = "63016"
    assert post(client, form, path="/whatsapp/status").status_code == 204
    assert OutboundMessage.select().count() == 0


def test_a_customer_still_talks_normally(shop, client):
    assert texts.ASK_NAME in WhatsApp(client, "+5511977776666").send("oi")
