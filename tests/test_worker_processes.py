"""The worker as operators run it: `python -m scheduler` processes against the fake Twilio."""
from __future__ import annotations

import collections
import os
import signal
import subprocess
import sys
import time

import pytest

from storage.db import database
from storage.models import OutboundMessage, OutboxStatus
from tests import workers
from tests.helpers import wait_until

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def spawn(env: dict, once: bool = True) -> subprocess.Popen:
    args = [sys.executable, "-m", "scheduler"] + (["--once"] if once else [])
    return subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def received_counts(fake) -> collections.Counter:
    return collections.Counter(m.to.removeprefix("whatsapp:") for m in fake.messages)


def sent_rows() -> int:
    return OutboundMessage.select().where(OutboundMessage.status == OutboxStatus.SENT).count()


def test_three_workers_at_once_send_500_reminders_exactly_once(app, db, fake_twilio):
    phones = workers.seed_due_reminders(500)
    database.close()
    env = workers.worker_env(app.config["SETTINGS"].database_url, fake_twilio.url)
    processes = [spawn(env) for _ in range(3)]
    outputs = [p.communicate(timeout=180) for p in processes]
    assert [p.returncode for p in processes] == [0, 0, 0], [err[-2000:] for _, err in outputs]
    counts = received_counts(fake_twilio)
    statuses = collections.Counter(r.status.value for r in OutboundMessage.select().where(OutboundMessage.kind == "reminder"))
    assert set(counts) == set(phones) and set(counts.values()) == {1}, (statuses, [e[-1500:] for _, e in outputs])
    assert sent_rows() == 500
    summaries = [line for _, err in outputs for line in err.splitlines() if " pass: created" in line]
    assert len(summaries) == 3
    sent = sum(int(line.split("sent ")[1].split(",")[0]) for line in summaries)
    assert sent == 500  # the three workers split the work between them


def test_a_worker_killed_mid_pass_loses_and_duplicates_nothing(app, db, fake_twilio):
    phones = workers.seed_due_reminders(30, professionals=3)
    database.close()
    env = workers.worker_env(app.config["SETTINGS"].database_url, fake_twilio.url,
                             OUTBOX_RATE="5", OUTBOX_CLAIM_TIMEOUT="2s")
    first = spawn(env)

    def between_sends():
        # Killed where Twilio has answered and we have recorded every answer: nothing in flight.
        with fake_twilio.lock:
            done, busy = len(fake_twilio.messages), fake_twilio.in_flight
        return done >= 8 and not busy and sent_rows() == done

    assert wait_until(between_sends), first.communicate(timeout=5)
    first.send_signal(signal.SIGKILL)
    first.communicate(timeout=10)
    database.close()
    killed_at = len(fake_twilio.messages)
    assert killed_at < 30
    stuck = OutboundMessage.select().where(OutboundMessage.status == OutboxStatus.SENDING).count()
    assert stuck > 0  # claims the dead worker held
    database.close()
    time.sleep(2.5)  # let those claims expire
    second = spawn({**env, "OUTBOX_RATE": "0"})
    _, err = second.communicate(timeout=60)
    assert second.returncode == 0, err
    counts = received_counts(fake_twilio)
    assert set(counts) == set(phones) and set(counts.values()) == {1}, counts


def test_sigterm_finishes_in_flight_work_and_releases_the_rest(app, db, fake_twilio):
    workers.seed_due_reminders(30, professionals=3)
    database.close()
    env = workers.worker_env(app.config["SETTINGS"].database_url, fake_twilio.url, OUTBOX_RATE="5",
                             SCHEDULER_INTERVAL="1h")
    worker = spawn(env, once=False)
    assert wait_until(lambda: len(fake_twilio.messages) >= 5)
    worker.send_signal(signal.SIGTERM)
    _, err = worker.communicate(timeout=30)
    assert worker.returncode == 0, err
    assert "releasing unsent claims" in err and "worker stopped" in err
    database.close()
    statuses = collections.Counter(r.status for r in OutboundMessage.select().where(OutboundMessage.kind == "reminder"))
    assert statuses[OutboxStatus.SENDING] == 0  # nothing left claimed
    assert statuses[OutboxStatus.SENT] == len(fake_twilio.messages)
    assert statuses[OutboxStatus.PENDING] == 30 - len(fake_twilio.messages)


@pytest.mark.parametrize("once", [True])
def test_the_worker_logs_one_summary_line_per_pass(app, db, fake_twilio, once):
    workers.seed_due_reminders(3, professionals=3)
    database.close()
    process = spawn(workers.worker_env(app.config["SETTINGS"].database_url, fake_twilio.url), once=once)
    _, err = process.communicate(timeout=60)
    lines = [line for line in err.splitlines() if "pass: created" in line]
    assert len(lines) == 1 and "created 3, sent 3, retried 0, failed 0, skipped 3" in lines[0]


def test_kill_9_at_random_moments_loses_nothing_and_measures_duplicates(app, db, fake_twilio):
    """Workers are killed (SIGKILL) at random moments mid-dispatch, then another worker runs.
    Nothing may be lost. A message is sent twice only when the kill fell between Twilio
    accepting it and our UPDATE recording it: the test counts how often (see RELIABILITY.md)."""
    import random

    trials = int(os.environ.get("RELIABILITY_TRIALS", "6"))
    per_trial = 40
    random.seed(trials)
    lost = duplicated = 0
    url = app.config["SETTINGS"].database_url
    for trial in range(trials):
        phones = workers.seed_due_reminders(per_trial, professionals=4, first=trial * 1000)
        database.close()
        before = len(fake_twilio.messages)
        env = workers.worker_env(url, fake_twilio.url, OUTBOX_RATE="40", OUTBOX_CLAIM_TIMEOUT="1s")
        victim = spawn(env)
        assert wait_until(lambda seen=before: len(fake_twilio.messages) > seen)
        time.sleep(random.uniform(0.05, 0.8))
        victim.send_signal(signal.SIGKILL)
        victim.communicate(timeout=10)
        time.sleep(2.5)  # the dead worker's claims expire (stored to the second)
        survivor = spawn({**env, "OUTBOX_RATE": "0"})
        _, err = survivor.communicate(timeout=60)
        assert survivor.returncode == 0, err
        counts = collections.Counter(m.to.removeprefix("whatsapp:") for m in fake_twilio.messages[before:])
        lost += len(set(phones) - set(counts))
        duplicated += sum(n - 1 for n in counts.values())
    print(f"\nkill -9 trials: {trials} x {per_trial} reminders; lost {lost}; sent twice {duplicated}")
    assert lost == 0
    # At most the requests in flight at each kill (the default OUTBOX_THREADS, 16) can have been sent twice.
    assert duplicated <= trials * 16
