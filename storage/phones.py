"""Phone numbers: parsed by `phonenumbers`, stored as E.164."""
from __future__ import annotations

import phonenumbers

DEFAULT_REGION = "BR"


def normalize(raw: str, region: str = DEFAULT_REGION) -> str | None:
    """E.164 for a valid number ('11999999999' reads as Brazilian), None otherwise."""
    text = str(raw or "").strip().removeprefix("whatsapp:").strip()
    if not text or len(text) > 32:
        return None
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def from_whatsapp(address: str) -> str | None:
    """The E.164 number in a Twilio WhatsApp address ('whatsapp:+5511...').

    Twilio has already checked it, so any plausible international number is taken as it is
    (WhatsApp still delivers some Brazilian mobiles without the ninth digit)."""
    text = str(address or "").strip().removeprefix("whatsapp:").strip()
    if not text.startswith("+") or not text[1:].isdigit() or not 8 <= len(text) <= 16:
        return None
    return text


def display(e164: str) -> str:
    """A human format for the owner's lists: '+55 11 98888-7777'."""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
