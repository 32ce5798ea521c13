"""The times of day people write: "15h", "15.30", "às 3", "três e quinze da tarde", "quinze para o
meio dia", parts of the day ("à tarde", "fim da tarde", "depois do almoço") and stretches ("entre 14
e 16h", "das 14 às 16", "depois das 17h", "antes das 10"). Each reader works on normalized text."""
from __future__ import annotations

import datetime as dt
import re

from bot.nlu.mentions import ClockSaid, DaySaid, Mention, Reader, WindowSaid, find
from bot.nlu.text import number_value, number_words

# Parts of the day, as minutes after midnight [start, end). A bare hour said with one of them takes
# its reading ("as 7 da noite" is 19:00).
PERIODS = {"madrugada": (0, 6 * 60), "manha": (6 * 60, 12 * 60), "tarde": (12 * 60, 18 * 60),
           "noite": (18 * 60, 24 * 60)}

# Named stretches of the day.
_STRETCHES = {
    "cedo": (6 * 60, 10 * 60),
    "inicio da manha": (6 * 60, 9 * 60),
    "fim da manha": (10 * 60, 12 * 60),
    "inicio da tarde": (12 * 60, 15 * 60),
    "meio da tarde": (14 * 60, 17 * 60),
    "fim da tarde": (16 * 60, 19 * 60),
    "almoco": (12 * 60, 14 * 60),
    "depois do almoco": (13 * 60, 16 * 60),
    "antes do almoco": (0, 12 * 60),
}

# The hours people place in each part of the day when they say one: "3 da manhã" is 03:00,
# "8 da tarde" 20:00, "12 da noite" midnight. Wider than PERIODS, which is what a part alone means.
_SAID_IN = {"madrugada": (0, 7 * 60), "manha": (0, 13 * 60), "tarde": (12 * 60, 21 * 60),
            "noite": (17 * 60, 24 * 60)}

_SUFFIX = r"(?:horas?|hrs?|hras|hs|h)"
_AT = r"(?:as|pelas|pras|para\s+as|por\s+volta\s+das|perto\s+das|la\s+pelas)"
_PERIOD_LINK = r"(?:da|de|pela|a|na|desta|dessa|nesta|nessa|esta|essa|do\s+dia\s+de)"

# An hour, in digits or words (1-23). "uma" ... "vinte e tres".
_HOUR_WORDS = number_words(1, 23)
# Minutes after "e": "e meia", "e quinze", "e 45", "e quarenta e cinco".
_MINUTE_WORDS = number_words(1, 59)

# The body of a time: hour, then minutes in one of the ways people write them, then am/pm and a
# part of the day. Named groups are prefixed so that a range can hold two of them.
_CLOCK_BODY = rf"""
    (?:(?<![0-9:.,/$])(?P<{{p}}hnum>[0-9]{{{{1,2}}}})(?![0-9])|\b(?P<{{p}}hword>{_HOUR_WORDS})\b)
    (?:
        [:.](?P<{{p}}mm>[0-9]{{{{2}}}})(?![0-9])(?:\s*{_SUFFIX}\b)?
      | \s*(?P<{{p}}suffix>{_SUFFIX})(?:\s*(?P<{{p}}mm2>[0-9]{{{{2}}}})(?![0-9])(?:\s*(?:minutos|min|m)\b)?)?(?![a-z0-9])
    )?
    (?:\s*(?P<{{p}}ampm>am|pm)\b)?
    (?:\s+e\s+(?P<{{p}}plus>meia|{_MINUTE_WORDS}|[0-9]{{{{1,2}}}})(?![0-9])(?:\s*(?:minutos|min)\b)?)?
    (?:\s*(?P<{{p}}ampm2>am|pm)\b)?
    (?:\s+em\s+ponto\b)?
    (?:\s+{_PERIOD_LINK}\s+(?P<{{p}}period>manha|tarde|noite|madrugada)\b)?
"""


def _body(prefix: str) -> str:
    return _CLOCK_BODY.format(p=prefix)


_CLOCK = re.compile(rf"(?:\b(?P<at>{_AT})\s+)?{_body('')}", re.VERBOSE)

