"""Code that tests run in other processes (spawned, so it must be importable)."""
from __future__ import annotations

from urllib.parse import unquote, urlparse

from tests.helpers import API_TOKEN, base_config


def mysql_params(url: str) -> dict:
    parsed = urlparse(url)
    return dict(host=parsed.hostname or "127.0.0.1", port=parsed.port or 3306,
                user=unquote(parsed.username or "root"), password=unquote(parsed.password or ""),
                database=parsed.path.lstrip("/"), charset="utf8mb4")


def post_appointments(barrier, url: str, user_id: int, dates: list[str], service_id: int) -> list[int]:
    """Builds its own app; for each date, waits for the others, then books. Returns the statuses."""
    from app import create_app

    client = create_app(base_config(url)).test_client()
    client.get("/healthz")  # connect before the race, so the race is about the booking
    statuses = []
    for date in dates:
        barrier.wait(timeout=60)
        response = client.post("/appointments", headers={"Authorization": f"Bearer {API_TOKEN}"},
                               json={"user_id": user_id, "date": date, "service_id": service_id,
                                     "duration": 60})
        statuses.append(response.status_code)
    return statuses


def overlapping_pairs() -> int:
    """How many pairs of live appointments of one professional overlap (must be 0)."""
    from storage.db import database

    return database.execute_sql(
        "SELECT COUNT(*) FROM appointments a JOIN appointments b"
        " ON a.professional_id = b.professional_id AND a.id < b.id"
        " AND a.date < b.end_at AND b.date < a.end_at"
        " WHERE a.status <> 'cancelled' AND b.status <> 'cancelled'").fetchone()[0]


def orphan_appointments() -> int:
    """How many appointments belong to no registered user (must be 0)."""
    from storage.db import database

    return database.execute_sql(
        "SELECT COUNT(*) FROM appointments a LEFT JOIN users u ON u.id = a.user_id"
        " WHERE u.id IS NULL").fetchone()[0]
