"""The days people name: "hoje", "amanhã", "sexta que vem", "25/12", "cinco de maio", "dia 15",
"daqui a 2 dias". Each reader finds its expressions in normalized text (see `text.normalize`)."""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

from dateutil.relativedelta import relativedelta

from bot.nlu.mentions import DaySaid, Mention, Reader, find
from bot.nlu.text import number_value, number_words

MONTHS = {
    "janeiro": 1, "jan": 1, "fevereiro": 2, "fev": 2, "marco": 3, "mar": 3, "abril": 4, "abr": 4,
    "maio": 5, "mai": 5, "junho": 6, "jun": 6, "julho": 7, "jul": 7, "agosto": 8, "ago": 8,
    "setembro": 9, "set": 9, "outubro": 10, "out": 10, "novembro": 11, "nov": 11,
    "dezembro": 12, "dez": 12,
}
# Written before the day ("maio 5"), only full names count, and not "marco", which is also a verb.
_MONTHS_FIRST = [name for name in MONTHS if len(name) > 3 and name != "marco"]

WEEKDAYS = {
    "segunda": 0, "seg": 0, "2a": 0, "terca": 1, "ter": 1, "3a": 1, "quarta": 2, "qua": 2, "4a": 2,
    "quinta": 3, "qui": 3, "5a": 3, "sexta": 4, "sex": 4, "6a": 4, "sabado": 5, "sab": 5, "domingo": 6, "dom": 6,
}


def _alternation(words) -> str:
    return "|".join(sorted(words, key=len, reverse=True))


_DAY_NUMBER = rf"(?:[0-9]{{1,2}}|\b(?:primeiro|{number_words(1, 31)})\b)"
_HOUR_AFTER = r"(?:\s*(?:h|hs|hrs?|horas?)(?:\b|[0-9])|\s*[:.][0-9]|\s+e\s+(?:meia|quinze|trinta)\b|\s*(?:am|pm)\b)"

# 2026-12-25
_ISO = re.compile(r"(?<![0-9])(?P<year>[0-9]{4})(?P<sep>[-/.])(?P<month>[0-9]{1,2})(?P=sep)(?P<day>[0-9]{1,2})(?![0-9])")

# 25/12, 25-12-2026, 25.12.26, 5/1
_NUMERIC = re.compile(
    r"""
    (?<![0-9:/.,$-])(?P<day>[0-9]{1,2})(?P<sep>[/.-])(?P<month>[0-9]{1,2})
    (?:(?P=sep)(?P<year>[0-9]{4}|[0-9]{2}))?
    (?![0-9:])(?!(?P=sep)[0-9])(?!\s*(?:h|hs|hrs?|horas?)\b)
    """, re.VERBOSE)

# 25 de dezembro, 25 dez, 1º de março, cinco de maio, 2-out, 15 de fevereiro de 2027 (not the
# street "Rua 25 de Março")
_NAMED = re.compile(
    rf"""
    (?<![0-9:/.-])(?<!\brua\s)(?<!\bav\s)(?<!\bav\.\s)(?:\bdia\s+)?(?P<day>[0-9]{{1,2}}(?=o?\b|[-/])|\b(?:primeiro|{number_words(1, 31)})\b)o?
    \s*(?:de\s+|[-/]\s*)?
    (?P<month>\b(?:{_alternation(MONTHS)}))\b\.?
    (?:\s*(?:de\s+|,\s*)?(?P<year>[0-9]{{4}}(?![0-9])|dois\s+mil(?:\s+e\s+(?P<tail>{number_words(1, 59)}))?\b))?
    """, re.VERBOSE)

# maio 5, julho quatro, maio vinte e um
_MONTH_FIRST = re.compile(
    rf"\b(?P<month>{_alternation(_MONTHS_FIRST)})\s+(?:dia\s+)?(?P<day>{_DAY_NUMBER})(?![0-9])(?!{_HOUR_AFTER})"
    r"(?:\s*(?:de\s+|,\s*)?(?P<year>[0-9]{4})(?![0-9]))?")