# "340pm", "1140 am": hours and minutes run together, made a time by am/pm
_COMPACT = re.compile(r"(?<![0-9:.,/$])(?P<hour>[0-9]{1,2})(?P<minute>[0-9]{2})\s?(?P<ampm>am|pm)\b")

# "meio dia", "meia noite e meia", "ao meio dia e quinze"
_NOON = re.compile(
    rf"\b(?P<word>meio\sdia|meia\snoite)\b(?:\s+e\s+(?P<plus>meia|{_MINUTE_WORDS}|[0-9]{{1,2}})\b(?![:.]))?", re.VERBOSE)

# "quinze para as 9", "5 pro meio dia", "dez pras 3": minutes before an hour
_BEFORE = re.compile(
    rf"""
    (?<![0-9:.,/$])\b(?P<minutes>5|10|15|20|25|cinco|dez|quinze|vinte|vinte\se\scinco|[0-9]{{1,2}}\s*(?:minutos|min))
    \s+(?:para|pra|pras|pro|p/)\s+(?:as\s+|o\s+|a\s+)?
    (?:(?P<noon>meio\sdia|meia\snoite)\b|{_body('t')})
    """, re.VERBOSE)

# Parts of the day: "de manhã", "à tarde", "hoje à noite", "esta noite", "fim da tarde",
# "depois do almoço", "amanhã cedo". Not "boa tarde" (a greeting) nor "mais tarde" (later).
_PART = re.compile(
    r"""
    (?:\b(?P<this>esta|essa|nesta|nessa|desta|dessa)\s+(?P<thisperiod>manha|tarde|noite|madrugada)\b
      |\b(?P<edge>inicio|comeco|comecinho|fim|final|finalzinho|meio)\s+(?:da|de)\s+(?P<edgeperiod>manha|tarde)\b
      |\b(?:de|da|pela|a|na|no|ao|pra|para)\s+(?P<period>manha|tarde|noite|madrugada)\b(?:\s+(?P<early>cedo|cedinho)\b)?
      |\b(?P<meal>(?:depois|apos|antes)\s+(?:do|o)\s+almoco|(?:hora|horario)\s+do\s+almoco|no\s+almoco)\b
      |(?<=\bhoje\s)(?P<early2>cedo|cedinho)\b|(?<=\bamanha\s)(?P<early3>cedo|cedinho)\b
      |^\s*(?P<alone>manha|tarde|noite)\W*$)
    """, re.VERBOSE)

# "entre 14 e 16h", "das 14 às 16", "de 5 a 6pm", "14h-16h", "das 9 até as 11"
_RANGE = re.compile(
    rf"""
    (?:\b(?P<lead>entre|das|de|desde)\s+(?:as\s+)?)?
    {_body('a')}
    \s*(?P<sep>-|–|\be\b|\bas\b|\ba\b|\bate\b|\bate\s+as\b|\be\s+as\b|\ba\s+as\b)\s*
    {_body('b')}
    """, re.VERBOSE)

# "depois das 17h", "a partir das 3", "antes das 10", "até as 11h", "não mais que meio dia"
_BOUND = re.compile(
    rf"""
    \b(?:(?P<after>depois|apos|a\s+partir)|(?P<before>antes|ate|nao\s+mais\s+(?:que|do\s+que|de)|no\s+maximo))
    \s+(?:d?as|dos|d?a|do|ao|de|o)?\s*
    (?:(?P<noon>meio\sdia|meia\snoite)\b|{_body('c')})
    """, re.VERBOSE)

# Words before a number that make it a count of hours, not a time ("leva 2 horas", "daqui a 2 horas")
_DURATION_BEFORE = re.compile(r"\b(?:daqui\s+a|daqui|em|dura|durar|leva|levar|demora|demorar|durante|por|ha|faz|"
                              r"umas|uns|mais\s+de|menos\s+de|de|cerca\s+de)\s+$")
# Words before or after a number that make it money ("R$ 15.00", "custa 35", "15.00 reais")
_MONEY = re.compile(r"(?:\$|\br\$|\bus\$?|\bpreco|\bvalor|\bcusta|\bcusto|\bcobra|\bcobram|\bpagar|\bpago|\bpix|\btotal)"
                    r"[^0-9]{0,12}$")

