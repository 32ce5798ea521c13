"""How people are addressed on WhatsApp: phone numbers (parsed by `phonenumbers`, stored as
E.164) and WhatsApp user ids (the business-scoped ids WhatsApp gives a person who hides their
number behind a username: two letters, a dot, then letters and digits, like `BR.1A2B3C`)."""
from __future__ import annotations

import re

import phonenumbers

DEFAULT_REGION = "BR"

_E164 = re.compile(r"\+[1-9][0-9]{7,14}")  # ASCII digits only: `\d` would take ٥ and ²
_WHATSAPP_ID = re.compile(r"[A-Z]{2}\.(?:ENT\.)?[A-Za-z0-9]{1,128}")


def normalize(raw: str, region: str = DEFAULT_REGION) -> str | None:
    """E.164 for a valid number ('11999999999' reads as Brazilian), None otherwise."""
    text = str(raw or "").strip().removeprefix("whatsapp:").strip()
    if not text or len(text) > 32 or not text.isascii():
        return None
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def from_whatsapp(address: str | None) -> str | None:
    """The E.164 number in a Twilio WhatsApp address ('whatsapp:+5511...'), or None.

    Twilio has already checked it, so any plausible international number is taken as it is
    (WhatsApp still delivers some Brazilian mobiles without the ninth digit)."""
    text = str(address or "").removeprefix("whatsapp:")
    return text if _E164.fullmatch(text) else None


_BR_MOBILE = re.compile(r"\+55([1-9][0-9])(9?)([6-9][0-9]{7})")


def aliases(e164: str | None) -> tuple[str, ...]:
    """The addresses one Brazilian mobile may arrive from: WhatsApp still delivers numbers that
    had a ninth digit added in 2012-2016 without it ('+55 11 9888-7777' for '+55 11 98888-7777'),
    so an owner's or a professional's number is recognised written either way. Other numbers
    are only themselves."""
    if not e164:
        return ()
    match = _BR_MOBILE.fullmatch(e164)
    if match is None:
        return (e164,)
    area, _, rest = match.groups()
    return (f"+55{area}9{rest}", f"+55{area}{rest}")


def whatsapp_id(address: str | None) -> str | None:
    """The WhatsApp user id in a Twilio address ('whatsapp:BR.1A2B3C' or 'BR.1A2B3C'), or None."""
    text = str(address or "").removeprefix("whatsapp:")
    return text if _WHATSAPP_ID.fullmatch(text) else None


def display(e164: str) -> str:
    """A human format for the owner's lists: '+55 11 98888-7777'."""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
