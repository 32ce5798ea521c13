"""What a send's outcome does to its outbox row: sent, retried later with backoff, or failed.
The dispatcher and the reply hand-off both record through here."""
from __future__ import annotations

import datetime as dt
import random

import peewee

from scheduler.sender import Outgoing, SendError
from storage import clock
from storage.models import OutboundMessage, OutboxStatus

BACKOFF_BASE = 15.0  # seconds; doubles per attempt
BACKOFF_CAP = 30 * 60.0


def backoff(attempts: int) -> dt.timedelta:
    seconds = min(BACKOFF_CAP, BACKOFF_BASE * 2 ** max(attempts - 1, 0))
    return dt.timedelta(seconds=seconds * random.uniform(0.5, 1.5))


def _claimed(row: OutboundMessage) -> peewee.Expression:
    return (OutboundMessage.id == row.id) & (OutboundMessage.claim_token == row.claim_token)


def sent(row: OutboundMessage, message: Outgoing, sid: str, now: dt.datetime) -> peewee.Query:
    """Twilio accepted it: what went out is kept (text, or template and variables)."""
    return (OutboundMessage
            .update(status=OutboxStatus.SENT, twilio_sid=sid, sent_at=now, updated_at=now, claimed_until=None,
                    error_code=None, body=message.body, content_sid=message.content_sid,
                    content_variables=message.content_variables)
            .where(_claimed(row)))


def retry(row: OutboundMessage, code: int | None, now: dt.datetime) -> peewee.Query:
    return (OutboundMessage
            .update(status=OutboxStatus.PENDING, next_attempt_at=now + backoff(row.attempts), claim_token=None,
                    claimed_until=None, error_code=code, updated_at=now)
            .where(_claimed(row)))


def finished(row: OutboundMessage, status: OutboxStatus, error_code: int | None = None) -> peewee.Query:
    return (OutboundMessage
            .update(status=status, error_code=error_code, claimed_until=None, updated_at=clock.now())
            .where(_claimed(row)))


def failed_for_good(error: BaseException, row: OutboundMessage, max_attempts: int) -> bool:
    """A permanent refusal (any 4xx but throttling), or the last attempt."""
    return (isinstance(error, SendError) and not error.retryable) or row.attempts >= max_attempts


def record(row: OutboundMessage, message: Outgoing, result: str | BaseException, max_attempts: int,
           now: dt.datetime) -> peewee.Query:
    """The update a send's result (Twilio's message sid, or the error) makes to the row."""
    if not isinstance(result, BaseException):
        return sent(row, message, result, now)
    code = result.code if isinstance(result, SendError) else None
    if failed_for_good(result, row, max_attempts):
        return finished(row, OutboxStatus.FAILED, code)
    return retry(row, code, now)
