"""The day and time a customer types on WhatsApp ("amanhã às 15h", "sexta que vem", "25/12 9h"),
and dates and times written the way Brazilians read them."""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from dateutil.relativedelta import FR, MO, SA, SU, TH, TU, WE, relativedelta

from storage.folding import fold

# A date or time comes early in a message; reading only the start keeps a pasted essay cheap.
MAX_CHARS = 200

WEEKDAY_NAMES = ("segunda-feira", "terça-feira", "quarta-feira", "quinta-feira", "sexta-feira",
                 "sábado", "domingo")


@dataclass(frozen=True)
class When:
    """What a message says about when: a day, a time, both or neither."""

    day: dt.date | None = None
    time: dt.time | None = None
    invalid: bool = False  # looked like a date or time that does not exist (31/11, 25h)
    past: bool = False  # the day named is before today ("ontem", 10/01/2020)

    @property
    def empty(self) -> bool:
        """True when the message named no day or time, not even an impossible one."""
        return self.day is None and self.time is None and not self.invalid


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


# --- word lists (folded: lowercase, no accents) -------------------------------------------------

_MONTHS = {
    "janeiro": 1, "jan": 1, "fevereiro": 2, "fev": 2, "marco": 3, "mar": 3, "abril": 4, "abr": 4,
    "maio": 5, "mai": 5, "junho": 6, "jun": 6, "julho": 7, "jul": 7, "agosto": 8, "ago": 8,
    "setembro": 9, "set": 9, "outubro": 10, "out": 10, "novembro": 11, "nov": 11,
    "dezembro": 12, "dez": 12,
}
_WEEKDAYS = {
    "segunda": MO, "seg": MO, "terca": TU, "ter": TU, "quarta": WE, "qua": WE,
    "quinta": TH, "qui": TH, "sexta": FR, "sex": FR, "sabado": SA, "sab": SA,
    "domingo": SU, "dom": SU,
}
_RELATIVE_DAYS = {"anteontem": -2, "ontem": -1, "hoje": 0, "hj": 0, "amanha": 1,
                  "depois de amanha": 2}


def _alternation(words: Iterable[str]) -> str:
    # Longest first, so "marco" is not cut short at "mar".
    return "|".join(sorted(words, key=len, reverse=True))


_HOUR_SUFFIX = r"(?:horas?|hrs?|hs|h)"

# --- days -----------------------------------------------------------------------------------------

# 2026-12-25
_ISO_DATE = re.compile(
    r"(?<![0-9])(?P<year>[0-9]{4})(?P<sep>[-/.])(?P<month>[0-9]{1,2})(?P=sep)(?P<day>[0-9]{1,2})"
    r"(?![0-9])")

# 25/12, 25-12-2026, 25.12.26, 5/1
_NUMERIC_DATE = re.compile(
    rf"""
    (?<![0-9:/.-])                      # not the tail of 14:30-15:00 or of a longer number
    (?P<day>[0-9]{{1,2}})(?P<sep>[/.-])(?P<month>[0-9]{{1,2}})
    (?:(?P=sep)(?P<year>[0-9]{{4}}|[0-9]{{2}}))?
    (?![0-9:])(?!(?P=sep)[0-9])         # 25/12/202 is not a yearless 25/12
    (?!\s*{_HOUR_SUFFIX}\b)             # 14.30h is a time
    """, re.VERBOSE)

# "às 14.30": the dot form of a time, which _NUMERIC_DATE would otherwise claim
_AT_BEFORE = re.compile(r"\bas\s*$")

# 25 de dezembro, 25 dez, 25 de dez. de 2026, 1º de janeiro ("º" folds to "o")
_NAMED_DATE = re.compile(
    rf"""
    (?<![0-9:/.-])(?P<day>[0-9]{{1,2}})o?
    \s*(?:de\s+)?
    (?P<month>{_alternation(_MONTHS)})\b\.?
    (?:\s*(?:de\s+|,\s*)?(?P<year>[0-9]{{4}})(?![0-9]))?
    """, re.VERBOSE)