# dia 15, no dia quinze (not "bom dia 10h", a greeting and a time)
_DAY_OF_MONTH = re.compile(rf"(?<!bom\s)\bdia\s+(?P<day>{_DAY_NUMBER})(?![0-9])(?!{_HOUR_AFTER})")

_RELATIVE_WORDS = {"anteontem": -2, "ontem": -1, "hoje": 0, "amanha": 1, "depois de amanha": 2}
_RELATIVE = re.compile(r"\b(?P<word>" + _alternation(_RELATIVE_WORDS).replace(" ", r"\s") + r")\b")

# daqui a 2 dias, em uma semana, dentro de 15 dias, dois dias depois de hoje
_COUNT = rf"(?P<count>[0-9]{{1,2}}|\b(?:{number_words(1, 31)})\b)"
_COUNT2 = _COUNT.replace("count", "count2")
_OFFSET = re.compile(
    rf"""
    \b(?:(?:daqui\s+a|daqui|em|dentro\s+de)\s+{_COUNT}\s+(?P<unit>dias?|semanas?)\b
       |{_COUNT2}\s+(?P<unit2>dias?|semanas?)\s+(?:depois\s+de|apos)\s+(?P<base>hoje|amanha)\b)
    (?!\s+(?:de\s+semana|da\s+semana|util|uteis|livres?|qualquer)\b)  # "em 2 dias úteis" counts other days
    """, re.VERBOSE)

# sexta, sexta-feira, 6ª, próxima sexta, sexta que vem, sexta da semana que vem, essa sexta agora
_WEEKDAY = re.compile(
    rf"""
    (?:\b(?P<ordinal>primeira|primeiro|segunda|terceira|quarta|quinta|ultima|ultimo|penultima)\s+(?=[a-z0-9]))?
    (?:\b(?P<this>essa|esta|nessa|nesta|este|esse|neste|nesse)\s+|\b(?P<next>proxima|proximo)\s+)?
    (?<![0-9])\b(?P<name>{_alternation(WEEKDAYS)})s?(?:\s?-?\s?feiras?)?\b\.?
    (?!(?:\s?-?\s?feiras?)?\s+(?:opcao|opcoes|vez|via|chamada|parte|serie|pessoa|geracao|fila|colocada|colocado
       |mao|mes|semana|santa|de\s+cinzas|de\s+carnaval)\b)
    (?:\s+(?:da|na|de)\s+(?P<nextweek>semana\s+que\s+vem|proxima\s+semana|outra\s+semana)\b
      |\s+(?P<later>que\s+vem)\b
      |\s+(?:desta|dessa|nesta|nessa|da|de)\s+(?P<thisweek>semana)\b
      |\s+(?P<now>agora)\b)?
    (?P<dom>,?\s+(?P<number>[0-9]{{1,2}})(?![0-9])
      (?!{_HOUR_AFTER}|\s*/|\s+(?:de|da|pela)\s+(?:manha|tarde|noite|madrugada)|\s*(?:de\s+)?(?:{_alternation(MONTHS)})\b))?
    """, re.VERBOSE)

# "ter" is also the verb "to have" ("vou ter que sair"): the abbreviation counts only when what
# follows reads like the rest of a day or time.
_TUESDAY_CONTEXT = re.compile(
    r"\s*(?:$|[^\w\s]|[0-9]|(?:as|dia|que\s+vem|(?:de|da|a|pela)\s+(?:manha|tarde|noite))\b)")


def exact_date(year: int, month: int, day: int, today: dt.date) -> DaySaid:
    """A date with its year; invalid when it does not exist, past when before today."""
    try:
        named = dt.date(year, month, day)
    except ValueError:
        return DaySaid(invalid=True)
    return DaySaid(day=named, past=named < today)


def next_date(month: int, day: int, today: dt.date) -> DaySaid:
    """The first month/day on or after today; 29/02 may be up to eight years away (2096→2104)."""
    for year in range(today.year, today.year + 9):
        try:
            candidate = dt.date(year, month, day)
        except ValueError:
            continue
        if candidate >= today:
            return DaySaid(day=candidate)
    return DaySaid(invalid=True)


