"""Code that tests run in other processes (spawned, so it must be importable)."""
from __future__ import annotations

from urllib.parse import unquote, urlparse

from tests.helpers import API_TOKEN, base_config


def mysql_params(url: str) -> dict:
    parsed = urlparse(url)
    return dict(host=parsed.hostname or "127.0.0.1", port=parsed.port or 3306,
                user=unquote(parsed.username or "root"), password=unquote(parsed.password or ""),
                database=parsed.path.lstrip("/"), charset="utf8mb4")


def post_appointments(barrier, url: str, user_id: int, dates: list[str], service_id: int,
                      duration: int | None = 60) -> list[int]:
    """Builds its own app; for each date, waits for the others, then books. Returns the statuses."""
    from app import create_app

    client = create_app(base_config(url)).test_client()
    client.get("/healthz")  # connect before the race, so the race is about the booking
    statuses = []
    for date in dates:
        barrier.wait(timeout=60)
        response = client.post("/appointments", headers={"Authorization": f"Bearer {API_TOKEN}"},
                               json={"user_id": user_id, "date": date, "service_id": service_id,
                                     **({"duration": duration} if duration else {})})
        statuses.append(response.status_code)
    return statuses


def overlapping_pairs() -> int:
    """How many pairs of appointments of one professional that hold time overlap (must be 0): a
    cancelled one and a no-show hold none (what is left of a no-show goes to the waitlist)."""
    from storage.db import database

    return database.execute_sql(
        "SELECT COUNT(*) FROM appointments a JOIN appointments b"
        " ON a.professional_id = b.professional_id AND a.id < b.id"
        " AND a.date < b.end_at AND b.date < a.end_at"
        " WHERE a.status NOT IN ('cancelled', 'no_show') AND b.status NOT IN ('cancelled', 'no_show')").fetchone()[0]


def orphan_appointments() -> int:
    """How many appointments belong to no registered user (must be 0)."""
    from storage.db import database

    return database.execute_sql(
        "SELECT COUNT(*) FROM appointments a LEFT JOIN users u ON u.id = a.user_id"
        " WHERE u.id IS NULL").fetchone()[0]


def seed_due_reminders(count: int, professionals: int = 10, first: int = 0) -> list[str]:
    """`count` customers with an appointment 40+ minutes from now (real time), booked a day
    ago, so each has exactly one reminder due now (the 2h one). Returns their phones."""
    import datetime as dt

    from storage.models import Appointment, Professional, Service, User

    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    service = Service.create(name="Corte", duration=1)
    pros = [Professional.create(name=f"Pro {i}") for i in range(professionals)]
    phones = [f"+55119{70000000 + first + i:08d}" for i in range(count)]
    User.insert_many([{"name": f"Cliente {i}", "phone": p, "created_at": now} for i, p in enumerate(phones)]).execute()
    users = dict(User.select(User.phone, User.id).where(User.phone.in_(phones)).tuples())
    rows = []
    for i, phone in enumerate(phones):
        start = now + dt.timedelta(minutes=40, seconds=90 * (i // professionals))
        rows.append({"user": users[phone], "professional": pros[i % professionals].id, "service": service.id,
                     "date": start, "end": start + dt.timedelta(minutes=1), "type": "Corte", "duration": 1,
                     "scheduled_at": now - dt.timedelta(days=1), "created_at": now, "updated_at": now})
    for chunk in range(0, len(rows), 200):
        Appointment.insert_many(rows[chunk:chunk + 200]).execute()
    return phones


def worker_env(database_url: str, twilio_url: str, **extra: str) -> dict:
    """The environment of a `python -m scheduler` process talking to the fake Twilio."""
    import os

    from config import Settings
    from tests.helpers import ACCOUNT_SID, AUTH_TOKEN

    env = {k: v for k, v in os.environ.items() if k not in Settings.env_names()}
    env.update(APP_ENV="test", DATABASE_URL=database_url, SENDER="twilio", TWILIO_ACCOUNT_SID=ACCOUNT_SID,
               TWILIO_AUTH_TOKEN=AUTH_TOKEN, TWILIO_WHATSAPP_FROM="whatsapp:+5511940000000",
               TWILIO_API_URL=twilio_url, OUTBOX_RATE="0", BUSINESS_NAME="Barbearia Teste", PYTHONUNBUFFERED="1",
               DAILY_SUMMARY_AT="off", INTERACTIVE="off")
    env.update(extra)
    return env


def live_send(barrier, url: str, phone: str, text: str, sid: str | None = None) -> tuple[int, list[str]]:
    """Waits for the others, then sends one signed message to a live server; the reply."""
    from tests.live import Phone, Server

    chat = Phone(Server(url, None), phone)
    form = chat.form(text, sid)
    barrier.wait(timeout=60)
    return chat.post(form)


def live_post(barrier, url: str, form: dict) -> tuple[int, list[str]]:
    """Waits for the others, then posts one signed webhook form to a live server; the reply."""
    from tests.live import Phone, Server

    chat = Phone(Server(url, None), form["From"])
    barrier.wait(timeout=60)
    return chat.post(form)
