"""The generic interactive shapes (bot/interactive.py), created once through Twilio's Content API
on first use and kept in `content_templates`, so every process and every restart reuses them."""
from __future__ import annotations

import threading

from bot import interactive
from scheduler.sender import Sender
from storage import clock
from storage.models import ContentTemplate

_known: dict[str, str] = {}
_lock = threading.Lock()


def template_sid(shape: str, sender: Sender) -> str:
    """The SID of a shape such as `list-5`, creating it when nobody has yet. Two processes that
    create it at once both succeed at Twilio; the database keeps one, and both use that one."""
    with _lock:
        if shape in _known:
            return _known[shape]
    row = ContentTemplate.get_or_none(ContentTemplate.name == shape)
    if row is None:
        sid = sender.create_content(f"agendador_{shape.replace('-', '_')}", interactive.shape_types(shape))
        ContentTemplate.insert(name=shape, sid=sid, created_at=clock.now()).on_conflict_ignore().execute()
        row = ContentTemplate.get(ContentTemplate.name == shape)
    with _lock:
        _known[shape] = row.sid
    return row.sid


def forget() -> None:
    """Drops what this process remembers (tests start from an empty database each time)."""
    with _lock:
        _known.clear()
