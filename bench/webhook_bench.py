"""Webhook throughput: the signed bare-Flask ceiling, the menu path, the booking path, and
latency at a steady 80 messages a second. Both targets run under the same gunicorn settings."""
from __future__ import annotations

import datetime as dt
import os

from bench.common import OUT, WORKERS, gunicorn, loadgen, now_utc, write_requests, wrk

MENU_PHONES = 1000
BOOKING_PHONES = 200
BOOKINGS_EACH = 3
SECONDS = int(os.environ.get("BENCH_SECONDS", "15"))


def phones(count: int, first: int) -> list[str]:
    return [f"+55119{first + i:08d}" for i in range(count)]


def seed(app) -> dict:
    """1000 customers at the menu and 200 more who will book; one service, open all week."""
    from storage.db import connection
    from storage.models import BusinessHours, Conversation, Service, User

    menu, booking = phones(MENU_PHONES, 80_000_000), phones(BOOKING_PHONES, 90_000_000)
    with connection():
        Service.create(name="Corte", duration=30)
        BusinessHours.insert_many([{"weekday": d, "start_minute": 0, "end_minute": 24 * 60} for d in range(7)]).execute()
        now = now_utc()
        for chunk in range(0, len(menu + booking), 500):
            batch = (menu + booking)[chunk:chunk + 500]
            User.insert_many([{"name": f"Cliente {p[-4:]}", "phone": p, "created_at": now} for p in batch]).execute()
            Conversation.insert_many([{"phone": p, "state": "menu", "version": 1, "updated_at": now}
                                      for p in batch]).execute()
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
            messages += ["1", f"{day:%d/%m} às {minutes // 60:02d}:{minutes % 60:02d}", "sim", "meus agendamentos"]
        scripts[phone] = messages
    return scripts


def run(app, results: dict) -> None:
    from storage.db import connection
    from storage.models import Appointment

    os.makedirs(OUT, exist_ok=True)
    people = seed(app)
    tz = app.config["SETTINGS"].timezone
    total = 60_000
    section = results.setdefault("webhook", {"workers": WORKERS, "seconds": SECONDS})

    with gunicorn("bench.ceiling:create_app()") as ceiling:
        path = os.path.join(OUT, "ceiling_menu.txt")
        write_requests(path, ceiling.url, menu_scripts(people["menu"], total))
        section["ceiling"] = wrk(ceiling.url, path, SECONDS)
        path = os.path.join(OUT, "ceiling_booking.txt")
        write_requests(path, ceiling.url, booking_scripts(people["booking"], tz))
        section["ceiling_scripts"] = loadgen("scripts", ceiling.url, path)

    with gunicorn("app:create_app()") as target:
        path = os.path.join(OUT, "app_menu.txt")
        generated = write_requests(path, target.url, menu_scripts(people["menu"], total))
        section["menu"] = wrk(target.url, path, SECONDS)
        section["menu"]["generated"] = generated
        path = os.path.join(OUT, "app_booking.txt")
        write_requests(path, target.url, booking_scripts(people["booking"], tz))
        section["booking"] = loadgen("scripts", target.url, path)
        with connection():
            section["booking"]["appointments"] = Appointment.select().count()
        path = os.path.join(OUT, "app_steady.txt")
        write_requests(path, target.url, menu_scripts(people["menu"], 80 * SECONDS))
        section["steady_80"] = loadgen("rate", target.url, path, rate=80)
        section["web_worker_peak_rss_mb"] = round(target.peak_rss_mb(), 1)

    section["menu_ratio"] = round(section["menu"]["per_second"] / section["ceiling"]["per_second"], 3)
    section["booking_ratio"] = round(section["booking"]["per_second"] / section["ceiling_scripts"]["per_second"], 3)
