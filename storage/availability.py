"""When a professional is free: opening hours minus blocks minus booked appointments minus the
live holds of waitlist offers (a hold is busy for everyone but the customer it is offered to).

Computed in the business time zone, answered in UTC. One `Calendar` loads everything a window
of days needs in four queries, then answers per day in memory.
"""
from __future__ import annotations

import bisect
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from storage import clock
from storage.models import MAX_DURATION, Appointment, Block, BusinessHours, WaitlistEntry

UTC = dt.UTC

Interval = tuple[dt.datetime, dt.datetime]


@dataclass(frozen=True)
class Rules:
    """The business's booking settings. Which of them bind a caller is `booking.Policy`'s say."""

    tz: ZoneInfo
    slot_step: dt.timedelta = dt.timedelta(minutes=30)
    min_notice: dt.timedelta = dt.timedelta(hours=2)  # how far ahead a booking must be
    horizon: dt.timedelta = dt.timedelta(days=30)  # how far ahead a booking may be
    change_notice: dt.timedelta = dt.timedelta(hours=2)  # until when a customer may cancel or move
    no_show_limit: int | None = None  # NO_SHOW_LIMIT: from this many, bookings need approval (None: off)

    @classmethod
    def from_settings(cls, settings) -> Rules:
        return cls(tz=settings.timezone, slot_step=settings.slot_step, min_notice=settings.min_notice,
                   horizon=settings.booking_horizon, change_notice=settings.cancel_min_notice,
                   no_show_limit=settings.no_show_limit)

    def local_day_bounds(self, day: dt.date) -> Interval:
        """The UTC moments where a local calendar day starts and ends."""
        start = dt.datetime.combine(day, dt.time(0), tzinfo=self.tz)
        end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tzinfo=self.tz)
        return start.astimezone(UTC), end.astimezone(UTC)

    def last_day(self, now: dt.datetime) -> dt.date:
        return (now + self.horizon).astimezone(self.tz).date()


def weekly_hours(professional_ids: Iterable[int]) -> dict[int | None, dict[int, list[tuple[int, int]]]]:
    """Opening intervals per weekday, for each professional with hours of their own and for the
    business (key None), which applies to everyone without their own."""
    ids = list(professional_ids) or [0]
    rows = (BusinessHours.select(BusinessHours.professional, BusinessHours.weekday,
                                 BusinessHours.start_minute, BusinessHours.end_minute)
            .where(BusinessHours.professional.is_null() | BusinessHours.professional.in_(ids))
            .order_by(BusinessHours.start_minute).tuples())
    hours: dict[int | None, dict[int, list[tuple[int, int]]]] = defaultdict(lambda: defaultdict(list))
    for professional_id, weekday, start_minute, end_minute in rows:
        hours[professional_id][weekday].append((start_minute, end_minute))
    return hours


def subtract(intervals: Sequence[Interval], holes: Sequence[Interval]) -> list[Interval]:
    """The parts of `intervals` not covered by any of `holes`."""
    result = []
    for start, end in intervals:
        pieces = [(start, end)]
        for h_start, h_end in holes:
            next_pieces = []
            for p_start, p_end in pieces:
                if h_end <= p_start or h_start >= p_end:
                    next_pieces.append((p_start, p_end))
                    continue
                if p_start < h_start:
                    next_pieces.append((p_start, h_start))
                if h_end < p_end:
                    next_pieces.append((h_end, p_end))
            pieces = next_pieces
        result.extend(pieces)
    return result