_MONEY_AFTER = re.compile(r"\s*(?:reais|real|r\$|\$|conto|contos|pila)")
# Words after a number that make it a count of something else ("às 3 pessoas", "2 cortes")
_UNIT_AFTER = re.compile(r"\s*(?:pessoas?|dias|semanas?|meses|anos?|cortes?|vezes|minutos|semanais)\b")


def _hour(match: re.Match, p: str) -> int:
    return number_value(match[p + "hnum"] or match[p + "hword"])


def _read_body(match: re.Match, p: str) -> ClockSaid:
    """The clock a matched body says (its 12-hour doubt kept), or an invalid one."""
    hour = _hour(match, p)
    minute_text = match[p + "mm"] or match[p + "mm2"]
    plus = match[p + "plus"]
    minute = int(minute_text) if minute_text else 0
    if plus:
        minute += 30 if plus == "meia" else number_value(plus)
    if hour > 23 or minute > 59:
        return ClockSaid(0, 0, fixed=True, invalid=True)
    ampm = match[p + "ampm"] or match[p + "ampm2"]
    period = match[p + "period"]
    zero_padded = bool(match[p + "hnum"]) and len(match[p + "hnum"]) == 2 and match[p + "hnum"].startswith("0")
    if ampm:
        return _with_ampm(hour, minute, ampm)
    if period:
        return in_period(ClockSaid(hour, minute, fixed=False), period)
    fixed = hour == 0 or hour >= 12 or zero_padded
    written = bool(match[p + "hnum"]) and bool(match[p + "suffix"] or match[p + "mm"])
    return ClockSaid(hour, minute, fixed=fixed, written=written)


def _with_ampm(hour: int, minute: int, ampm: str) -> ClockSaid:
    if hour > 12 or hour == 0:
        return ClockSaid(hour, minute, fixed=True)  # "15h pm": the 24-hour figure wins
    return ClockSaid(hour % 12 + (12 if ampm == "pm" else 0), minute, fixed=True)


def in_period(clock: ClockSaid, period: str) -> ClockSaid:
    """The clock read inside a part of the day: "3 da tarde" is 15:00, "12 da noite" midnight;
    a 24-hour figure outside it ("20h da manhã") is invalid."""
    hour = clock.hour
    if hour <= 12:
        if period in ("tarde", "noite") and 1 <= hour <= 11:
            hour += 12
        elif period in ("noite", "madrugada") and hour == 12:
            hour = 0
    return ClockSaid(hour, clock.minute, fixed=True, invalid=not said_in(hour * 60 + clock.minute, period))


def said_in(minutes: int, period: str) -> bool:
    """Whether people would say this time (minutes after midnight) with this part of the day."""
    low, high = _SAID_IN[period]
    return low <= minutes < high or (period == "noite" and minutes < 60)  # "meia noite e meia"


def _has_marker(match: re.Match, p: str, at: bool) -> bool:
    """Whether the words make the number a time: "às", minutes, "h", am/pm, a part of the day,
    or an hour in words with minutes ("seis e meia")."""
    if at or match[p + "mm"] or match[p + "mm2"] or match[p + "suffix"] or match[p + "ampm"] \
            or match[p + "ampm2"] or match[p + "period"]:
        return True
    plus = match[p + "plus"]
    return bool(plus and (match[p + "hword"] or not plus.isdigit()))


def _counted(text: str, start: int, *, certain: bool = False) -> bool:
    """Whether the number at `start` is money ("R$ 15.00") or, unless the words make it `certain`
    to be a time, counts hours ("leva 2 horas")."""
    before = text[max(0, start - 24):start]
    return bool(_MONEY.search(before) or (not certain and _DURATION_BEFORE.search(before)))


# "as" is also the plural article ("as três opções", "quero as duas"): when it is all that makes a
# number a time, what follows must read like the rest of a request, not a noun.
_AFTER_BARE_AT = re.compile(
    r"\s*(?:$|[^\w\s]|(?:hoje|amanha|depois|de|da|do|no|na|nessa|dessa|com|pode|por|ta|ok|entao|ou|mesmo|certinho|"
    r"em|pra|para|sim|dia|tem|que|fica|serve|beleza|blz|obrigado|obrigada|valeu|esta|essa|seria|e|"
    r"segunda|terca|quarta|quinta|sexta|sabado|domingo|seg|ter|qua|qui|sex|sab|dom)\b)")

