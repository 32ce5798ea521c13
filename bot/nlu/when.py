"""When a message says: the day, the time or stretch of the day, read from every expression found
and checked against each other. A wrong reading is worse than asking again: words that disagree,
or could mean more than one day or time, give nothing (with the options, for the question)."""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from bot.nlu.clock import PERIODS, clock_mentions, in_period, said_in
from bot.nlu.days import day_mentions
from bot.nlu.mentions import ClockSaid, DaySaid, Mention, WindowSaid
from bot.nlu.text import normalize, turned_down

DAY_MINUTES = 24 * 60

# Opening intervals per weekday (0 = Monday), as minutes after midnight [start, end).
WeeklyHours = Mapping[int, Sequence[tuple[int, int]]]


@dataclass(frozen=True)
class Window:
    """A stretch of the day, [start, end) in minutes after midnight; end 1440 is midnight."""

    start: int
    end: int

    def contains(self, time: dt.time) -> bool:
        """Whether a time of day falls inside the window."""
        return self.start <= time.hour * 60 + time.minute < self.end

    def labels(self) -> tuple[str, str]:
        """("HH:MM", "HH:MM"); the end of the day is "24:00"."""
        return _label(self.start), _label(self.end)


def _label(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@dataclass(frozen=True)
class When:
    """What a message says about when: a day, a time or a window, several days or times it may
    mean (ask which), or an impossible one."""

    day: dt.date | None = None
    time: dt.time | None = None
    invalid: bool = False  # looked like a date or time that does not exist (31/11, 25h)
    past: bool = False  # the day named is before today ("ontem", 10/01/2020)
    window: Window | None = None  # a part of the day or a range ("à tarde", "das 14 às 16")
    day_options: tuple[dt.date, ...] = ()  # the days it may mean ("sexta que vem" on a Monday)
    time_options: tuple[dt.time, ...] = ()  # the times it may mean ("às 8": 08:00 or 20:00)

    @property
    def empty(self) -> bool:
        """True when the message named no day, time or window, not even an impossible one."""
        return (self.day is None and self.time is None and self.window is None and not self.invalid
                and not self.day_options and not self.time_options)


def read_when(text: str, now: dt.date | dt.datetime, hours: WeeklyHours | None = None, *,
              limit: int | None = None) -> When:
    """The day, time or window `text` names, relative to `now` (local); never raises.

    With `hours` (the business's opening intervals) a bare "às 3" takes the 12-hour reading that
    falls inside them, and a weekday naming today whose time has passed means next week's. Without
    them (a date for `now`, or no hours) figures are read as 24-hour ones, as admins type them."""
    if not isinstance(text, str):
        return When()
    folded = normalize(text) if limit is None else normalize(text, limit)
    return read_normalized(folded, now, hours)[0]


def read_normalized(folded: str, now: dt.date | dt.datetime,
                    hours: WeeklyHours | None = None) -> tuple[When, list[Mention]]:
    """`read_when` on text already normalized, with the expressions it read (their spans)."""
    today = now.date() if isinstance(now, dt.datetime) else now
    moment = now.hour * 60 + now.minute if isinstance(now, dt.datetime) else None
    found = mentions = _select(m for m in day_mentions(folded, today) + clock_mentions(folded, today)
                               if not turned_down(folded, m.start, m.end))
    if any(m.unsure for m in mentions):
        return When(), found  # "10.03": a date or a time
    # "amanhã ou depois", "às 10 ou 11": a choice left open; what is offered on both sides is asked
    offered = [m for m in mentions if _alternative(folded, m)]
    if any(m.day is not None for m in offered):
        mentions = [m for m in mentions if m.day is None]
    if any(m.clock is not None or m.window is not None for m in offered):
        mentions = [m for m in mentions if m.clock is None and m.window is None]
    days = [m.day for m in mentions if m.day is not None]
    day, day_options, past, movable, bad_day = _one_day(days)
    clocks = [m.clock for m in mentions if m.clock is not None]
    windows = [m.window for m in mentions if m.window is not None]
    bad_time = any(c.invalid for c in clocks)
    time, time_options, window = _time_and_window([c for c in clocks if not c.invalid], windows, day, hours)
    if movable and day == today and moment is not None and _passed(time, window, day, hours, moment):
        day = day + dt.timedelta(days=7)
    return When(day=day, time=time, invalid=bad_day or bad_time, past=past, window=window,
                day_options=day_options, time_options=time_options), found


def _alternative(text: str, mention: Mention) -> bool:
    """Whether the words offer another choice next to this one ("amanhã ou depois", "ou às 4")."""
    return bool(re.match(r"\s*,?\s*ou\b", text[mention.end:]) or re.search(r"\bou\s*$", text[:mention.start]))


def _select(found: Iterable[Mention]) -> list[Mention]:
    """The longest expressions that do not overlap; on a tie a day reading wins over a time one
    ("25.12" is a date, not 25 o'clock)."""
    ordered = sorted(found, key=lambda m: (-m.size, m.day is None and not m.unsure, m.start))
    chosen: list[Mention] = []
    for mention in ordered:
        if not any(mention.overlaps(other) for other in chosen):
            chosen.append(mention)
    return sorted(chosen, key=lambda m: m.start)


def _one_day(days: list[DaySaid]) -> tuple[dt.date | None, tuple[dt.date, ...], bool, bool, bool]:
    """(day, options, past, movable, invalid) from every day named: one date, a weekday and a date
    that agree ("sexta, 25/12" when the 25th is a Friday), or nothing when they disagree."""
    invalid = any(d.invalid for d in days)
    valid = [d for d in days if not d.invalid]
    if not valid:
        return None, (), False, False, invalid
    if len(valid) == 1:
        only = valid[0]
        return only.day, only.options, only.past, only.movable, invalid
    dates = {d.day for d in valid if d.weekday is None and d.day is not None}
    weekdays = [d for d in valid if d.weekday is not None]
    if len(dates) > 1:
        return None, tuple(sorted(dates)), False, False, invalid
    if dates:
        (date,) = dates
        if all(date.weekday() == d.weekday for d in weekdays):
            return date, (), any(d.past for d in valid if d.day == date), False, invalid
        return None, (), False, False, invalid
    common = set.intersection(*({d.day} if d.day else set(d.options) for d in weekdays))
    if len(common) == 1:
        return common.pop(), (), False, all(d.movable for d in weekdays), invalid
    return None, tuple(sorted(common)), False, False, invalid


def _time_and_window(clocks: list[ClockSaid], windows: list[WindowSaid], day: dt.date | None,
                     hours: WeeklyHours | None) -> tuple[dt.time | None, tuple[dt.time, ...], Window | None]:
    """The time (or the times it may be), or else the window, from the clocks and stretches named."""
    if not clocks:
        return None, (), _one_window(windows, day, hours)
    periods = {w.period for w in windows if w.period}
    period = periods.pop() if len(periods) == 1 else None
    each: list[set[int]] = []
    for clock in clocks:
        if period and not clock.fixed:
            clock = in_period(clock, period)  # "à tarde, às 3"
            if clock.invalid:
                return None, (), None
        each.append(_clock_readings(clock, day, hours))
    readings = set.union(*each)
    if any(found != each[0] for found in each):  # "14h ou 15h": two times, asked
        return None, tuple(_time(r) for r in sorted(readings)), None
    fitting = {r for r in readings if all(_fits(r, w, day, hours) for w in windows)}
    if len(fitting) == 1:
        return _time(fitting.pop()), (), None  # a window may settle the 12-hour doubt
    return None, tuple(_time(r) for r in sorted(fitting or readings)), None


def _time(minutes: int) -> dt.time:
    return dt.time(minutes // 60, minutes % 60)


def _intervals(day: dt.date | None, hours: WeeklyHours) -> list[Sequence[tuple[int, int]]]:
    """Where to look for a reading inside opening hours: the day's, then the whole week's."""
    week = [interval for spans in hours.values() for interval in spans]
    if day is not None and hours.get(day.weekday()):
        return [hours[day.weekday()], week]
    return [week]


def _clock_readings(clock: ClockSaid, day: dt.date | None, hours: WeeklyHours | None) -> set[int]:
    """The readings of a clock: its one reading, the one of two inside opening hours, or both."""
    readings = clock.readings()
    if len(readings) == 1:
        return set(readings)
    if hours is None:
        return {readings[0]}  # no hours known: the figure as written, a 24-hour one
    for intervals in _intervals(day, hours):
        inside = {r for r in readings if any(start <= r < end for start, end in intervals)}
        if len(inside) == 1:
            return inside
        if inside:
            break
    # Both readings open (or neither): "às 3" asks; "10h" and "10:30" mean what they say.
    return {readings[0]} if clock.written else set(readings)


def _fits(minutes: int, window: WindowSaid, day: dt.date | None, hours: WeeklyHours | None) -> bool:
    """Whether a time agrees with a stretch of the day also named ("amanhã à tarde às 3")."""
    if window.period and window.start is None and window.end is None:
        return said_in(minutes, window.period)
    resolved = _resolve_window(window, day, hours)
    return resolved is None or resolved.start <= minutes < resolved.end


def _one_window(windows: list[WindowSaid], day: dt.date | None, hours: WeeklyHours | None) -> Window | None:
    """The stretch all the windows named share ("à tarde, depois das 3": 15:00-18:00), if any."""
    if not windows:
        return None
    start, end = 0, DAY_MINUTES
    for said in windows:
        resolved = _resolve_window(said, day, hours)
        if resolved is None:
            return None
        start, end = max(start, resolved.start), min(end, resolved.end)
    return Window(start, end) if start < end else None


def _resolve_window(said: WindowSaid, day: dt.date | None, hours: WeeklyHours | None) -> Window | None:
    """A window's bounds, each end's 12-hour doubt settled by opening hours; None when it stays."""
    if said.period and said.start is None and said.end is None:
        return Window(*PERIODS[said.period])
    starts = said.start.readings() if said.start else (0,)
    ends = said.end.readings() if said.end else (DAY_MINUTES,)
    pairs = [(s, e) for s in starts for e in ends if s < e]
    if len(pairs) > 1 and hours is None:
        pairs = [(starts[0], ends[0])] if starts[0] < ends[0] else pairs[:1]
    if len(pairs) > 1:
        for intervals in _intervals(day, hours):
            inside = [(s, e) for s, e in pairs
                      if (said.start is None or any(a <= s < b for a, b in intervals))
                      and (said.end is None or any(a < e <= b for a, b in intervals))]
            if len(inside) == 1:
                pairs = inside
                break
            if inside:
                return None
    return Window(*pairs[0]) if len(pairs) == 1 else None


def _passed(time: dt.time | None, window: Window | None, day: dt.date, hours: WeeklyHours | None,
            moment: int) -> bool:
    """Whether what was asked of today is over: the time, the window, or else the opening hours."""
    if time is not None:
        return time.hour * 60 + time.minute < moment
    if window is not None:
        return window.end <= moment
    today = (hours or {}).get(day.weekday())
    return bool(today) and max(end for _, end in today) <= moment
