"""Runs last (file order): greps everything the suite logged at INFO and above for secrets and
for the text people sent. Neither may ever reach the logs."""
from __future__ import annotations

from tests.conftest import LogRecorder
from tests.helpers import API_TOKEN, AUTH_TOKEN, SENT_BODIES, WEBHOOK_SECRET


def test_no_secret_or_message_body_was_logged():
    records = LogRecorder.records
    assert records, "nothing was logged at all: the recorder is not working"
    for secret in (AUTH_TOKEN, API_TOKEN, WEBHOOK_SECRET):
        leaks = [r for r in records if secret in r]
        assert not leaks, leaks[:3]
    bodies = [b for b in SENT_BODIES if len(b) >= 12]
    assert bodies, "no message bodies were recorded to look for"
    leaks = [(body, r) for r in records for body in bodies if body in r]
    assert not leaks, leaks[:3]
    assert not [r for r in records if "Authorization" in r or "X-Twilio-Signature" in r
                or "X-Agendador-Signature" in r or "/calendar/" in r]  # nor a calendar feed's secret URL
