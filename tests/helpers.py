"""Constants and small helpers shared by the tests."""
from __future__ import annotations

import datetime as dt

from config import Settings
from storage import clock

API_TOKEN = "test-api-token-0123456789"
AUTH_TOKEN = "test-twilio-auth-token-0123"
ACCOUNT_SID = "AC" + "0" * 32
ADMIN_PHONE = "+5511900000001"
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
    }