# dia 25 (but not "bom dia 10h", which is a greeting and a time)
_DAY_OF_MONTH = re.compile(
    rf"\bdia\s+(?P<day>[0-9]{{1,2}})(?![0-9])(?!\s*{_HOUR_SUFFIX}\b|[:.][0-9]|\s+e\s+meia\b)")

# hoje, amanhã, depois de amanhã, ontem
_RELATIVE = re.compile(rf"\b(?P<word>{_alternation(_RELATIVE_DAYS)})\b")

# sexta, sexta-feira, sex, próxima segunda, sábado que vem, domingos
_WEEKDAY = re.compile(
    rf"""
    \b(?:(?P<next>prox(?:im[oa])?)\.?\s+)?
    (?P<name>{_alternation(_WEEKDAYS)})s?(?:\s*-?\s*feiras?)?\b\.?
    (?P<later>\s+que\s+vem\b)?
    """, re.VERBOSE)

# "ter" is also the verb "to have" ("vou ter que sair"), so the abbreviation only counts when
# what follows it reads like the rest of a day or time: nothing, punctuation, a number, "às"...
_TUESDAY_CONTEXT = re.compile(
    r"\s*(?:$|[^\w\s]|[0-9]|(?:as|dia|(?:de|da|a|pela)\s+(?:manha|tarde|noite))\b)")


def _exact_date(year: int, month: int, day: int, today: dt.date) -> When:
    try:
        named = dt.date(year, month, day)
    except ValueError:
        return When(invalid=True)
    return When(day=named, past=named < today)


def _next_date(month: int, day: int, today: dt.date) -> When:
    """The first month/day on or after today; 29/02 may be up to eight years away (2096→2104)."""
    for year in range(today.year, today.year + 9):
        try:
            candidate = dt.date(year, month, day)
        except ValueError:
            continue
        if candidate >= today:
            return When(day=candidate)
    return When(invalid=True)


def _full_year(text: str) -> int:
    # Two-digit years are this century: "26" is 2026.
    return 2000 + int(text) if len(text) == 2 else int(text)


def _iso_date(match: re.Match, today: dt.date) -> When:
    return _exact_date(int(match["year"]), int(match["month"]), int(match["day"]), today)


def _numeric_date(match: re.Match, today: dt.date) -> When | None:
    if match["sep"] == "." and _AT_BEFORE.search(match.string, 0, match.start()):
        return None
    day, month = int(match["day"]), int(match["month"])
    if match["year"] is None:
        return _next_date(month, day, today)
    return _exact_date(_full_year(match["year"]), month, day, today)


def _named_date(match: re.Match, today: dt.date) -> When:
    day, month = int(match["day"]), _MONTHS[match["month"]]
    if match["year"] is None:
        return _next_date(month, day, today)
    return _exact_date(int(match["year"]), month, day, today)


def _day_of_month(match: re.Match, today: dt.date) -> When:
    day = int(match["day"])
    first = today.replace(day=1)
    # Every month lacking a 29th, 30th or 31st is followed by one that has it, so three
    # months from this one always reach the day if it exists at all.
    for ahead in range(3):
        try:
            candidate = (first + relativedelta(months=ahead)).replace(day=day)
        except ValueError:
            continue
        if candidate >= today:
            return When(day=candidate)
    return When(invalid=True)


def _relative_day(match: re.Match, today: dt.date) -> When:
    offset = _RELATIVE_DAYS[match["word"]]
    return When(day=today + dt.timedelta(days=offset), past=offset < 0)


def _weekday(match: re.Match, today: dt.date) -> When | None:
    name = match["name"]
    strictly_after = bool(match["next"] or match["later"])
    if name == "ter" and not strictly_after and not _TUESDAY_CONTEXT.match(match.string, match.end()):
        return None
    start = today + dt.timedelta(days=1) if strictly_after else today
    return When(day=start + relativedelta(weekday=_WEEKDAYS[name]))


