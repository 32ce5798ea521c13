"""Revenue and commissions over local days: the one rule behind `caixa`, the daily summary's
figures and GET /reports/revenue.

- An attended appointment (status `done`) brings in what was charged (`cobrado`), else the
  price it was booked at, else nothing (counted as unpriced, so the owner sees it).
- A no-show brings in nothing; its booked price is counted as lost.
- Cancelled appointments are left out; booked ones that already started are only counted
  (unmarked), so the owner can mark them.
- A commission is the professional's current percentage of each attended appointment's
  revenue, rounded half up to the centavo per appointment: the rows add up to the totals.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from storage import money
from storage.availability import Rules
from storage.models import Appointment, AppointmentStatus, Professional, User

MAX_DAYS = 366  # a report covers at most this many days, so its cost stays bounded

COUNTED = (AppointmentStatus.DONE.value, AppointmentStatus.NO_SHOW.value)


@dataclass(frozen=True)
class Row:
    """One attended appointment or no-show."""

    id: int
    start: dt.datetime  # UTC
    customer: str
    service: str
    professional_id: int
    professional: str
    status: AppointmentStatus
    price_cents: int | None  # as booked
    charged_cents: int | None
    commission_bp: int | None  # the professional's, now

    @property
    def attended(self) -> bool:
        return self.status == AppointmentStatus.DONE

    @property
    def revenue_cents(self) -> int:
        if not self.attended:
            return 0
        return self.charged_cents if self.charged_cents is not None else (self.price_cents or 0)

    @property
    def lost_cents(self) -> int:
        return 0 if self.attended else (self.price_cents or 0)

    @property
    def commission_cents(self) -> int:
        return money.commission(self.revenue_cents, self.commission_bp)

    @property
    def unpriced(self) -> bool:
        return self.attended and self.charged_cents is None and self.price_cents is None


@dataclass
class Figures:
    """Counts and sums (centavos) over some rows."""

    attended: int = 0
    revenue_cents: int = 0
    no_shows: int = 0
    lost_cents: int = 0
    commission_cents: int = 0
    unpriced: int = 0

    def add(self, row: Row) -> None:
        self.attended += row.attended
        self.no_shows += not row.attended
        self.revenue_cents += row.revenue_cents
        self.lost_cents += row.lost_cents
        self.commission_cents += row.commission_cents
        self.unpriced += row.unpriced


@dataclass
class Totals(Figures):
    unmarked: int = 0  # booked, already started, neither attended nor no-show yet


@dataclass
class ProfessionalFigures(Figures):
    id: int = 0
    name: str = ""
    commission_bp: int | None = None


@dataclass
class Report:
    first: dt.date  # local days, inclusive
    last: dt.date
    rows: list[Row] = field(default_factory=list)
    totals: Totals = field(default_factory=Totals)
    professionals: list[ProfessionalFigures] = field(default_factory=list)


class RangeTooLong(ValueError):
    """More than MAX_DAYS days, or the first day after the last."""


def report(first: dt.date, last: dt.date, *, rules: Rules, now: dt.datetime,
           professional_id: int | None = None) -> Report:
    """The figures of the local days first..last (inclusive), for everyone or one professional."""
    if first > last or (last - first).days + 1 > MAX_DAYS:
        raise RangeTooLong(f"{first}..{last}")
    start, _ = rules.local_day_bounds(first)
    _, end = rules.local_day_bounds(last)
    in_range = (Appointment.date >= start) & (Appointment.date < end)
    if professional_id is not None:
        in_range &= Appointment.professional == professional_id
    query = (Appointment
             .select(Appointment.id, Appointment.date, User.name, Appointment.type, Professional.id,
                     Professional.name, Appointment.status, Appointment.price_cents, Appointment.charged_cents,
                     Professional.commission_bp)
             .join(User, on=Appointment.user == User.id)
             .switch(Appointment).join(Professional, on=Appointment.professional == Professional.id)
             .where(in_range & Appointment.status.in_(COUNTED))
             .order_by(Appointment.date, Appointment.id))
    result = Report(first, last)
    by_professional: dict[int, ProfessionalFigures] = {}
    for values in query.tuples():
        row = Row(*values[:6], AppointmentStatus(values[6]), *values[7:])
        result.rows.append(row)
        result.totals.add(row)
        if row.professional_id not in by_professional:
            by_professional[row.professional_id] = ProfessionalFigures(
                id=row.professional_id, name=row.professional, commission_bp=row.commission_bp)
        by_professional[row.professional_id].add(row)
    result.professionals = sorted(by_professional.values(), key=lambda p: p.id)
    result.totals.unmarked = (Appointment.select()
                              .where(in_range & (Appointment.status == AppointmentStatus.BOOKED)
                                     & (Appointment.date <= now))
                              .count())
    return result
