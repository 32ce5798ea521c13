"""Conversation rows: load one under a row lock, save it back, remember the reply per MessageSid."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from storage.db import is_mysql
from storage.models import Conversation, InboundMessage, User


@dataclass
class Loaded:
    conversation: Conversation
    user: User | None
    stored_reply: str | None
    created: bool


def load_for_update(phone: str, sid: str | None) -> Loaded:
    """Locks the phone's conversation (creating it on first contact) inside the current
    transaction, then reads the user and any reply already stored for this MessageSid."""
    query = Conversation.select().where(Conversation.phone == phone)
    if is_mysql():
        query = query.for_update()
    conversation = query.first()
    created = conversation is None
    if created:
        # Inserted now so that the row lock holds for the rest of the transaction; a concurrent
        # first message from the same phone gets an IntegrityError and starts over.
        Conversation.insert(phone=phone, state="start", window_count=0).execute()
        conversation = Conversation.get_by_id(phone)
    stored = None
    if sid:
        row = InboundMessage.select(InboundMessage.reply).where(InboundMessage.sid == sid).first()
        stored = row.reply if row is not None else None
    user = User.get_or_none(User.phone == phone)
    return Loaded(conversation, user, stored, created)


def save(conversation: Conversation, state: str, data: dict[str, Any], now: dt.datetime,
         created: bool = False) -> None:
    """Stores where the conversation is now; this message counts as the latest inbound one."""
    (Conversation
     .update(state=state, data=data or None, updated_at=now, last_inbound_at=now,
             window_started_at=conversation.window_started_at, window_count=conversation.window_count)
     .where(Conversation.phone == conversation.phone)
     .execute())


def record(sid: str, phone: str, reply: str, now: dt.datetime) -> None:
    """Remembers the reply for this MessageSid (unique: a concurrent duplicate fails here)."""
    InboundMessage.insert(sid=sid, phone=phone, reply=reply, created_at=now).execute()


def stored_reply(sid: str) -> str | None:
    row = InboundMessage.select(InboundMessage.reply).where(InboundMessage.sid == sid).first()
    return row.reply if row is not None else None