class Calendar:
    """Hours, blocks, bookings and waitlist holds of some professionals over a window of local
    days. `holder`: the customer asking, whose own held slot is free for them."""

    def __init__(self, rules: Rules, professional_ids: Iterable[int], first_day: dt.date,
                 last_day: dt.date, *, exclude_appointment: int | None = None, holder: int | None = None,
                 now: dt.datetime | None = None):
        self.rules = rules
        self.professional_ids = list(professional_ids)
        self.first_day = first_day
        self.last_day = last_day
        start, _ = rules.local_day_bounds(first_day)
        _, end = rules.local_day_bounds(last_day)
        self.window = (start, end)
        ids = self.professional_ids or [0]
        self._hours = weekly_hours(ids)
        block_rows = (Block.select(Block.professional, Block.starts_at, Block.ends_at)
                      .where((Block.starts_at < end) & (Block.ends_at > start)
                             & (Block.professional.is_null() | Block.professional.in_(ids))).tuples())
        appointment_rows = (Appointment.occupying(ids, start, end, exclude=exclude_appointment)
                            .select(Appointment.professional, Appointment.date, Appointment.end).tuples())
        self._blocks: dict[int | None, list[Interval]] = defaultdict(list)
        for professional_id, begins, ends in block_rows:
            self._blocks[professional_id].append((begins, ends))
        hold_rows = (WaitlistEntry.holding(ids, start, end, now or clock.now(), holder)
                     .select(WaitlistEntry.held_professional, WaitlistEntry.held_start, WaitlistEntry.held_end)
                     .tuples())
        self._busy: dict[int, list[Interval]] = defaultdict(list)
        for professional_id, begins, ends in [*appointment_rows, *hold_rows]:
            self._busy[professional_id].append((begins, ends))
        # Sorted by start, so a day's bookings are found by bisection, not by scanning the window.
        self._starts = {pid: [b for b, _ in sorted(busy)] for pid, busy in self._busy.items()}
        for busy in self._busy.values():
            busy.sort()

    def hours_of(self, professional_id: int) -> dict[int, list[tuple[int, int]]]:
        own = self._hours.get(professional_id)
        return own if own else self._hours.get(None, {})

    def opening(self, professional_id: int, day: dt.date) -> list[Interval]:
        """Opening intervals of that local day, in UTC, before blocks."""
        intervals = []
        for start_minute, end_minute in sorted(self.hours_of(professional_id).get(day.weekday(), [])):
            midnight = dt.datetime.combine(day, dt.time(0), tzinfo=self.rules.tz)
            start = (midnight + dt.timedelta(minutes=start_minute)).astimezone(UTC)
            end = (midnight + dt.timedelta(minutes=end_minute)).astimezone(UTC)
            if end > start:
                intervals.append((start, end))
        return intervals

    def open_intervals(self, professional_id: int, day: dt.date) -> list[Interval]:
        """Opening intervals of that day minus the blocks that apply to the professional."""
        holes = self._blocks.get(None, []) + self._blocks.get(professional_id, [])
        return subtract(self.opening(professional_id, day), holes)

    def busy(self, professional_id: int, within: Interval | None = None) -> list[Interval]:
        """The professional's booked intervals (only those overlapping `within`, when given)."""
        busy = self._busy.get(professional_id, [])
        if within is None or not busy:
            return busy
        starts = self._starts[professional_id]
        low = bisect.bisect_left(starts, within[0] - MAX_DURATION)
        high = bisect.bisect_left(starts, within[1])
        return [b for b in busy[low:high] if b[1] > within[0]]

    def free_starts(self, professional_id: int, day: dt.date, duration: dt.timedelta,
                    now: dt.datetime) -> list[dt.datetime]:
        """Start times (UTC) on that day where `duration` fits, respecting notice and horizon."""
        if day > self.rules.last_day(now):
            return []
        earliest = now + self.rules.min_notice
        busy = self.busy(professional_id, self.rules.local_day_bounds(day))
        starts = []
        for open_start, open_end in self.open_intervals(professional_id, day):
            start = open_start
            while start + duration <= open_end:
                end = start + duration
                if start >= earliest and not any(b_start < end and start < b_end for b_start, b_end in busy):
                    starts.append(start)
                start += self.rules.slot_step
        return starts

    def free_gaps(self, professional_id: int, day: dt.date) -> list[Interval]:
        """The open time of that day not taken by appointments (for the owner's agenda)."""
        return subtract(self.open_intervals(professional_id, day),
                        self.busy(professional_id, self.rules.local_day_bounds(day)))

    def fits(self, professional_id: int, start: dt.datetime, end: dt.datetime) -> bool:
        """True when [start, end) lies inside one open interval of its day (hours minus blocks)."""
        day = start.astimezone(self.rules.tz).date()
        return any(o_start <= start and end <= o_end
                   for o_start, o_end in self.open_intervals(professional_id, day))
