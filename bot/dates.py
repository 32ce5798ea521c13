"""The day and time a customer types on WhatsApp ("amanhã às 15h", "sexta que vem", "25/12 9h"),
and dates and times written the way Brazilians read them.

The reading itself lives in `bot.nlu.when`; `parse_when` is its 24-hour reading for callers that
know no opening hours (the admin commands, and the flows until they call `bot.nlu.understand`)."""
from __future__ import annotations

import datetime as dt

from bot.nlu.when import When, Window, read_when

__all__ = ["MAX_CHARS", "When", "Window", "format_date", "format_day", "format_time", "parse_when",
           "weekday_name"]

# A date or time comes early in a message; reading only the start keeps a pasted essay cheap.
MAX_CHARS = 200

WEEKDAY_NAMES = ("segunda-feira", "terça-feira", "quarta-feira", "quinta-feira", "sexta-feira",
                 "sábado", "domingo")


def weekday_name(day: dt.date) -> str:
    """The Portuguese name of the day's weekday: "segunda-feira" ... "domingo"."""
    return WEEKDAY_NAMES[day.weekday()]


def format_date(day: dt.date) -> str:
    """dd/mm/aaaa, e.g. "25/12/2026"."""
    return f"{day.day:02d}/{day.month:02d}/{day.year:04d}"


def format_day(day: dt.date) -> str:
    """Weekday and date, e.g. "sexta-feira, 25/12/2026"."""
    return f"{weekday_name(day)}, {format_date(day)}"


def format_time(value: dt.time | dt.datetime) -> str:
    """24-hour HH:MM, e.g. "09:05"."""
    return f"{value.hour:02d}:{value.minute:02d}"


def parse_when(text: str, today: dt.date) -> When:
    """The day and/or time a customer's message names, relative to `today`; never raises.
    Figures are read as written, in 24 hours ("às 3" is 03:00): `bot.nlu.understand` reads them
    against the opening hours."""
    if isinstance(today, dt.datetime):  # comparing a datetime with a date raises
        today = today.date()
    return read_when(text, today, limit=MAX_CHARS)
