"""The waitlist under real concurrency: processes racing to offer, book and accept one freed
slot, on SQLite and MariaDB. One offer at a time, one booking, never an offer for a taken slot."""
from __future__ import annotations

import collections
import datetime as dt
import multiprocessing
import os
import subprocess
import sys

import pytest

from storage import booking, clock, waitlist
from storage.availability import Rules
from storage.db import database
from storage.models import (
    Appointment,
    AppointmentStatus,
    BusinessHours,
    InboundMessage,
    OutboundMessage,
    OutboxKind,
    Professional,
    Service,
    User,
    WaitlistEntry,
    WaitlistStatus,
)
from tests import workers
from tests.helpers import SAO_PAULO, base_config, freeze, local

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NOW = local(2026, 12, 7, 8, 0)  # Monday
TUESDAY = dt.date(2026, 12, 8)
NINE = local(2026, 12, 8, 9, 0)
RULES = Rules(tz=SAO_PAULO)
PROCESSES = 6
WAITING = 20

_app = None


def _settings(url: str):
    """This process's app (built once per pool process)."""
    global _app
    if _app is None:
        from app import create_app

        _app = create_app(base_config(url))
    return _app.config["SETTINGS"]


def race(barrier, url: str, moment: str, action: str, arg: int | None = None) -> str:
    """Runs one action at `moment` (this process's clock), all processes released together."""
    from storage.db import connection

    settings = _settings(url)
    clock.set_now(dt.datetime.fromisoformat(moment))
    with connection():
        Service.select().first()  # connect before the race, so the race is about the action
        barrier.wait(timeout=60)
        now = clock.now()
        if action == "pass":  # what the worker pass does for the waitlist
            waitlist.expire(now, RULES)
            return f"offers:{waitlist.backfill(now, RULES, settings)}"
        if action == "accept":  # whoever holds the offer says yes (again and again: redeliveries)
            entry = WaitlistEntry.get_or_none(WaitlistEntry.status == WaitlistStatus.OFFERED)
            if entry is None:
                return "no offer"
            return waitlist.accept(entry.id, entry.user_id, rules=RULES, now=now)[0].value
        if action == "late accept":  # a customer whose hold ran out says yes
            entry = WaitlistEntry.get(WaitlistEntry.user == arg)
            return waitlist.accept(entry.id, arg, rules=RULES, now=now)[0].value
        try:  # someone not in line books the freed time directly
            booking.book(user_id=arg, service=Service.get(), start=NINE, rules=RULES, now=now,
                         policy=booking.ADMIN)
            return "booked"
        except booking.BookingError as exc:
            return type(exc).__name__


@pytest.fixture
def full_tuesday(app, db):
    """Open 09:00-10:00 every weekday; Tuesday is full; 20 customers wait for it (in order, each
    wrote lately); then 09:00 is cancelled."""
    freeze(NOW)
    for weekday in range(6):
        BusinessHours.create(weekday=weekday, start_minute=9 * 60, end_minute=10 * 60)
    corte = Service.create(name="Corte", duration=30)
    bia, caio = User.create(name="Bia", phone="+5511977776666"), User.create(name="Caio", phone="+5511966665555")
    nine = booking.book(user_id=bia.id, service=corte, start=NINE, rules=RULES, now=clock.now())
    booking.book(user_id=caio.id, service=corte, start=NINE + dt.timedelta(minutes=30), rules=RULES, now=clock.now())
    line = []
    for i in range(WAITING):
        person = User.create(name=f"Cliente {i}", phone=f"+55119700000{i:02d}")
        InboundMessage.create(sid=f"SM-wrote-{i}", user=person.id, created_at=NOW)
        waitlist.join(user_id=person.id, service_id=corte.id, day=TUESDAY, now=NOW + dt.timedelta(seconds=i))
        line.append(person.id)
    booking.cancel(nine.id, rules=RULES, now=clock.now())
    return {"line": line, "bia": bia}


def live_offers() -> list[int]:
    return [e.user_id for e in WaitlistEntry.select().where(WaitlistEntry.status == WaitlistStatus.OFFERED)]


def booked_at_nine() -> list[int]:
    return [a.user_id for a in Appointment.select().where((Appointment.date == NINE.astimezone(dt.UTC))
                                                          & (Appointment.status == AppointmentStatus.BOOKED))]


