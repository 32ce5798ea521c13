"""Constants and small helpers shared by the tests."""
from __future__ import annotations

import datetime as dt
import time

from config import Settings
from storage import clock

API_TOKEN = "test-api-token-0123456789"
AUTH_TOKEN = "test-twilio-auth-token-0123"
ACCOUNT_SID = "AC" + "0" * 32
ADMIN_PHONE = "+5511900000001"
WEBHOOK_SECRET = "whsec_test_0123456789"  # signs outbound webhook events in tests
SAO_PAULO = Settings().timezone


def local(year, month, day, hour=0, minute=0) -> dt.datetime:
    """A business-local moment (America/Sao_Paulo)."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=SAO_PAULO)


def freeze(moment: dt.datetime) -> None:
    """Sets the app clock (it keeps ticking from there)."""
    clock.set_now(moment)


def base_config(database_url: str) -> dict:
    return {
        "app_env": "test",
        "database_url": database_url,
        "api_token": API_TOKEN,
        "twilio_auth_token": AUTH_TOKEN,
        "twilio_account_sid": ACCOUNT_SID,
        "twilio_whatsapp_from": "whatsapp:+5511940000000",
        "admin_phones": (ADMIN_PHONE,),
        "sender": "memory",
        "business_name": "Barbearia Teste",
        # TwiML text replies, as the contract describes them with INTERACTIVE=off; the tests of
        # lists, buttons and replies through the REST API turn it on (tests/test_interactive.py).
        "interactive": False,
    }


TWILIO_TO = "whatsapp:+5511940000000"
WEBHOOK_URL = "http://localhost/whatsapp"


def sign(url: str, form: dict, token: str = AUTH_TOKEN) -> str:
    from twilio.request_validator import RequestValidator

    return RequestValidator(token).compute_signature(url, form)


def twiml_messages(xml: bytes | str) -> list[str]:
    """The text of each <Message> in a TwiML reply (asserting it is well formed)."""
    import xml.etree.ElementTree as ET

    root = ET.fromstring(xml)
    assert root.tag == "Response", xml
    messages = []
    for element in root:
        assert element.tag == "Message", xml
        body = element.find("Body")
        messages.append((body.text if body is not None else element.text) or "")
    return messages


def inbound_form(sender: str, body: str, sid: str) -> dict:
    """The form Twilio posts for an inbound WhatsApp message (without the optional fields), from a
    phone or a WhatsApp user id."""
    return {"From": f"whatsapp:{sender}", "To": TWILIO_TO, "Body": body, "MessageSid": sid,
            "AccountSid": ACCOUNT_SID, "NumMedia": "0"}


def conversation_of(phone: str):
    """The conversation of the person with this phone."""
    from storage.models import Conversation, User

    return Conversation.select().join(User).where(User.phone == phone).get()


def wait_until(condition, timeout: float = 60.0, every: float = 0.02) -> bool:
    """Polls `condition` until it holds (True) or `timeout` seconds pass (False)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(every)
    return False


# Every message body the suite sent: tests/test_zz_log_secrets.py checks none reached the logs.
SENT_BODIES: set[str] = set()


class WhatsApp:
    """One person talking to the bot through signed webhook posts, like Twilio delivers them:
    from a phone, from a WhatsApp user id (a customer with a username, whose number WhatsApp
    hides), or from both (the phone in From, the user id in ExternalUserId)."""

    _sids = 0

    def __init__(self, client, phone: str | None, profile_name: str | None = None, whatsapp_id: str | None = None):
        self.client = client
        self.phone = phone
        self.whatsapp_id = whatsapp_id
        self.profile_name = profile_name
        self.last = None

    @classmethod
    def new_sid(cls) -> str:
        cls._sids += 1
        return f"SM{cls._sids:032d}"

    def form(self, body: str, *, sid: str | None = None, **extra) -> dict:
        if len(body.strip()) >= 12:
            SENT_BODIES.add(body.strip())
        form = inbound_form(self.phone or self.whatsapp_id, body, sid or self.new_sid())
        if self.phone:
            form["WaId"] = self.phone.lstrip("+")
        if self.whatsapp_id:
            form["ExternalUserId"] = f"whatsapp:{self.whatsapp_id}"
        if self.profile_name:
            form["ProfileName"] = self.profile_name
        form.update({k: v for k, v in extra.items() if v is not None})
        return form

    def post(self, form: dict, signature: str | None = None):
        signature = sign(WEBHOOK_URL, form) if signature is None else signature
        return self.client.post("/whatsapp", data=form, headers={"X-Twilio-Signature": signature})

    def send(self, body: str, **kwargs) -> str:
        """Sends a message; returns the reply's messages joined by newlines."""
        response = self.post(self.form(body, **kwargs))
        assert response.status_code == 200, response.data
        self.last = twiml_messages(response.data)
        return "\n".join(self.last)