# Most specific first: "sexta, 25/12" means the date, whatever weekday it falls on.
_DAY_READERS: tuple[tuple[re.Pattern, Callable[[re.Match, dt.date], When | None]], ...] = (
    (_ISO_DATE, _iso_date),
    (_NUMERIC_DATE, _numeric_date),
    (_NAMED_DATE, _named_date),
    (_DAY_OF_MONTH, _day_of_month),
    (_RELATIVE, _relative_day),
    (_WEEKDAY, _weekday),
)

# --- times ----------------------------------------------------------------------------------------

# 14h, 14 horas, 14:30, 14h30, 14:30h, às 9, 9h da manhã, 3 da tarde, 9 e meia. Without one of
# "às", minutes, an hour suffix, "e meia" or a period of the day, a number is not a time: the
# conversation reads bare numbers as menu choices.
_CLOCK = re.compile(
    rf"""
    (?P<at>\bas\s+)?
    (?<![0-9])(?P<hour>[0-9]{{1,2}})(?![0-9])
    (?:
        [:.](?P<minute>[0-9]{{2}})(?![0-9])(?:\s*{_HOUR_SUFFIX}\b)?
      | \s*(?P<suffix>{_HOUR_SUFFIX})
        (?:\s*(?P<minute_after>[0-9]{{2}})(?:\s*m(?:in(?:utos?)?)?\b)?)?
        (?![a-z0-9])
    )?
    (?P<half>\s+e\s+meia\b)?
    (?:\s+(?:da|de|a|pela)\s+(?P<period>manha|tarde|noite|madrugada)\b)?
    """, re.VERBOSE)

_NOON_OR_MIDNIGHT = re.compile(r"\b(?P<word>meio\s*-?\s*dia|meia\s*-?\s*noite)\b(?P<half>\s+e\s+meia\b)?")

_Clock = tuple[int, dt.time | None, bool]  # (position in the text, time, invalid)


def _hour_in_period(hour: int, period: str | None) -> int:
    # "3 da tarde" is 15h and "8 da noite" 20h; "12 da noite" is midnight.
    if period in ("tarde", "noite") and 1 <= hour <= 11:
        return hour + 12
    if period == "noite" and hour == 12:
        return 0
    return hour


def _first_clock(text: str) -> _Clock | None:
    for match in _CLOCK.finditer(text):
        minute = match["minute"] or match["minute_after"]
        if not (match["at"] or minute or match["suffix"] or match["half"] or match["period"]):
            continue
        hour = _hour_in_period(int(match["hour"]), match["period"])
        minutes = 30 if match["half"] else int(minute or 0)
        if hour > 23 or minutes > 59:
            return match.start(), None, True
        return match.start(), dt.time(hour, minutes), False
    return None


def _first_noon_or_midnight(text: str) -> _Clock | None:
    match = _NOON_OR_MIDNIGHT.search(text)
    if match is None:
        return None
    hour = 12 if match["word"].startswith("meio") else 0
    return match.start(), dt.time(hour, 30 if match["half"] else 0), False


# --- the parser -----------------------------------------------------------------------------------


def _find_day(text: str, today: dt.date) -> tuple[When, str]:
    """The day a text names, and the text with that mention blanked out."""
    for pattern, read in _DAY_READERS:
        for match in pattern.finditer(text):
            found = read(match, today)
            if found is not None:
                blank = " " * (match.end() - match.start())
                return found, text[:match.start()] + blank + text[match.end():]
    return When(), text


def _find_time(text: str) -> tuple[dt.time | None, bool]:
    """The first time of day a text names, and whether it was impossible."""
    candidates = [c for c in (_first_clock(text), _first_noon_or_midnight(text)) if c is not None]
    if not candidates:
        return None, False
    _, time, invalid = min(candidates, key=lambda candidate: candidate[0])
    return time, invalid


def parse_when(text: str, today: dt.date) -> When:
    """The day and/or time a customer's message names, relative to `today`; never raises."""
    if isinstance(today, dt.datetime):  # comparing a datetime with a date raises
        today = today.date()
    folded = fold(text[:MAX_CHARS]) if isinstance(text, str) else ""
    found, rest = _find_day(folded, today)
    time, bad_time = _find_time(rest)
    return When(day=found.day, time=time, invalid=found.invalid or bad_time, past=found.past)
