"""Reliability under real concurrency: gunicorn processes, simultaneous customers, redeliveries,
and a database outage with traffic flowing. See RELIABILITY.md for the figures."""
from __future__ import annotations

import collections
import datetime as dt
import multiprocessing
import subprocess
import sys
import threading
import time
from urllib.parse import urlparse

import pytest

from bot import texts
from storage import booking, clock
from storage.availability import Rules
from storage.db import database
from storage.models import Appointment, AppointmentStatus, BusinessHours, OutboundMessage, Service, User
from tests import workers
from tests.helpers import SAO_PAULO, conversation_of, wait_until
from tests.live import ROOT, Phone, app_env, gunicorn
from tests.tcp_proxy import TcpProxy, through

pytestmark = pytest.mark.slow

CLIENTS = 20


def _open_all_week(minutes: int = 60) -> Service:
    for weekday in range(7):
        BusinessHours.create(weekday=weekday, start_minute=0, end_minute=24 * 60)
    return Service.create(name="Corte", duration=minutes)


def _day_label(day: dt.date) -> str:
    return day.strftime("%d/%m")


def _target_day() -> dt.date:
    return (dt.datetime.now(SAO_PAULO) + dt.timedelta(days=3)).date()


def _customers(count: int, prefix: str = "+55119555") -> list[str]:
    phones = [f"{prefix}{i:05d}" for i in range(count)]
    User.insert_many([{"name": f"Cliente {i}", "phone": p} for i, p in enumerate(phones)]).execute()
    return phones


def _race(server, phones_texts: list[tuple[str, str]], sids: list[str | None] | None = None) -> list[tuple[int, list[str]]]:
    """Sends one message per (phone, text) from as many processes, all at the same moment."""
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Manager().Barrier(len(phones_texts))
    sids = sids or [None] * len(phones_texts)
    jobs = [(barrier, server.url, phone, text, sid) for (phone, text), sid in zip(phones_texts, sids, strict=True)]
    with ctx.Pool(len(jobs)) as pool:
        return pool.starmap(workers.live_send, jobs)


def _taken_replies(results, day: dt.date, time_label: str) -> int:
    prefix = f"Poxa, *{time_label}* de *"
    return sum(1 for status, messages in results
               if status == 200 and messages[0].startswith(prefix) and "*1* - " in messages[0])


def test_twenty_customers_confirming_the_same_slot_one_wins(app, db):
    service = _open_all_week()
    phones = _customers(CLIENTS)
    database.close()
    day = _target_day()
    with gunicorn(app.config["SETTINGS"].database_url) as server:
        for phone in phones:
            chat = Phone(server, phone)
            chat.send("1")  # one service: straight to the day
            assert chat.send(f"{_day_label(day)} às 10h").startswith("Confirma o agendamento?")
        results = _race(server, [(p, "sim") for p in phones])
    assert [status for status, _ in results] == [200] * CLIENTS
    winners = [messages for _, messages in results if messages[0].startswith("✅ Agendado!")]
    assert len(winners) == 1
    assert _taken_replies(results, day, "10:00") == CLIENTS - 1  # each loser gets alternatives
    assert Appointment.select().where(Appointment.status == AppointmentStatus.BOOKED).count() == 1
    assert workers.overlapping_pairs() == 0
    assert service.id == Appointment.get().service_id


def test_overlapping_not_identical_intervals_and_reschedules_racing_bookings(app, db):
    _open_all_week(minutes=60)
    phones = _customers(CLIENTS)
    movers = phones[:6]
    rules = Rules(tz=SAO_PAULO)
    corte = Service.get()
    day = _target_day()
    # The movers hold appointments on another day, and try to move them into the contested hour.
    originals = {}
    for i, phone in enumerate(movers):
        start = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(8 + i), tzinfo=SAO_PAULO)
        originals[phone] = booking.book(user_id=User.get(User.phone == phone).id, service=corte, start=start,
                                        rules=rules, now=clock.now()).id
    database.close()
    with gunicorn(app.config["SETTINGS"].database_url) as server:
        for i, phone in enumerate(phones):
            chat = Phone(server, phone)
            when = f"{_day_label(day)} às {'10h' if i % 2 else '10h30'}"  # 10:00-11:00 and 10:30-11:30 overlap
            if phone in movers:
                assert chat.send("remarcar").startswith("Vamos remarcar")
                assert chat.send(when).startswith("Remarcar")
            else:
                chat.send("1")
                assert chat.send(when).startswith("Confirma o agendamento?")
        results = _race(server, [(p, "sim") for p in phones])
    assert [status for status, _ in results] == [200] * CLIENTS
    won = [m[0] for _, m in results if m[0].startswith(("✅ Agendado!", "✅ Remarcado!"))]
    assert len(won) == 1, won
    start, end = rules.local_day_bounds(day)
    contested = Appointment.select().where((Appointment.status == AppointmentStatus.BOOKED)
                                           & (Appointment.date >= start) & (Appointment.date < end))
    assert contested.count() == 1
    assert workers.overlapping_pairs() == 0
    # Movers who lost kept their old time; nothing was half-moved.
    for appointment_id in originals.values():
        appointment = Appointment.get_by_id(appointment_id)
        assert appointment.status == AppointmentStatus.BOOKED
        moved = appointment.date.astimezone(SAO_PAULO).date() == day
        assert moved == (appointment.revision == 2)


