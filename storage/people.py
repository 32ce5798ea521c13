"""Registering a customer: the one place a nameless person gets a name (the bot's registration,
the owner's `marcar`, the API's POST /users all come here), so `customer.created` is told once."""
from __future__ import annotations

import datetime as dt

from storage import events
from storage.models import User


def register(user_id: int, name: str, now: dt.datetime) -> bool:
    """Gives the person their name if they have none yet (a conditional update: of two concurrent
    registrations one wins); True when this call registered them."""
    named = User.update(name=name).where((User.id == user_id) & User.name.is_null()).execute()
    if named:
        events.customer_created(user_id, now)
    return bool(named)
