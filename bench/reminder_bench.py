"""Reminders: 10,000 appointments due, created set-based, then dispatched by a real worker process
to the fake Twilio server, without a rate limit and then at 80 messages a second."""
from __future__ import annotations

import datetime as dt
import json
import resource
import subprocess
import sys
import time
import urllib.request

from bench.common import ACCOUNT_SID, AUTH_TOKEN, ROOT, env, free_port, now_utc

DUE = 10_000
LIMITED = 1_200  # 15 s at 80/s


def _seed(count: int, first: int) -> None:
    """`count` booked appointments 40+ minutes ahead, booked yesterday: their 2h reminder is due."""
    from storage.db import database
    from storage.models import Professional, Service, User

    now = now_utc()
    service = Service.get_or_none(Service.name == "Corte") or Service.create(name="Corte", duration=1)
    pros = [p.id for p in Professional.select().limit(10)]
    while len(pros) < 10:
        pros.append(Professional.create(name=f"Pro {len(pros)}").id)
    phones = [f"+55117{first + i:08d}" for i in range(count)]
    for chunk in range(0, count, 1000):
        User.insert_many([{"name": f"Cliente {i}", "phone": p, "created_at": now}
                          for i, p in enumerate(phones[chunk:chunk + 1000])]).execute()
    users = dict(User.select(User.phone, User.id).where(User.phone.in_(phones)).tuples())
    sql = ("INSERT INTO appointments (user_id, professional_id, service_id, date, end_at, type, duration, status,"
           " revision, scheduled_at, source, created_at, updated_at)"
           " VALUES (%s, %s, %s, %s, %s, 'Corte', 1, 'booked', 1, %s, 'bench', %s, %s)")
    rows = []
    naive = now.replace(tzinfo=None)
    for i, phone in enumerate(phones):
        start = naive + dt.timedelta(minutes=40, seconds=10 * (i // 10))
        rows.append((users[phone], pros[i % 10], service.id, start, start + dt.timedelta(minutes=1),
                     naive - dt.timedelta(days=1), naive, naive))
    cursor = database.cursor()
    for chunk in range(0, len(rows), 2000):
        cursor.executemany(sql, rows[chunk:chunk + 2000])


def _fake_twilio():
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "tests.fake_twilio", "--port", str(port), "--account-sid",
                                ACCOUNT_SID, "--auth-token", AUTH_TOKEN], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    process.stdout.readline()  # "fake Twilio on ..."
    return process, f"http://127.0.0.1:{port}"


def _stats(url: str) -> dict:
    with urllib.request.urlopen(url + "/_fake/stats", timeout=30) as response:
        return json.loads(response.read())


def _worker(twilio_url: str, rate: str) -> tuple[str, float]:
    """One `python -m scheduler --once` pass; its summary line and peak RSS (MB)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    done = subprocess.run([sys.executable, "-m", "scheduler", "--once"], cwd=ROOT, capture_output=True, text=True,
                          env=env(SENDER="twilio", TWILIO_API_URL=twilio_url, OUTBOX_RATE=rate), timeout=900)
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-2000:])
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    line = next(ln for ln in done.stderr.splitlines() if "pass: created" in ln)
    return line.split("scheduler.worker: ", 1)[-1], max(peak, before) / 1024


def run(app, results: dict) -> None:
    from scheduler.reminders import create_due
    from storage import clock
    from storage.db import connection

    settings = app.config["SETTINGS"]
    section = results.setdefault("reminders", {"due": DUE})
    fake, url = _fake_twilio()
    try:
        with connection():
            _seed(DUE, 0)
            started = time.perf_counter()
            created = create_due(clock.now(), settings.reminder_leads)
            section["create_seconds"] = round(time.perf_counter() - started, 3)
            section["created"] = {"pending": created.pending, "skipped": created.skipped}
        started = time.perf_counter()
        line, rss = _worker(url, "0")
        elapsed = time.perf_counter() - started
        stats = _stats(url)
        times = sorted(stats["times"])
        section["unlimited"] = {"summary": line, "sent": stats["messages"],
                                "per_second": round((len(times) - 1) / (times[-1] - times[0]), 1),
                                "process_seconds": round(elapsed, 2)}
        section["worker_peak_rss_mb"] = round(rss, 1)
        # With the limit: a fresh set of due reminders, dispatched at 80/s.
        with connection():
            _seed(LIMITED, 100_000)
        already = stats["messages"]
        line, _ = _worker(url, "80")
        times = sorted(_stats(url)["times"])[already:]
        span = times[-1] - times[0]
        rate = (len(times) - 1) / span
        per_second = {}
        for t in times:
            per_second[int(t - times[0])] = per_second.get(int(t - times[0]), 0) + 1
        full_seconds = [n for second, n in per_second.items() if 0 < second < int(span)]
        section["limited"] = {"summary": line, "sent": len(times), "per_second": round(rate, 2),
                              "deviation_pct": round((rate - 80) / 80 * 100, 2),
                              "busiest_second": max(full_seconds) if full_seconds else None,
                              "quietest_second": min(full_seconds) if full_seconds else None}
    finally:
        fake.terminate()
        fake.wait(timeout=10)
