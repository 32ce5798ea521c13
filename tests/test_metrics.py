"""GET /metrics: the Prometheus text format, parsed with the client library's own parser, counts
what was done; with several gunicorn workers every scrape sees every process's turns."""
from __future__ import annotations

import datetime as dt

import pytest
from prometheus_client.parser import text_string_to_metric_families

from scheduler.sender import SendError
from scheduler.worker import build_dispatcher
from storage import booking, clock, outbox
from storage.availability import Rules
from storage.db import connection
from storage.demo import seed_demo
from storage.models import Handoff, OutboxKind, Service, User
from tests.helpers import ADMIN_PHONE, API_TOKEN, SAO_PAULO, WhatsApp, freeze, local
from tests.live import Phone, free_port, gunicorn

MONDAY = local(2026, 12, 7, 8, 0)
ANA = "+5511988887777"
BIA = "+5511977776666"
AUTH = {"Authorization": f"Bearer {API_TOKEN}"}


def scrape(client) -> dict[str, float]:
    """Every sample of /metrics by name and labels: {'name{k=v}': value}."""
    response = client.get("/metrics", headers=AUTH)
    assert response.status_code == 200, response.data
    assert response.content_type.startswith("text/plain; version=")
    return samples(response.get_data(as_text=True))


def samples(text: str) -> dict[str, float]:
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            labels = ",".join(f"{k}={v}" for k, v in sorted(sample.labels.items()))
            found[f"{sample.name}{{{labels}}}" if labels else sample.name] = sample.value
    return found


@pytest.fixture
def config(config):
    config.update(daily_summary_at=None)
    return config


@pytest.fixture
def shop(app, db):
    freeze(MONDAY)
    seed_demo()
    return app


def run_pass(app, moment: dt.datetime, fail_with: list[SendError] | None = None):
    freeze(moment)
    app.extensions["sender"].fail_with = list(fail_with or [])
    dispatcher = build_dispatcher(app)
    try:
        with connection():
            return dispatcher.run_pass()
    finally:
        dispatcher.close()


def test_metrics_need_the_bearer_token(client):
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert client.get("/metrics", headers=AUTH).status_code == 200


def test_counters_and_gauges_match_what_was_done(shop, client, app):
    before = scrape(client)
    assert before["agendador_messages_received_total"] == 0
    assert before["agendador_outbox_oldest_pending_age_seconds"] == 0
    ana = WhatsApp(client, ANA)
    owner = WhatsApp(client, ADMIN_PHONE)
    typed = ["oi", "Ana Souza", "menu", "ajuda"]
    for text in typed:
        ana.send(text)
    owner.send("agenda")
    received = len(typed) + 1

    # Two reminders go out (the 24h leads), then a cancellation notice that Twilio refuses for good.
    user = User.get(User.phone == ANA)
    corte = Service.get(Service.name == "Corte")
    rules = Rules(tz=SAO_PAULO)
    first, second = (booking.book(user_id=user.id, service=corte, start=start, rules=rules, now=clock.now(),
                                  policy=booking.ADMIN) for start in (local(2026, 12, 8, 9, 0), local(2026, 12, 8, 10, 0)))
    assert run_pass(app, local(2026, 12, 7, 10, 5)).sent == 2
    booking.cancel(second.id, rules=rules, now=clock.now(), policy=booking.ADMIN, notify=True)
    assert run_pass(app, local(2026, 12, 7, 10, 6), [SendError("refused", retryable=False, code=63016)]).failed == 1
    # A notice due tomorrow waits in the outbox; two chats were handed to a person, one is closed.
    queued_at = clock.now()
    outbox.enqueue(OutboxKind.NOTICE, user, params={"text": "Amanhã abrimos às 10h"}, due=queued_at + dt.timedelta(days=1))
    bia = User.create(name="Bia", phone=BIA)
    Handoff.start(user.id, "asked", None, clock.now())
    closed, _ = Handoff.start(bia.id, "asked", None, clock.now())
    closed.close(ADMIN_PHONE, clock.now())
    freeze(queued_at + dt.timedelta(seconds=90))

    after = scrape(client)
    assert after["agendador_messages_received_total"] == received
    assert after["agendador_messages_sent_total{kind=reminder}"] == 2
    assert after["agendador_reminders_sent_total"] == 2
    assert after["agendador_messages_failed_total{kind=cancellation}"] == 1
    assert after["agendador_messages_sent_total{kind=cancellation}"] == 0
    assert after["agendador_outbox_backlog{kind=notice}"] == 1
    assert sum(v for k, v in after.items() if k.startswith("agendador_outbox_backlog{")) == 1
    assert after["agendador_outbox_oldest_pending_age_seconds"] == pytest.approx(90, abs=2)
    assert after["agendador_handoffs_open"] == 1
    assert after["agendador_webhook_deliveries_total"] == 0
    # Every turn this process answered is in the latency histogram.
    turns = after["agendador_turn_duration_seconds_count"] - before["agendador_turn_duration_seconds_count"]
    assert turns == received
    assert after["agendador_turn_duration_seconds_bucket{le=+Inf}"] == after["agendador_turn_duration_seconds_count"]
    assert first.id  # booked, reminded, still booked


