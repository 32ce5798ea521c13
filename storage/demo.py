"""The demo business that `make run` and `flask seed-demo` load into an empty database."""
from __future__ import annotations

from storage import clock
from storage.db import run_in_transaction
from storage.models import BusinessHours, Service, User

DEMO_ADMIN_PHONE = "+5511900000001"

DEMO_SERVICES = (("Corte", 30), ("Barba", 30), ("Corte + barba", 60), ("Sobrancelha", 15))

# Mon-Fri 09:00-12:00 and 13:00-19:00 (lunch 12-13), Saturday 09:00-13:00, closed Sunday.
DEMO_HOURS = tuple((weekday, 9 * 60, 12 * 60) for weekday in range(5)) \
    + tuple((weekday, 13 * 60, 19 * 60) for weekday in range(5)) \
    + ((5, 9 * 60, 13 * 60),)


def seed_demo() -> bool:
    """Loads the demo business unless the database already has services; True if it did."""

    def work() -> bool:
        if Service.select().exists():
            return False
        now = clock.now()
        Service.insert_many([dict(name=name, duration=minutes, active=True, created_at=now)
                             for name, minutes in DEMO_SERVICES]).execute()
        BusinessHours.insert_many([dict(professional=None, weekday=w, start_minute=s, end_minute=e)
                                   for w, s, e in DEMO_HOURS]).execute()
        User.insert(name="Dono (demo)", phone=DEMO_ADMIN_PHONE, created_at=now) \
            .on_conflict_ignore().execute()
        return True

    return run_in_transaction(work)