# "às 10 esta noite": the part of the day also says the day
_THIS_PART = re.compile(r"\b(?:esta|essa|nesta|nessa|desta|dessa)\s+(?:manha|tarde|noite|madrugada)\b")


def _clock(match: re.Match, today: dt.date) -> Mention | None:
    if not _has_marker(match, "", bool(match["at"])):
        return None
    certain = match["mm"] or match["period"] or match["ampm"] or match["ampm2"]  # a time, not a count
    if not match["at"] and _counted(match.string, match.start(), certain=bool(certain)):
        return None
    if not match["at"] and match["hword"] and not (match["suffix"] or match["plus"] or certain):
        return None
    if _MONEY_AFTER.match(match.string, match.end()) or (not certain and _UNIT_AFTER.match(match.string, match.end())):
        return None  # "15.00 reais", "às 3 pessoas", "2 horas semanais"
    if match["suffix"] == "hora" and not (match["at"] or certain or match["plus"]):
        return None  # "1 hora?": how long, not when
    if match["at"] == "as" and not (match["suffix"] or match["plus"] or certain) \
            and not _AFTER_BARE_AT.match(match.string, match.end()):
        return None  # "as três opções"
    said = _read_body(match, "")
    if _THIS_PART.search(match.group(0)):
        return Mention(match.start(), match.end(), clock=said, day=DaySaid(day=today))
    return Mention(match.start(), match.end(), clock=said)


def _compact(match: re.Match, today: dt.date) -> Mention:
    hour, minute = int(match["hour"]), int(match["minute"])
    if hour > 12 or minute > 59:
        return Mention(match.start(), match.end(), clock=ClockSaid(0, 0, fixed=True, invalid=True))
    return Mention(match.start(), match.end(), clock=_with_ampm(hour, minute, match["ampm"]))


def _noon(match: re.Match, today: dt.date) -> Mention:
    hour = 12 if match["word"].startswith("meio") else 0
    plus = match["plus"]
    minute = 0 if plus is None else 30 if plus == "meia" else number_value(plus)
    if minute > 59:
        return Mention(match.start(), match.end(), clock=ClockSaid(0, 0, fixed=True, invalid=True))
    return Mention(match.start(), match.end(), clock=ClockSaid(hour, minute, fixed=True))


def _before(match: re.Match, today: dt.date) -> Mention | None:
    minutes = number_value(re.sub(r"\s*(?:minutos|min)$", "", match["minutes"]))
    if match["noon"]:
        target = ClockSaid(12 if match["noon"].startswith("meio") else 24, 0, fixed=True)
    else:
        target = _read_body(match, "t")
        if target.invalid or target.minute:
            return None
    total = target.hour * 60 - minutes
    hour, minute = divmod(total % (24 * 60), 60)
    # "quinze para as 3" keeps the doubt of "as 3": 14:45 or 02:45
    return Mention(match.start(), match.end(), clock=ClockSaid(hour, minute, fixed=target.fixed or hour == 0))


def _part(match: re.Match, today: dt.date) -> Mention:
    if match["this"]:
        period = match["thisperiod"]
        return Mention(match.start(), match.end(), day=DaySaid(day=today),
                       window=WindowSaid(period=period))
    if match["edge"]:
        edge = {"comeco": "inicio", "comecinho": "inicio", "final": "fim", "finalzinho": "fim"}.get(
            match["edge"], match["edge"])
        return _stretch(match, f"{edge} da {match['edgeperiod']}", match["edgeperiod"])
    if match["period"]:
        if match["early"]:
            return _stretch(match, "cedo", "manha")
        return Mention(match.start(), match.end(), window=WindowSaid(period=match["period"]))
    if match["meal"]:
        meal = " ".join(match["meal"].split())
        key = "almoco" if meal.startswith(("hora", "horario", "no")) else \
            ("antes" if meal.startswith("antes") else "depois") + " do almoco"
        return _stretch(match, key, None)
    if match["early2"] or match["early3"]:
        return _stretch(match, "cedo", "manha")
    return Mention(match.start(), match.end(), window=WindowSaid(period=match["alone"]))


