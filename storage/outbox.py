"""Writing to the outbox. Sending is the dispatcher's job (scheduler/dispatch.py)."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from storage import clock
from storage.db import database
from storage.models import OutboundMessage, OutboxKind, OutboxStatus, User


def enqueue(kind: OutboxKind, to: User | str, *, appointment_id: int | None = None,
            params: dict[str, Any] | None = None, dedupe_key: str | None = None,
            due: dt.datetime | None = None) -> int | None:
    """Adds a message for the dispatcher, to a person (sent to their phone, or to their WhatsApp
    user id when no phone is known) or to an address such as an admin's number. With a dedupe
    key, a second call adds nothing and returns None (the database's unique key decides, not a
    prior read)."""
    now = clock.now()
    recipient, user_id = (to.address, to.id) if isinstance(to, User) else (to, None)
    row = dict(recipient=recipient, user=user_id, kind=kind, appointment=appointment_id, params=params,
               dedupe_key=dedupe_key, status=OutboxStatus.PENDING, next_attempt_at=due or now,
               created_at=now, updated_at=now)
    query = OutboundMessage.insert(**row)
    if dedupe_key is None:
        return query.execute()
    # INSERT IGNORE / INSERT OR IGNORE: the row count, not lastrowid, says whether it was added
    # (SQLite leaves lastrowid at the previous insert when the row is ignored).
    cursor = database.execute(query.on_conflict_ignore())
    return cursor.lastrowid if cursor.rowcount == 1 else None


def cancel_pending(appointment_id: int, kinds: Iterable[OutboxKind] = (OutboxKind.REMINDER,)) -> int:
    """Cancels messages about an appointment that have not gone out yet; returns how many."""
    return (OutboundMessage
            .update(status=OutboxStatus.CANCELLED, updated_at=clock.now())
            .where((OutboundMessage.appointment == appointment_id)
                   & (OutboundMessage.status == OutboxStatus.PENDING)
                   & OutboundMessage.kind.in_([k.value for k in kinds]))
            .execute())