def next_day_of_month(day: int, today: dt.date) -> DaySaid:
    """The next date on or after today that is the `day`th of its month."""
    first = today.replace(day=1)
    # Every month lacking a 29th, 30th or 31st is followed by one that has it, so three months
    # from this one always reach the day if it exists at all.
    for ahead in range(3):
        try:
            candidate = (first + relativedelta(months=ahead)).replace(day=day)
        except ValueError:
            continue
        if candidate >= today:
            return DaySaid(day=candidate)
    return DaySaid(invalid=True)


def _full_year(text: str) -> int:
    return 2000 + int(text) if len(text) == 2 else int(text)  # "26" is 2026


def _iso(match: re.Match, today: dt.date) -> Mention:
    said = exact_date(int(match["year"]), int(match["month"]), int(match["day"]), today)
    return Mention(match.start(), match.end(), day=said)


def _could_be_clock(hour: str, minute: str) -> bool:
    return len(minute) == 2 and int(hour) <= 23 and int(minute) <= 59


def _numeric(match: re.Match, today: dt.date) -> Mention | None:
    day, month = int(match["day"]), int(match["month"])
    if match["year"] is None and match["sep"] == ".":
        # "15.30" is a time, "25.12" a date, "10.12" either (asked, unless "às" or "dia" says), and
        # "1.5" a number.
        if len(match["month"]) < 2:
            return None
        before = match.string[max(0, match.start() - 8):match.start()]
        if re.search(r"\b(?:as|das|ate|pelas|pras)\s*$", before):
            return None
        clock = _could_be_clock(match["day"], match["month"])
        if clock and not re.search(r"\bdia\s*$", before):
            if 1 <= day <= 31 and 1 <= month <= 12:
                return Mention(match.start(), match.end(), unsure=True)
            return None
    if match["year"] is None:
        said = next_date(month, day, today)
    else:
        said = exact_date(_full_year(match["year"]), month, day, today)
    return Mention(match.start(), match.end(), day=said)


def _year(match: re.Match) -> int | None:
    year = match["year"]
    if year is None:
        return None
    if year.isdigit():
        return int(year)
    return 2000 + (number_value(match["tail"]) if match["tail"] else 0)


def _named(match: re.Match, today: dt.date) -> Mention:
    day = 1 if match["day"] == "primeiro" else number_value(match["day"])
    month, year = MONTHS[match["month"]], _year(match)
    said = next_date(month, day, today) if year is None else exact_date(year, month, day, today)
    return Mention(match.start(), match.end(), day=said)


def _day_of_month(match: re.Match, today: dt.date) -> Mention:
    day = 1 if match["day"] == "primeiro" else number_value(match["day"])
    return Mention(match.start(), match.end(), day=next_day_of_month(day, today))


def _relative(match: re.Match, today: dt.date) -> Mention:
    offset = _RELATIVE_WORDS[" ".join(match["word"].split())]
    return Mention(match.start(), match.end(), day=DaySaid(day=today + dt.timedelta(days=offset), past=offset < 0))


def _offset(match: re.Match, today: dt.date) -> Mention | None:
    if re.search(r"\bde\s+\S+\s+$", match.string[max(0, match.start() - 12):match.start()]):
        return None  # "de 15 em 15 dias": every fortnight, not a day
    count = number_value(match["count"] or match["count2"])
    unit = match["unit"] or match["unit2"]
    days = count * (7 if unit.startswith("semana") else 1) + (1 if match["base"] == "amanha" else 0)
    return Mention(match.start(), match.end(), day=DaySaid(day=today + dt.timedelta(days=days)))


def _this_week(today: dt.date, weekday: int) -> set[dt.date]:
    """The weekday in this week, counting weeks from Monday and (as Brazilian calendars do) from Sunday."""
    monday = today - dt.timedelta(days=today.weekday())
    sunday = today - dt.timedelta(days=(today.weekday() + 1) % 7)
    return {monday + dt.timedelta(days=weekday), sunday + dt.timedelta(days=(weekday + 1) % 7)}


def _one_or_options(days: set[dt.date], weekday: int) -> DaySaid:
    if len(days) == 1:
        return DaySaid(day=days.pop(), weekday=weekday)
    return DaySaid(options=tuple(sorted(days)), weekday=weekday)


