"""The current time. Everything asks here, never the database's NOW(), so tests can freeze it
and the development simulators can fast-forward it."""
from __future__ import annotations

import datetime as dt
import threading

_lock = threading.Lock()
_offset = dt.timedelta(0)


def now() -> dt.datetime:
    """The current moment, timezone-aware UTC, with whole seconds (how the database stores it)."""
    return (dt.datetime.now(dt.UTC) + _offset).replace(microsecond=0)


def advance(delta: dt.timedelta) -> dt.timedelta:
    """Moves this process's clock forward (development only); returns the total offset."""
    global _offset
    with _lock:
        _offset += delta
        return _offset


def offset() -> dt.timedelta:
    return _offset


def reset() -> None:
    global _offset
    with _lock:
        _offset = dt.timedelta(0)


def set_now(moment: dt.datetime) -> None:
    """Makes now() read `moment` from here on (it keeps ticking). Tests and simulators only."""
    global _offset
    with _lock:
        _offset = moment - dt.datetime.now(dt.UTC)
