"""Reading the owner's command arguments: #ids, days, time ranges, weekdays, phones."""
from __future__ import annotations

import datetime as dt
import re

from bot.choices import clean
from bot.dates import When, parse_when
from storage.folding import fold

_REF = re.compile(r"^#?(\d{1,9})[.,:;]?$")
_CLOCK = r"(\d{1,2})(?:(?::|h)(\d{2}))?h?"
_RANGE = re.compile(rf"(?<![\d/]){_CLOCK}\s*(?:-|–|a|as|às|ate|até)\s*{_CLOCK}(?![\d/])", re.IGNORECASE)

WEEKDAYS = {
    "seg": 0, "segunda": 0, "segunda-feira": 0, "ter": 1, "terca": 1, "terca-feira": 1,
    "qua": 2, "quarta": 2, "quarta-feira": 2, "qui": 3, "quinta": 3, "quinta-feira": 3,
    "sex": 4, "sexta": 4, "sexta-feira": 4, "sab": 5, "sabado": 5, "dom": 6, "domingo": 6,
}


class Usage(Exception):
    """The command was malformed: answer with its usage line."""


def ref(token: str) -> int:
    """An appointment or service id written as #12 (or 12)."""
    match = _REF.match(token.strip())
    if not match:
        raise Usage()
    return int(match.group(1))


def _clock(hour: str, minute: str | None) -> int | None:
    h, m = int(hour), int(minute or 0)
    if h > 24 or m > 59 or (h == 24 and m):
        return None
    return h * 60 + m


def find_range(text: str) -> tuple[tuple[int, int] | None, str]:
    """A 'HH:MM-HH:MM' range in the text (as minutes after midnight) and the text without it."""
    match = _RANGE.search(text)
    # "25-12" is a date; a range says it is about hours somewhere ("12-14h", "12:00-14:00").
    if not match or not re.search(r"[:h]", match.group(0), re.IGNORECASE):
        return None, text
    start, end = _clock(match[1], match[2]), _clock(match[3], match[4])
    if start is None or end is None or start >= end:
        raise Usage()
    return (start, end), (text[:match.start()] + " " + text[match.end():]).strip()


def intervals(tokens: list[str]) -> list[tuple[int, int]]:
    """Opening intervals like '09:00-12:00 13:00-18:00', in order and not overlapping."""
    found = []
    text = " ".join(tokens)
    while text.strip():
        interval, rest = find_range(text)
        if interval is None or rest == text:
            raise Usage()
        found.append(interval)
        text = rest
    found.sort()
    if not found or any(a_end > b_start for (_, a_end), (b_start, _) in zip(found, found[1:], strict=False)):
        raise Usage()
    return found


def weekdays(token: str) -> list[int]:
    """'seg', 'sábado', 'seg-sex' or 'seg,qua' as weekday numbers (0 = Monday)."""
    folded = fold(token).strip(",.")
    days: list[int] = []
    for part in folded.split(","):
        if "-" in part and part not in WEEKDAYS:
            first, _, last = part.partition("-")
            if first not in WEEKDAYS or last not in WEEKDAYS:
                raise Usage()
            a, b = WEEKDAYS[first], WEEKDAYS[last]
            days.extend(range(a, b + 1) if a <= b else [*range(a, 7), *range(0, b + 1)])
        elif part in WEEKDAYS:
            days.append(WEEKDAYS[part])
        else:
            raise Usage()
    return sorted(set(days))


def day(text: str, today: dt.date) -> dt.date:
    """The day named in the text (hoje, amanhã, 25/12, sexta); Usage when none or impossible."""
    when = parse_when(text, today)
    if when.day is None or when.invalid:
        raise Usage()
    return when.day


def when(text: str, today: dt.date) -> When:
    return parse_when(text, today)


def words(text: str) -> list[str]:
    return clean(text).split()


def clock_label(minute: int) -> str:
    """'09:30' for 570 minutes after midnight."""
    return f"{minute // 60:02d}:{minute % 60:02d}"