def weekday_day(today: dt.date, weekday: int, *, later: bool = False, next_week: bool = False,
                this_week: bool = False) -> DaySaid:
    """The day a weekday names: the coming one; or, with "que vem"/"próxima", a later one, asked
    about when people could mean either this week's or next week's."""
    tomorrow = today + dt.timedelta(days=1)
    if next_week:
        return _one_or_options({d + dt.timedelta(days=7) for d in _this_week(today, weekday)}, weekday)
    if this_week:
        ahead = {d for d in _this_week(today, weekday) if d >= today}
        if not ahead:
            return DaySaid(day=today - dt.timedelta(days=(today.weekday() - weekday) % 7), past=True, weekday=weekday)
        return _one_or_options(ahead, weekday)
    if later:
        after = tomorrow + relativedelta(weekday=weekday)
        days = {after} | {d + dt.timedelta(days=7) for d in _this_week(today, weekday)}
        if after == tomorrow:  # people say "amanhã" for tomorrow: "quarta que vem" may be next week's
            days.add(after + dt.timedelta(days=7))
        return _one_or_options(days, weekday)
    coming = today + relativedelta(weekday=weekday)
    return DaySaid(day=coming, weekday=weekday, movable=coming == today)


def _weekday(match: re.Match, today: dt.date) -> Iterator[Mention]:
    name = WEEKDAYS[match["name"]]
    modified = match["next"] or match["later"] or match["nextweek"] or match["thisweek"] or match["this"]
    if match["name"] == "ter" and not modified and not _TUESDAY_CONTEXT.match(match.string, match.end("name")):
        return
    start, end = match.start(), match.end()
    if match["ordinal"]:  # "primeira sexta de julho", "segunda sexta" (two weekdays, or the second Friday?)
        yield Mention(start, end, unsure=True)
        return
    if match["dom"]:
        end = match.start("dom")
        yield _weekday_and_number(match, today, name)
    said = weekday_day(today, name, later=bool(match["next"] or match["later"]),
                       next_week=bool(match["nextweek"]), this_week=bool(match["thisweek"]))
    if match["this"] or match["now"]:
        said = DaySaid(day=said.day, options=said.options, weekday=name)  # "essa terça" on a Tuesday: today
    yield Mention(start, end, day=said)


def _weekday_and_number(match: re.Match, today: dt.date, weekday: int) -> Mention:
    """"sexta 13": Friday the 13th when the next 13th is a Friday. A number that may be an hour
    ("sexta 20": this Friday at 20h, or Friday the 20th?) counts as the day only when both give the
    same day, or when the message says the time elsewhere ("sexta 23 às 4")."""
    number = int(match["number"])
    said = next_day_of_month(number, today)
    if said.day is None or said.day.weekday() != weekday:
        return Mention(match.start(), match.end(), unsure=True)
    coming = today + relativedelta(weekday=weekday)
    if number <= 23 and said.day != coming and not _TIME_LATER.search(match.string, match.end()):
        return Mention(match.start(), match.end(), unsure=True)
    return Mention(match.start(), match.end(), day=DaySaid(day=said.day, weekday=weekday))


# A time said after a day ("... às 4", "... 15h"): the number before it was not the hour.
_TIME_LATER = re.compile(r"\b(?:as|pelas|das)\s+[0-9a-z]|[0-9]\s*(?:h|hs|hrs?|horas?)\b|[0-9][:.][0-9]{2}|\b(?:am|pm)\b")


_READERS: tuple[tuple[re.Pattern, Reader], ...] = (
    (_ISO, _iso),
    (_NUMERIC, _numeric),
    (_NAMED, _named),
    (_MONTH_FIRST, _named),
    (_DAY_OF_MONTH, _day_of_month),
    (_RELATIVE, _relative),
    (_OFFSET, _offset),
    (_WEEKDAY, _weekday),
)


def day_mentions(text: str, today: dt.date) -> list[Mention]:
    """Every expression in `text` (normalized) that names a day, overlapping ones included."""
    return find(text, today, _READERS)
