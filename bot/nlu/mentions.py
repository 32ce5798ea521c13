"""What the day and time readers find in a message: each mention, where it is, and what it says."""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class DaySaid:
    """A day named: one date, several it may be (ask which), or one that does not exist."""

    day: dt.date | None = None
    options: tuple[dt.date, ...] = ()
    invalid: bool = False
    past: bool = False
    weekday: int | None = None  # the weekday the words name (0 = Monday), to check against a date
    movable: bool = False  # a bare weekday naming today: next week's once today's time has passed


@dataclass(frozen=True)
class ClockSaid:
    """A time of day as written. `fixed` when the words leave no 12-hour doubt ("15h", "3 da tarde",
    "03:00"); otherwise `hour` is 1-11 and may mean hour + 12."""

    hour: int
    minute: int
    fixed: bool
    invalid: bool = False
    written: bool = False  # digits with "h" or minutes ("10h", "10:30"): read as written unless that is closed

    def readings(self) -> tuple[int, ...]:
        """The minutes after midnight it may mean: one, or the morning and the afternoon one."""
        first = self.hour * 60 + self.minute
        return (first,) if self.fixed else (first, first + 12 * 60)


@dataclass(frozen=True)
class WindowSaid:
    """A stretch of the day: a part of it ("à tarde": `period`, fixed bounds), a range ("das 14 às
    16") or an open bound ("depois das 17h"), whose ends may carry 12-hour doubt."""

    start: ClockSaid | None = None  # None: from midnight
    end: ClockSaid | None = None  # None: to midnight
    period: str | None = None  # manha, tarde, noite, madrugada: also resolves a bare hour


@dataclass(frozen=True)
class Mention:
    """One expression found at text[start:end]. `unsure` marks words that could mean a day or time
    in more than one way: nothing is taken from them, and they stop a guess elsewhere."""

    start: int
    end: int
    day: DaySaid | None = None
    clock: ClockSaid | None = None
    window: WindowSaid | None = None
    unsure: bool = False

    @property
    def size(self) -> int:
        return self.end - self.start

    def overlaps(self, other: Mention) -> bool:
        return self.start < other.end and other.start < self.end


# A reader turns one regex match into mentions: none, one, or several.
Reader = Callable[[re.Match, dt.date], "Mention | Iterable[Mention] | None"]


def find(text: str, today: dt.date, readers: Sequence[tuple[re.Pattern, Reader]]) -> list[Mention]:
    """Every mention the readers find in `text`, overlapping ones included."""
    found: list[Mention] = []
    for pattern, read in readers:
        for match in pattern.finditer(text):
            result = read(match, today)
            if isinstance(result, Mention):
                found.append(result)
            elif result is not None:
                found.extend(result)
    return found
