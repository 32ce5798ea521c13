"""What the business offers, as the reader needs it: services, professionals, opening hours.

`Catalog` is a plain value (cheap to build in tests); `load_catalog` builds it from the database."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from zoneinfo import ZoneInfo

from bot.nlu.when import WeeklyHours
from storage.availability import weekly_hours
from storage.models import Professional, Service


@dataclass(frozen=True)
class Offer:
    """A service or a professional, by id and name (a service may carry its price)."""

    id: int
    name: str
    price: Decimal | None = None


@dataclass(frozen=True)
class Catalog:
    """The business's names and hours: what a message is read against."""

    business: str = ""
    services: tuple[Offer, ...] = ()
    professionals: tuple[Offer, ...] = ()
    hours: WeeklyHours = field(default_factory=dict)  # weekday (0 = Monday) -> [(start, end) minutes]
    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo("America/Sao_Paulo"))

    def closed_on(self, day: dt.date) -> bool:
        """Whether the business has no opening hours on that day's weekday."""
        return not self.hours.get(day.weekday())


def load_catalog(business: str, timezone: ZoneInfo) -> Catalog:
    """The catalog of the business in the database: active services and professionals, and the
    opening hours of the business and of each professional together (needs a connection)."""
    services = tuple(Offer(s.id, s.name, None if s.price_cents is None else Decimal(s.price_cents) / 100)
                     for s in Service.offered())
    professionals = tuple(Offer(p.id, p.name) for p in Professional.active_ones())
    hours: dict[int, list[tuple[int, int]]] = {}
    for per_weekday in weekly_hours([p.id for p in professionals]).values():
        for weekday, intervals in per_weekday.items():
            hours.setdefault(weekday, []).extend(intervals)
    return Catalog(business, services, professionals,
                   {weekday: tuple(sorted(set(spans))) for weekday, spans in hours.items()}, timezone)