def test_the_same_message_sid_five_times_at_once_has_one_effect(app, db):
    _open_all_week()
    [phone] = _customers(1)
    database.close()
    day = _target_day()
    with gunicorn(app.config["SETTINGS"].database_url) as server:
        chat = Phone(server, phone)
        chat.send("1")
        chat.send(f"{_day_label(day)} às 10h")
        sid = Phone.new_sid()
        results = _race(server, [(phone, "sim")] * 5, sids=[sid] * 5)
    assert [status for status, _ in results] == [200] * 5
    assert len({tuple(m) for _, m in results}) == 1
    assert results[0][1][0].startswith("✅ Agendado!")
    assert Appointment.select().count() == 1


# --- a database outage with traffic flowing ------------------------------------------------------------------

@pytest.fixture
def mysql_proxy(database_url, backend):
    """A TCP proxy, started by this test on its own loopback port, in front of the MySQL server.

    The outage is made at the proxy: the shared server (other programs and test runs use it) is
    never stopped, restarted or reconfigured."""
    if backend != "mysql":
        pytest.skip("an outage of a database server: SQLite has no server to lose")
    parsed = urlparse(database_url)
    with TcpProxy(parsed.hostname or "127.0.0.1", parsed.port or 3306) as proxy:
        yield proxy


def test_a_database_outage_is_answered_kindly_and_survived(mysql_proxy, app, db, fake_twilio):
    url = through(app.config["SETTINGS"].database_url, mysql_proxy)  # the servers under test go through the proxy
    _open_all_week()
    phones = _customers(6)
    reminded = workers.seed_due_reminders(120, professionals=4)
    database.close()
    worker_env = app_env(url, SENDER="twilio", TWILIO_API_URL=fake_twilio.url, OUTBOX_RATE="30",
                         SCHEDULER_INTERVAL="1s", OUTBOX_CLAIM_TIMEOUT="2m")
    with gunicorn(url) as server:
        worker = subprocess.Popen([sys.executable, "-m", "scheduler"], cwd=ROOT, env=worker_env,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        log: list[tuple[str, int, float, str]] = []
        stop = threading.Event()

        def traffic(phone: str) -> None:
            chat = Phone(server, phone)
            while not stop.is_set():
                started = time.monotonic()
                status, messages = chat.post(chat.form("meus agendamentos"), timeout=30)
                log.append((phone, status, time.monotonic() - started, messages[0] if messages else ""))
                time.sleep(0.05)

        threads = [threading.Thread(target=traffic, args=(p,)) for p in phones]
        for thread in threads:
            thread.start()
        try:
            assert wait_until(lambda: len(fake_twilio.messages) >= 10, timeout=30.0, every=0.1)
            reset = mysql_proxy.go_down()  # like a crash: every connection reset, then refused
            down_at = len(log)
            time.sleep(3)
            health_down = server.get("/healthz")
            during = log[down_at:]
            mysql_proxy.come_back()
            up_at = len(log)
            assert wait_until(lambda: any(status == 200 and text.startswith(("📅", "Você não tem"))
                                  for _, status, _, text in log[up_at:]), timeout=30.0, every=0.1)
            assert wait_until(lambda: len(fake_twilio.messages) >= len(reminded), timeout=90, every=0.1)
            health_up = server.get("/healthz")
        finally:
            stop.set()
            for thread in threads:
                thread.join(timeout=60)
            worker.terminate()
            _, worker_err = worker.communicate(timeout=60)
    print(f"\noutage: {reset} connections reset; {len(log)} answers ({len(during)} while down), slowest "
          f"{max(seconds for _, _, seconds, _ in log):.2f} s; /healthz {health_down[0]} then {health_up[0]}; "
          f"{len(fake_twilio.messages)} reminders sent")
    assert reset > 0, "the outage cut no connection: the app did not go through the proxy"
    assert health_down[0] == 503 and health_up[0] == 200
    assert during, "no traffic was answered while the database was down"
    assert {status for _, status, _, _ in log} == {200}  # never a 500, never a 403
    assert any(text == texts.UNAVAILABLE for _, _, _, text in during)
    assert max(seconds for _, _, seconds, _ in log) < 5.0, "a request hung"
    # The worker felt the outage (a failed pass, or results held until the database was back)...
    assert "database unavailable" in worker_err or "could not record a send result" in worker_err
    # Nothing lost, nothing doubled.
    counts = collections.Counter(m.to.removeprefix("whatsapp:") for m in fake_twilio.messages)
    assert set(counts) == set(reminded) and set(counts.values()) == {1}, counts.most_common(3)
    for phone in phones:
        conversation = conversation_of(phone)
        assert conversation.state == "menu" and conversation.data is None
    assert OutboundMessage.select().where(OutboundMessage.status == "sending").count() == 0


