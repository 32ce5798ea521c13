"""What a request to the Twilio webhooks must look like before anything parses or verifies it.

Twilio's payloads are a few KB of form fields. A bigger body, or more fields than Twilio ever
sends, is refused from its length and a count of separators, before the form is parsed and
before the signature is computed (an unsigned request must cost next to nothing).

Then the fields themselves. Twilio signs the URL plus every name and value concatenated with no
separator, so whoever holds one signature can cut the same string into other fields: a
customer's `clientesFromwhatsapp:+55...` becomes `Body=clientes`, `From=<the owner>` and a
field holding the rest. Unknown names must still be accepted (Twilio adds parameters without
notice), so a re-split is refused by what it cannot avoid:

- a repeated name (the second value of a field is a second reading of the same string);
- an authority field (who writes, to whom, for which account, which message) that does not have
  exactly the shape Twilio sends;
- an unknown name that begins with an authority field's name (`Fromw`), where a re-split hides
  its leftover;
- anywhere else, an authority field's name glued to the start of its value (`Fromwhatsapp:`):
  the genuine field a re-split had to swallow, wherever it hid it.

Each refusal is logged with its reason and the field's name, never a value.
"""
from __future__ import annotations

import logging
import re

from flask import Response, current_app, request
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import RequestEntityTooLarge

from storage import phones

logger = logging.getLogger(__name__)

# Twilio's fullest inbound message (4,096 characters of emoji, ten media, referral and location
# fields) is under 64 KiB and 70 fields; these bounds leave room for the parameters it adds.
MAX_BODY = 128 * 1024
MAX_FIELDS = 200
FORM = "application/x-www-form-urlencoded"

_SID = re.compile(r"(?:SM|MM)[0-9a-fA-F]{32}")
_ACCOUNT_SID = re.compile(r"AC[0-9a-fA-F]{32}")
_TWILIO_ID = re.compile(r"[A-Z]{2}[0-9a-fA-F]{32}")
_DIGITS = re.compile(r"[0-9]{1,9}")  # ASCII only: str.isdigit() also takes ² and ٥

# The fields that carry authority, and each one's name glued to how its value starts.
AUTHORITY = ("AccountSid", "ExternalUserId", "From", "MessageSid", "To")
_GLUED = re.compile(r"Fromwhatsapp:|Towhatsapp:|AccountSidAC|MessageSid(?:SM|MM)|ExternalUserId(?:whatsapp:|[A-Z]{2}\.)")


class Refusal(Exception):
    """Why a request is refused: its HTTP status, the reason, and the field named (never a value)."""

    def __init__(self, status: int, reason: str, field: str | None = None):
        super().__init__(reason)
        self.status, self.reason, self.field = status, reason, field


def refusal(kind: str) -> Response | None:
    """The answer to a request that is not what Twilio sends (413, 415 or 400), or None.

    `kind` is "message" (POST /whatsapp) or "status" (POST /whatsapp/status)."""
    try:
        form = _bounded_form()
        _check_fields(form, kind)
    except Refusal as refused:
        named = f" ({refused.field[:40]!r})" if refused.field is not None else ""
        logger.warning("refused a %s webhook: %s%s", kind, refused.reason, named)
        response = Response(f"{_TITLES[refused.status]}: {refused.reason}", status=refused.status,
                            mimetype="text/plain")
        if refused.status == 413:
            response.headers["Connection"] = "close"  # the rest of the body is never read
        return response
    return None


_TITLES = {400: "Bad Request", 413: "Payload Too Large", 415: "Unsupported Media Type"}


def _bounded_form() -> MultiDict:
    """The form, read only when the body is small and holds few fields."""
    if request.mimetype != FORM:
        raise Refusal(415, "the body must be form-encoded")
    if request.content_length is not None and request.content_length > MAX_BODY:
        raise Refusal(413, "the body is too large")
    # A chunked body (no length) is read one byte past the bound at most, never buffered whole.
    request.max_content_length = MAX_BODY + 1
    try:
        raw = request.get_data(cache=True)
    except RequestEntityTooLarge:
        raise Refusal(413, "the body is too large") from None
    if len(raw) > MAX_BODY:
        raise Refusal(413, "the body is too large")
    if raw.count(b"&") + 1 > MAX_FIELDS:
        raise Refusal(400, "too many fields")
    return request.form


def _check_fields(form: MultiDict, kind: str) -> None:
    for name, values in form.lists():
        if len(values) > 1:
            raise Refusal(400, "repeated field", name)
        authority = next((a for a in AUTHORITY if name.startswith(a)), None)
        if authority is not None and name != authority:
            raise Refusal(400, "unknown field named like an authority field", name)
        if not _valid(name, values[0], kind):
            raise Refusal(400, "malformed field", name)
    hidden = _swallowed_field(form)
    if hidden is not None:
        raise Refusal(400, "a field holds another authority field", hidden)


def _valid(name: str, value: str, kind: str) -> bool:
    """Whether a field the bot uses has the shape Twilio gives it; fields it ignores pass."""
    settings = current_app.config["SETTINGS"]
    ours = settings.twilio_whatsapp_from
    if name == "AccountSid":
        expected = settings.twilio_account_sid
        return value == expected if expected else bool(_ACCOUNT_SID.fullmatch(value))
    if name == "MessageSid":
        return bool(_SID.fullmatch(value))
    if name == "ExternalUserId":
        return phones.whatsapp_id(value) is not None
    if (name, kind) in (("To", "message"), ("From", "status")) and ours:
        return value == ours  # a message to us; a status of a message from us
    if name in ("From", "To"):
        return value.startswith("whatsapp:") and (phones.from_whatsapp(value) or phones.whatsapp_id(value)) is not None
    if name == "NumMedia" or (name == "ErrorCode" and kind == "status"):
        return bool(_DIGITS.fullmatch(value))
    return True


def _swallowed_field(form: MultiDict) -> str | None:
    """The first field (in signing order) whose text holds an authority field's name glued to
    its value, as a re-split leaves the genuine field it replaced. Runs of fields between
    authority fields are read as one text, since the leftover may straddle them. Twilio's own id
    fields (SmsMessageSid, OriginalRepliedMessageSid) end in an authority name glued to an id:
    they stand apart, like the authority fields."""
    run, run_start = "", None
    for name in sorted(form):
        value = form[name]
        if name in AUTHORITY or (name.endswith("Sid") and _TWILIO_ID.fullmatch(value)):
            if _GLUED.search(run):
                return run_start
            if _GLUED.search(value):
                return name
            run, run_start = "", None
        else:
            run += name + value
            run_start = run_start or name
    return run_start if _GLUED.search(run) else None
