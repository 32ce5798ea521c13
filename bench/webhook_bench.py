"""Webhook throughput on each database: the signed bare-Flask ceiling, the menu path, the booking
path, and latency at a steady 80 messages a second, all under the same gunicorn settings; then
the reply hand-off (INTERACTIVE=on): how long after the webhook arrives each reply reaches
(the fake) Twilio, at 80 messages a second."""
from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import time
import urllib.request

from bench.common import BACKENDS, OUT, ROOT, WORKERS, free_port, gunicorn, loadgen, now_utc, write_requests, wrk
from storage.db import connection, database, make_database
from storage.models import Appointment, BusinessHours, Conversation, Service, User

MENU_PHONES = 1000
BOOKING_PHONES = 200
BOOKINGS_EACH = 3
SECONDS = int(os.environ.get("BENCH_SECONDS", "15"))
HANDOFF_MESSAGES = min(80 * SECONDS, MENU_PHONES + BOOKING_PHONES)


def phones(count: int, first: int) -> list[str]:
    return [f"+55119{first + i:08d}" for i in range(count)]


def seed(database_url: str) -> dict:
    """1000 customers at the menu and 200 more who will book; one service, open all week."""
    database.initialize(make_database(database_url))
    menu, booking = phones(MENU_PHONES, 80_000_000), phones(BOOKING_PHONES, 90_000_000)
    with connection():
        Service.create(name="Corte", duration=30)
        BusinessHours.insert_many([{"weekday": d, "start_minute": 0, "end_minute": 24 * 60} for d in range(7)]).execute()
        now = now_utc()
        everyone = menu + booking
        for chunk in range(0, len(everyone), 500):
            batch = everyone[chunk:chunk + 500]
            User.insert_many([{"name": f"Cliente {p[-4:]}", "phone": p, "created_at": now} for p in batch]).execute()
        ids = dict(User.select(User.phone, User.id).tuples())
        for chunk in range(0, len(everyone), 500):
            Conversation.insert_many([{"user": ids[p], "state": "menu", "updated_at": now}
                                      for p in everyone[chunk:chunk + 500]]).execute()
    return {"menu": menu, "booking": booking}


def menu_scripts(menu: list[str], total: int) -> dict[str, list[str]]:
    """`menu` and `meus agendamentos`, alternately, spread over the phones."""
    scripts: dict[str, list[str]] = {p: [] for p in menu}
    for i in range(total):
        scripts[menu[i % len(menu)]].append("menu" if i % 2 else "meus agendamentos")
    return scripts


def booking_scripts(booking: list[str], tz) -> dict[str, list[str]]:
    """Each phone books three distinct slots, one full conversation at a time."""
    today = dt.datetime.now(tz).date()
    scripts = {}
    for i, phone in enumerate(booking):
        messages = []
        for round_ in range(BOOKINGS_EACH):
            slot = i * BOOKINGS_EACH + round_
            day = today + dt.timedelta(days=1 + slot // 20)
            minutes = 8 * 60 + 30 * (slot % 20)
            messages += ["1", f"{day:%d/%m} às {minutes // 60:02d}:{minutes % 60:02d}", "sim", "menu"]
        scripts[phone] = messages
    return scripts


def _ceiling(section: dict, people: dict, tz) -> None:
    with gunicorn("bench.ceiling:create_app()") as ceiling:
        path = os.path.join(OUT, "ceiling_menu.txt")
        write_requests(path, ceiling.url, menu_scripts(people["menu"], 60_000))
        section["ceiling"] = wrk(ceiling.url, path, SECONDS)
        path = os.path.join(OUT, "ceiling_booking.txt")
        write_requests(path, ceiling.url, booking_scripts(people["booking"], tz))
        section["ceiling_scripts"] = loadgen("scripts", ceiling.url, path)


def _app(backend: str, people: dict, tz) -> dict:
    figures: dict = {}
    with gunicorn("app:create_app()", backend=backend) as target:
        path = os.path.join(OUT, f"app_menu_{backend}.txt")
        generated = write_requests(path, target.url, menu_scripts(people["menu"], 60_000))
        figures["menu"] = wrk(target.url, path, SECONDS)
        figures["menu"]["generated"] = generated
        path = os.path.join(OUT, f"app_booking_{backend}.txt")
        write_requests(path, target.url, booking_scripts(people["booking"], tz))
        figures["booking"] = loadgen("scripts", target.url, path)
        with connection():
            figures["booking"]["appointments"] = Appointment.select().count()
        path = os.path.join(OUT, f"app_steady_{backend}.txt")
        write_requests(path, target.url, menu_scripts(people["menu"], 80 * SECONDS))
        figures["steady_80"] = loadgen("rate", target.url, path, rate=80)
        figures["web_worker_peak_rss_mb"] = round(target.peak_rss_mb(), 1)
    return figures


def _fake_twilio() -> tuple[subprocess.Popen, str]:
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "tests.fake_twilio", "--port", str(port),
                                "--auth-token", "bench-auth-token"], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    process.stdout.readline()
    return process, f"http://127.0.0.1:{port}"


