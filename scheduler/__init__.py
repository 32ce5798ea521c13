"""Reminders and the outbox dispatcher, run by the worker (`python -m scheduler`)."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Hooks the scheduler into the app (the in-process scheduler of `make run`)."""


def start_in_process(app: Flask) -> None:
    """Starts the reminder and outbox pass in this process (development only)."""
