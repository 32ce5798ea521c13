"""Replies through the REST API: a person's replies are handed to Twilio one at a time, oldest
first, so they arrive in the order the messages were sent, whichever process sends them.

The web process calls `deliver` right after a turn commits (on a thread of its own, so no
request waits for Twilio); the worker calls it for replies still unsent after a few seconds
(the web process died, or Twilio was unreachable). Each reply is claimed under the person's
conversation row lock, the same lock their turns take, and only when every earlier reply of
theirs has gone: so two processes never send one reply twice, nor two replies out of order.
"""
from __future__ import annotations

import datetime as dt
import logging
import uuid

from config import Settings
from scheduler import outcomes
from scheduler.compose import Skip, compose
from scheduler.sender import Sender
from storage import clock
from storage.db import run_in_transaction
from storage.models import Conversation, OutboundMessage, OutboxKind, OutboxStatus, User

logger = logging.getLogger(__name__)

CLAIM = dt.timedelta(seconds=30)  # a sender that died holds a reply this long at most (or OUTBOX_CLAIM_TIMEOUT)
UNSENT = (OutboxStatus.PENDING.value, OutboxStatus.SENDING.value)


def _claim_next(person_id: int, settings: Settings) -> OutboundMessage | None:
    """The person's oldest unsent reply, claimed for this process; None when there is none, or
    when it is another sender's or waits for a retry (later replies then wait too)."""
    now = clock.now()
    Conversation.locked(person_id, now)
    row = (OutboundMessage.select()
           .where((OutboundMessage.user == person_id) & (OutboundMessage.kind == OutboxKind.REPLY)
                  & OutboundMessage.status.in_(UNSENT))
           .order_by(OutboundMessage.id).first())
    if row is None:
        return None
    if row.status == OutboxStatus.SENDING and row.claimed_until > now:
        return None
    if row.status == OutboxStatus.PENDING and row.attempts and row.next_attempt_at > now:
        return None  # a retry after a failure: keep to its backoff
    token = uuid.uuid4().hex
    claimed = (OutboundMessage
               .update(status=OutboxStatus.SENDING, claim_token=token,
                       claimed_until=now + min(CLAIM, settings.outbox_claim_timeout),
                       attempts=OutboundMessage.attempts + 1, updated_at=now)
               .where((OutboundMessage.id == row.id) & (OutboundMessage.status == row.status))
               .execute())
    return OutboundMessage.get_by_id(row.id) if claimed else None


def deliver(person_id: int, settings: Settings, sender: Sender) -> int:
    """Hands the person's unsent replies to Twilio in order; returns how many went."""
    sent = 0
    while True:
        row = run_in_transaction(lambda: _claim_next(person_id, settings))
        if row is None:
            return sent
        person = User.get_or_none(User.id == person_id)
        decision = compose(row, None, person, None, settings, clock.now(), sender=sender)
        if isinstance(decision, Skip):
            run_in_transaction(lambda row=row, decision=decision: outcomes.finished(row, decision.status).execute())
            continue
        try:
            result: str | BaseException = sender.send(decision)
        except Exception as exc:  # recorded as a retry or a failure below
            result = exc
        query = outcomes.record(row, decision, result, settings.outbox_max_attempts, clock.now())
        run_in_transaction(query.execute)
        if isinstance(result, BaseException):
            logger.warning("a reply was not accepted (%s); the worker will retry it", type(result).__name__)
            if not outcomes.failed_for_good(result, row, settings.outbox_max_attempts):
                return sent  # the later replies wait behind it, to keep the order
            continue
        sent += 1


def overdue(now: dt.datetime) -> list[int]:
    """The people with replies the web process did not hand over in time, or whose claim expired."""
    m = OutboundMessage
    rows = (m.select(m.user).distinct()
            .where((m.kind == OutboxKind.REPLY) & m.user.is_null(False)
                   & (((m.status == OutboxStatus.PENDING) & (m.next_attempt_at <= now))
                      | ((m.status == OutboxStatus.SENDING) & (m.claimed_until < now))))
            .tuples())
    return [person for (person,) in rows]