def _stretch(match: re.Match, name: str, period: str | None) -> Mention:
    start, end = _STRETCHES[name]
    return Mention(match.start(), match.end(), window=WindowSaid(
        start=_minutes(start), end=_minutes(end) if end < 24 * 60 else None, period=period))


def _minutes(minutes: int) -> ClockSaid:
    return ClockSaid(minutes // 60, minutes % 60, fixed=True)


def _range(match: re.Match, today: dt.date) -> Mention | None:
    lead = match["lead"]
    start, end = _read_body(match, "a"), _read_body(match, "b")
    marked = _has_marker(match, "a", False) or _has_marker(match, "b", False)
    if lead is None and re.search(r"\bdia\s+$", match.string[max(0, match.start() - 5):match.start()]):
        return None  # "dia 10 às 16h30": a day, then a time
    if lead is None and not marked and match["sep"].strip() in ("as", "ate", "-", "ate as"):
        return Mention(match.start(), match.end(), unsure=True)  # "sexta 14 às 16": a range, or the 14th?
    if lead in (None, "de", "desde") and not marked:
        return None  # "3 e 10", "de 3 a 5 dias": counts, not hours
    if lead is None and match["sep"].strip() in ("e", "a") and not _has_marker(match, "a", False):
        return None
    if lead == "entre" and not marked and "as" not in match.group(0).split() \
            and max(_hour(match, "a"), _hour(match, "b")) < 13:
        return None  # "entre 3 e 10"
    if _counted(match.string, match.start()) and not lead:
        return None
    if _MONEY_AFTER.match(match.string, match.end()) or _UNIT_AFTER.match(match.string, match.end()):
        return None
    if start.invalid or end.invalid:
        return Mention(match.start(), match.end(), clock=ClockSaid(0, 0, fixed=True, invalid=True))
    start, end = _share_half(match, start, end)
    return Mention(match.start(), match.end(), window=WindowSaid(start=start, end=end))


def _share_half(match: re.Match, start: ClockSaid, end: ClockSaid) -> tuple[ClockSaid, ClockSaid]:
    """"de 5 a 6pm", "entre as 5 e 6 da tarde": the end's am/pm or part of the day speaks for both."""
    period = match["bperiod"] if not (match["aperiod"] or match["aampm"] or match["aampm2"]) else None
    ampm = (match["bampm"] or match["bampm2"]) if not (match["aperiod"] or match["aampm"] or match["aampm2"]) else None
    if start.fixed or not (period or ampm):
        return start, end
    shared = _with_ampm(start.hour, start.minute, ampm) if ampm else in_period(start, period)
    ends = end.hour * 60 + end.minute
    if not shared.invalid and shared.hour * 60 + shared.minute < ends:
        return shared, end
    return start, end


def _bound(match: re.Match, today: dt.date) -> Mention | None:
    if match["noon"]:
        clock = ClockSaid(12, 0, fixed=True) if match["noon"].startswith("meio") else None
    else:
        clock = _read_body(match, "c")
        if clock.invalid:
            return Mention(match.start(), match.end(), clock=clock)
        words = match.group(0).split()
        if not (_has_marker(match, "c", False) or {"as", "das"} & set(words)):
            return None  # "depois de 3 dias", "até 5": not hours
    if match["after"]:
        return Mention(match.start(), match.end(), window=WindowSaid(start=clock or ClockSaid(0, 0, fixed=True)))
    if clock is None:  # "antes da meia noite": the whole day
        return Mention(match.start(), match.end(), window=WindowSaid())
    return Mention(match.start(), match.end(), window=WindowSaid(end=clock))


_READERS: tuple[tuple[re.Pattern, Reader], ...] = (
    (_CLOCK, _clock),
    (_COMPACT, _compact),
    (_NOON, _noon),
    (_BEFORE, _before),
    (_PART, _part),
    (_RANGE, _range),
    (_BOUND, _bound),
)


def clock_mentions(text: str, today: dt.date) -> list[Mention]:
    """Every expression in `text` (normalized) that names a time or a stretch of the day."""
    return find(text, today, _READERS)