def _handoff(backend: str, people: dict) -> dict:
    """A menu message at 80/s from each of the seeded phones in turn: the time from the moment the
    load generator sent it (the webhook's arrival, on loopback) to its reply at the fake Twilio."""
    fake, twilio = _fake_twilio()
    record = os.path.join(OUT, f"handoff_sent_{backend}.json")
    try:
        with gunicorn("app:create_app()", backend=backend, INTERACTIVE="on", SENDER="twilio", TWILIO_API_URL=twilio,
                      TWILIO_CONTENT_API_URL=twilio) as target:
            path = os.path.join(OUT, f"handoff_{backend}.txt")
            everyone = people["menu"] + people["booking"]
            write_requests(path, target.url, {phone: ["menu"] for phone in everyone[:HANDOFF_MESSAGES]})
            sent = loadgen("rate", target.url, path, rate=80, record=record)
            deadline = time.time() + 60
            while time.time() < deadline:
                stats = json.load(urllib.request.urlopen(f"{twilio}/_fake/stats", timeout=5))
                if stats["messages"] >= sent["requests"]:
                    break
                time.sleep(0.5)
    finally:
        fake.terminate()
        fake.wait(timeout=10)
    with open(record) as handle:
        due = json.load(handle)
    latencies = sorted(at - due[to.removeprefix("whatsapp:")] for at, to in zip(stats["times"], stats["to"], strict=True)
                       if to.removeprefix("whatsapp:") in due)

    def pct(fraction: float) -> float:
        return round(latencies[min(len(latencies) - 1, int(fraction * (len(latencies) - 1)))] * 1000, 1)

    return {"messages": sent["requests"], "replies": len(latencies), "p50_ms": pct(0.50), "p95_ms": pct(0.95),
            "p99_ms": pct(0.99), "webhook_p99_ms": sent["p99_ms"]}


def run(app, results: dict) -> None:
    from bench.common import recreate_database

    os.makedirs(OUT, exist_ok=True)
    tz = app.config["SETTINGS"].timezone
    section = results.setdefault("webhook", {"workers": WORKERS, "seconds": SECONDS})
    for backend in BACKENDS:
        recreate_database(backend)
        from bench.common import database_url

        people = seed(database_url(backend))
        if "ceiling" not in section:
            _ceiling(section, people, tz)
        figures = _app(backend, people, tz)
        figures["menu_ratio"] = round(figures["menu"]["per_second"] / section["ceiling"]["per_second"], 3)
        figures["booking_ratio"] = round(figures["booking"]["per_second"] / section["ceiling_scripts"]["per_second"], 3)
        recreate_database(backend)
        people = seed(database_url(backend))
        figures["handoff"] = _handoff(backend, people)
        section[backend] = figures