def test_webhook_deliveries_given_up_are_counted(config, shop, client, app):
    dead = f"http://127.0.0.1:{free_port()}/hook"  # nothing listens there
    app.config["SETTINGS"].webhook_max_attempts = 2
    from storage import events

    events.configure((dead,), SAO_PAULO)
    user = User.create(name="Ana", phone=ANA)
    booking.book(user_id=user.id, service=Service.get(Service.name == "Corte"), start=local(2026, 12, 8, 9, 0),
                 rules=Rules(tz=SAO_PAULO), now=clock.now(), policy=booking.ADMIN)
    assert scrape(client)["agendador_outbox_backlog{kind=webhook}"] == 1
    run_pass(app, clock.now())
    assert scrape(client)["agendador_webhook_deliveries_failed_total"] == 0  # one attempt failed: retried
    run_pass(app, clock.now() + dt.timedelta(hours=1))
    after = scrape(client)
    assert after["agendador_webhook_deliveries_failed_total"] == 1
    assert after["agendador_outbox_backlog{kind=webhook}"] == 0
    # A webhook is not a WhatsApp message.
    assert not any("kind=webhook" in k for k in after if k.startswith("agendador_messages_"))


# --- several processes -------------------------------------------------------------------------------------

def test_every_scrape_counts_the_turns_of_every_gunicorn_worker(database_url, tmp_path):
    """Two gunicorn workers answer the messages; each scrape, whichever worker answers it, counts
    them all (multiprocess mode for the histogram, the database for the counters)."""
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    (metrics_dir / "histogram_99999.db").write_bytes(b"stale")  # a previous run's file: emptied at start
    with gunicorn(database_url, workers=2, threads=4, PROMETHEUS_MULTIPROC_DIR=str(metrics_dir)) as server:
        sent = 0
        # Messages until both workers have answered some (the kernel decides who accepts what).
        for i in range(100):
            phone = Phone(server, f"+5511988880{i:03d}")
            phone.send("oi")
            phone.send("Cliente Teste")
            sent += 2
            per_worker = {p.name: turns_in(p) for p in metrics_dir.iterdir() if p.name.startswith("histogram_")}
            if i >= 2 and len(per_worker) == 2 and all(per_worker.values()):
                break
        seen = []
        for _ in range(8):
            status, body = server.get("/metrics", headers=AUTH)
            assert status == 200
            found = samples(body.decode())
            seen.append((found["agendador_turn_duration_seconds_count"], found["agendador_messages_received_total"]))
    assert "histogram_99999.db" not in per_worker and len(per_worker) == 2 and all(per_worker.values()), per_worker
    assert sum(per_worker.values()) == sent
    assert set(seen) == {(sent, sent)}


def turns_in(path) -> float:
    """The turns one process recorded in its multiprocess file."""
    from prometheus_client.mmap_dict import MmapedDict

    total = 0.0
    for key, value, _timestamp, _pos in MmapedDict.read_all_values_from_file(str(path)):
        if '"agendador_turn_duration_seconds_bucket"' in key:  # each observation is in one bucket
            total += value
    return total