def test_a_slot_freed_while_20_wait_is_offered_to_one_at_a_time_and_booked_once(full_tuesday, app):
    url = app.config["SETTINGS"].database_url
    line, outsider = full_tuesday["line"], User.create(name="Davi", phone="+5511955554444").id
    database.close()
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Manager().Barrier(PROCESSES)

    def run(moment: dt.datetime, jobs: list[tuple[str, int | None]]) -> list[str]:
        results = pool.starmap(race, [(barrier, url, moment.isoformat(), action, arg) for action, arg in jobs])
        database.close()
        return results

    with ctx.Pool(PROCESSES) as pool:
        # Round 1: every process runs the worker's waitlist pass at once: one offer, to the first.
        moment = NOW + dt.timedelta(minutes=1)
        results = run(moment, [("pass", None)] * PROCESSES)
        assert live_offers() == [line[0]] and sorted(results) == ["offers:0"] * 5 + ["offers:1"], results
        # Rounds 2-4: each hold runs out while all processes run the pass (and the late customer
        # says yes): the slot moves to exactly the next in line each time.
        for turn in range(1, 4):
            moment += dt.timedelta(minutes=16)
            results = run(moment, [("pass", None)] * 4 + [("late accept", line[turn - 1])] * 2)
            assert live_offers() == [line[turn]], results
            assert results.count("expired") == 2 and booked_at_nine() == []
        # Round 5: the customer holding it says yes in several processes at once (redeliveries)
        # while passes and direct bookings race: booked exactly once, by them.
        moment += dt.timedelta(minutes=5)
        results = run(moment, [("accept", None)] * 3 + [("pass", None)] * 2 + [("book", outsider)])
        assert booked_at_nine() == [line[3]], results
        assert live_offers() == []
    offers = collections.Counter(r.user_id for r in OutboundMessage.select().where(OutboundMessage.kind == OutboxKind.OFFER))
    assert offers == dict.fromkeys(line[:4], 1)  # one offer each, to the first four in line
    assert workers.overlapping_pairs() == 0
    statuses = collections.Counter(e.status for e in WaitlistEntry.select())
    assert statuses == {WaitlistStatus.EXPIRED: 3, WaitlistStatus.BOOKED: 1, WaitlistStatus.WAITING: WAITING - 4}


def test_a_direct_booking_racing_the_offer_wins_or_loses_whole(full_tuesday, app):
    """Passes and direct bookings of the freed 09:00 at the same moment, five times over: each
    time the slot ends up either held for the first in line or booked, never both, never twice."""
    url = app.config["SETTINGS"].database_url
    outsiders = [User.create(name=f"Davi {i}", phone=f"+55119555544{i:02d}").id for i in range(3)]
    database.close()
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Manager().Barrier(PROCESSES)
    outcomes = collections.Counter()
    with ctx.Pool(PROCESSES) as pool:
        for attempt in range(5):
            jobs = [("pass", None)] * 3 + [("book", person) for person in outsiders]
            moment = NOW + dt.timedelta(minutes=1 + attempt)
            results = pool.starmap(race, [(barrier, url, moment.isoformat(), action, arg) for action, arg in jobs])
            offered, booked = live_offers(), booked_at_nine()
            assert len(offered) + len(booked) == 1, (results, offered, booked)
            assert results.count("booked") == len(booked)
            if offered:
                assert offered == [full_tuesday["line"][0]]
                outcomes["held"] += 1
            else:
                outcomes["booked"] += 1
            # Back to the start for the next attempt: the slot freed again, the line as it was.
            Appointment.update(status=AppointmentStatus.CANCELLED).where(
                Appointment.date == NINE.astimezone(dt.UTC)).execute()
            waitlist.pass_over(WaitlistEntry.get(WaitlistEntry.user == full_tuesday["line"][0]).id, clock.now())
            database.close()
    assert workers.overlapping_pairs() == 0
    print(f"\ndirect booking vs offer: {dict(outcomes)}")


def test_two_worker_processes_never_send_the_same_offer(app, db, fake_twilio):
    """Real time (the workers read the real clock): tomorrow opens 10:00-11:00 and is full; five
    customers wait; 10:00 is cancelled; two `python -m scheduler --once` run at once, twice."""
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    tomorrow = now.astimezone(SAO_PAULO).date() + dt.timedelta(days=1)
    BusinessHours.create(weekday=tomorrow.weekday(), start_minute=10 * 60, end_minute=11 * 60)
    corte = Service.create(name="Corte", duration=30)
    ten = dt.datetime.combine(tomorrow, dt.time(10), tzinfo=SAO_PAULO)
    rules = Rules(tz=SAO_PAULO)
    taken = [booking.book(user_id=User.create(name=f"Fixo {i}", phone=f"+55119600000{i:02d}").id, service=corte,
                          start=ten + dt.timedelta(minutes=30 * i), rules=rules, now=now) for i in range(2)]
    phones = []
    for i in range(5):
        person = User.create(name=f"Cliente {i}", phone=f"+55119700000{i:02d}")
        InboundMessage.create(sid=f"SM-wrote-{i}", user=person.id, created_at=now - dt.timedelta(minutes=10))
        waitlist.join(user_id=person.id, service_id=corte.id, day=tomorrow, now=now - dt.timedelta(minutes=5 - i))
        phones.append(person.phone)
    booking.cancel(taken[0].id, rules=rules, now=now)
    Professional.update(phone=None).execute()
    database.close()
    env = workers.worker_env(app.config["SETTINGS"].database_url, fake_twilio.url, REMINDER_LEADS="1m")
    for _ in range(2):
        processes = [subprocess.Popen([sys.executable, "-m", "scheduler", "--once"], cwd=ROOT, env=env,
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
        outputs = [p.communicate(timeout=120) for p in processes]
        assert [p.returncode for p in processes] == [0, 0], [err[-1500:] for _, err in outputs]
    received = collections.Counter(m.to.removeprefix("whatsapp:") for m in fake_twilio.messages)
    assert received == {phones[0]: 1}, received
    assert "Vagou um horário" in fake_twilio.bodies_to(phones[0])[0]
    assert OutboundMessage.select().where(OutboundMessage.kind == OutboxKind.OFFER).count() == 1
