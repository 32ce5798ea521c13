"""Outbound webhooks: events written with the change that causes them, delivered by the worker to a
real HTTP receiver on loopback that is down for a while, signed as README.md documents (the
verification snippet is read from the README and run here)."""
from __future__ import annotations

import datetime as dt
import json
import pathlib
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from config import ConfigError, Settings
from scheduler.webhooks import SIGNATURE_HEADER
from scheduler.worker import build_dispatcher
from storage import booking, clock, events
from storage.availability import Rules
from storage.db import connection, database
from storage.demo import seed_demo
from storage.models import (
    Appointment,
    AppointmentStatus,
    OutboundMessage,
    OutboxKind,
    OutboxStatus,
    Professional,
    Service,
    User,
)
from tests.helpers import ADMIN_PHONE, SAO_PAULO, WEBHOOK_SECRET, WhatsApp, freeze, local

SECRET = WEBHOOK_SECRET
MONDAY = local(2026, 12, 7, 8, 0)
ANA = "+5511988887777"
README = pathlib.Path(__file__).resolve().parent.parent / "README.md"


def readme_snippet() -> dict:
    """The verification snippet of README.md ("Outbound webhooks"), run as it is written there."""
    text = README.read_text(encoding="utf-8")
    match = re.search(r"```python\n(# Verifying an Agendador webhook.*?)```", text, re.DOTALL)
    assert match, "README.md lost its webhook verification snippet"
    namespace: dict = {}
    exec(compile(match.group(1), "README.md", "exec"), namespace)  # noqa: S102 - our own README
    return namespace


verify = readme_snippet()["verify"]


class Receiver:
    """An HTTP receiver on loopback. `down()` closes its port (connections are refused), `failing`
    makes it answer 500, `up()` brings it back on the same port. It keeps every request it read."""

    def __init__(self):
        self.requests: list[dict] = []
        self.failing = False
        self.hang = 0.0
        self.port = 0
        self.server: ThreadingHTTPServer | None = None
        self.up()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/agendador"

    def up(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def do_POST(self):  # noqa: N802 - http.server's naming
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                receiver.requests.append({"path": self.path, "headers": dict(self.headers), "body": body,
                                          "at": clock.now().timestamp(), "answered": 500 if receiver.failing else 204})
                if receiver.hang:
                    threading.Event().wait(receiver.hang)
                self.send_response(500 if receiver.failing else 204)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def down(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def accepted(self) -> list[dict]:
        return [r for r in self.requests if r["answered"] == 204]


@pytest.fixture
def receivers():
    made = [Receiver(), Receiver()]
    yield made
    for receiver in made:
        receiver.down()


@pytest.fixture
def config(config, receivers):
    config.update(webhook_urls=tuple(r.url for r in receivers), webhook_secret=SECRET, daily_summary_at=None)
    return config


@pytest.fixture
def shop(app, db):
    freeze(MONDAY)
    seed_demo()
    return app


class Worker:
    """Runs dispatcher passes in this process at chosen moments."""

    def __init__(self, app):
        self.dispatcher = build_dispatcher(app)

    def at(self, moment: dt.datetime):
        freeze(moment)
        with connection():
            return self.dispatcher.run_pass()


@pytest.fixture
def worker(app):
    w = Worker(app)
    yield w
    w.dispatcher.close()


def webhook_rows():
    return list(OutboundMessage.select().where(OutboundMessage.kind == OutboxKind.WEBHOOK).order_by(OutboundMessage.id))


def book(user: User, start: dt.datetime, service: str = "Corte") -> Appointment:
    return booking.book(user_id=user.id, service=Service.get(Service.name == service), start=start,
                        rules=Rules(tz=SAO_PAULO), now=clock.now(), policy=booking.ADMIN)


def checked(request: dict) -> dict:
    """The event of a delivery, after checking its signature with the README's snippet."""
    header = request["headers"][SIGNATURE_HEADER]
    assert verify(SECRET, header, request["body"], now=request["at"]), header
    assert not verify("another secret", header, request["body"], now=request["at"])
    assert not verify(SECRET, header, request["body"] + b" ", now=request["at"])
    assert not verify(SECRET, header, request["body"], now=request["at"] + 3600)  # a replay, an hour later
    event = json.loads(request["body"])
    assert request["headers"]["X-Agendador-Event-Id"] == event["id"]
    assert request["headers"]["Content-Type"] == "application/json"
    return event


def a_day_of_events(client, api) -> dict[str, int]:
    """Every kind of event, through the bot, the API and the booking rules."""
    customer = WhatsApp(client, ANA)
    customer.send("oi")
    customer.send("Ana Souza")  # registered: customer.created
    ana = User.get(User.phone == ANA)
    made = api.post("/users", json={"name": "Bia", "phone": "+5511977776666"})  # customer.created
    assert made.status_code == 201
    created = api.post("/appointments", json={"user_id": ana.id, "date": "2026-12-08T09:00", "type": "Corte"})
    assert created.status_code == 201
    first = created.get_json()["id"]
    rules = Rules(tz=SAO_PAULO)
    booking.reschedule(first, local(2026, 12, 8, 11, 0), rules=rules, now=clock.now(), policy=booking.ADMIN)
    second = book(User.get_by_id(made.get_json()["id"]), local(2026, 12, 8, 14, 0))
    third = book(ana, local(2026, 12, 9, 10, 0))
    assert api.delete(f"/appointments/{third.id}").status_code == 200
    freeze(local(2026, 12, 8, 16, 0))
    owner = WhatsApp(client, ADMIN_PHONE)
    owner.send(f"compareceu #{first}")
    owner.send(f"compareceu #{first}")  # the same again: no second event
    owner.send(f"faltou #{second.id}")
    return {"first": first, "second": second.id, "third": third.id}


# --- delivery ---------------------------------------------------------------------------------------------

def test_a_receiver_down_for_a_while_gets_every_event_once_it_is_back(shop, client, api, worker, receivers):
    flaky, steady = receivers
    flaky.down()  # refuses connections
    ids = a_day_of_events(client, api)
    rows = webhook_rows()
    expected = sorted(["customer.created"] * 2 + ["appointment.created"] * 3 + ["appointment.rescheduled",
                      "appointment.cancelled", "appointment.attended", "appointment.no_show"])
    # One row per event per receiver, each event once per receiver.
    per_receiver = {url: sorted(r.params["event"]["type"] for r in rows if r.params["url"] == url)
                    for url in (flaky.url, steady.url)}
    assert per_receiver == {flaky.url: expected, steady.url: expected}
    assert flaky.requests == [] and steady.requests == []  # nothing was sent by the web requests

    start = clock.now()
    worker.at(start)
    assert len(steady.accepted()) == len(expected) and flaky.requests == []
    pending = [r for r in webhook_rows() if r.params["url"] == flaky.url]
    assert {r.status for r in pending} == {OutboxStatus.PENDING} and {r.attempts for r in pending} == {1}
    # Back, but answering 500 for a while.
    flaky.up()
    flaky.failing = True
    moment = start
    for _ in range(3):
        moment += dt.timedelta(minutes=30)
        worker.at(moment)
    assert flaky.requests and not flaky.accepted()
    assert {r.error_code for r in webhook_rows() if r.params["url"] == flaky.url} == {500}
    # Healthy again: every event arrives within the backoff.
    flaky.failing = False
    for _ in range(6):
        moment += dt.timedelta(minutes=50)
        worker.at(moment)
    assert all(r.status == OutboxStatus.SENT for r in webhook_rows())

    for receiver in (flaky, steady):
        seen: dict[str, dict] = {}
        for request in receiver.requests:
            event = checked(request)
            if event["id"] in seen:  # a retry: the same event, byte for byte
                assert json.dumps(seen[event["id"]]) == json.dumps(event)
            seen[event["id"]] = event
        assert sorted(e["type"] for e in seen.values()) == expected
        assert {r["path"] for r in receiver.requests} == {"/hooks/agendador"}
    # The same events for both receivers: one event id per change, shared by its rows.
    flaky_ids = {checked(r)["id"] for r in flaky.accepted()}
    assert flaky_ids == {checked(r)["id"] for r in steady.accepted()}
    assert len(flaky_ids) == len(expected) and len(flaky.accepted()) == len(expected)
    retried = [r for r in webhook_rows() if r.params["url"] == flaky.url]
    assert min(r.attempts for r in retried) >= 3  # refused, 500 at least once, then delivered

    # The payload is the whole appointment, customer, service and professional.
    events_by_type = {}
    for request in steady.accepted():
        event = checked(request)
        events_by_type.setdefault(event["type"], []).append(event)
    attended = events_by_type["appointment.attended"][0]
    appointment = Appointment.get_by_id(ids["first"])
    customer = User.get_by_id(appointment.user_id)
    assert attended["data"]["appointment"] == events.appointment_data(appointment, SAO_PAULO)
    assert attended["data"]["appointment"]["date"] == "2026-12-08T11:00:00-03:00"
    assert attended["data"]["appointment"]["status"] == "done"
    assert attended["data"]["customer"] == events.customer_data(customer)
    assert attended["data"]["customer"]["name"] == "Ana Souza"
    assert attended["data"]["service"] == {"id": appointment.service_id, "name": "Corte", "duration": 30}
    assert attended["data"]["professional"] == {"id": appointment.professional_id,
                                                "name": Professional.get_by_id(appointment.professional_id).name}
    moved = events_by_type["appointment.rescheduled"][0]
    assert moved["data"]["previous"]["date"] == "2026-12-08T09:00:00-03:00"
    assert moved["data"]["appointment"]["date"] == "2026-12-08T11:00:00-03:00"
    cancelled = events_by_type["appointment.cancelled"][0]
    assert cancelled["data"]["appointment"]["id"] == ids["third"]
    assert cancelled["data"]["appointment"]["status"] == "cancelled"
    assert events_by_type["appointment.no_show"][0]["data"]["appointment"]["status"] == "no_show"
    assert {e["data"]["customer"]["name"] for e in events_by_type["customer.created"]} == {"Ana Souza", "Bia"}
    assert all(re.fullmatch(r"evt_[0-9a-f]{32}", e["id"]) for e in seen.values())
    assert all(e["created_at"].endswith("Z") for e in seen.values())


def test_a_receiver_that_never_comes_back_is_given_up_after_the_attempts(shop, worker, receivers, app):
    app.config["SETTINGS"].webhook_max_attempts = 3
    worker.dispatcher.settings.webhook_max_attempts = 3
    for receiver in receivers:
        receiver.down()
    book(User.create(name="Ana", phone=ANA), local(2026, 12, 8, 9, 0))
    moment = clock.now()
    for _ in range(5):
        worker.at(moment)
        moment += dt.timedelta(hours=1)
    rows = webhook_rows()
    assert len(rows) == 2 and {r.status for r in rows} == {OutboxStatus.FAILED}
    assert {r.attempts for r in rows} == {3}


def test_a_slow_receiver_is_cut_at_the_timeout_and_retried(shop, worker, receivers, app):
    worker.dispatcher.webhooks.timeout = 0.2
    slow, steady = receivers
    slow.hang = 2.0
    book(User.create(name="Ana", phone=ANA), local(2026, 12, 8, 9, 0))
    summary = worker.at(clock.now())
    assert summary.sent == 1 and summary.retried == 1
    row = next(r for r in webhook_rows() if r.params["url"] == slow.url)
    assert row.status == OutboxStatus.PENDING and row.next_attempt_at > clock.now()
    slow.hang = 0.0
    worker.at(clock.now() + dt.timedelta(hours=1))
    assert OutboundMessage.get_by_id(row.id).status == OutboxStatus.SENT


# --- written with the change ------------------------------------------------------------------------------

def test_events_are_written_in_the_transaction_of_their_change(shop):
    ana = User.create(name="Ana", phone=ANA)

    class Undone(Exception):
        pass

    with pytest.raises(Undone), database.atomic():
        book(ana, local(2026, 12, 8, 9, 0))
        assert len(webhook_rows()) == 2  # inside the transaction
        raise Undone()
    assert webhook_rows() == [] and Appointment.select().count() == 0
    kept = book(ana, local(2026, 12, 8, 9, 0))
    with pytest.raises(booking.SlotTaken):
        book(User.create(name="Bia", phone="+5511977776666"), local(2026, 12, 8, 9, 0))
    with pytest.raises(booking.NotBooked):
        booking.mark(kept.id, AppointmentStatus.DONE, now=clock.now())
        booking.cancel(kept.id, rules=Rules(tz=SAO_PAULO), now=clock.now(), policy=booking.ADMIN)
    assert [r.params["event"]["type"] for r in webhook_rows()] == ["appointment.created"] * 2 + \
        ["appointment.attended"] * 2  # a refused booking or cancellation tells nobody


def test_nothing_is_written_without_webhook_urls(config, receivers):
    from app import create_app

    config["webhook_urls"] = ()
    app = create_app(config)
    database.connect(reuse_if_open=True)
    try:
        freeze(MONDAY)
        seed_demo()
        appointment = book(User.create(name="Ana", phone=ANA), local(2026, 12, 8, 9, 0))
        booking.cancel(appointment.id, rules=Rules(tz=SAO_PAULO), now=clock.now(), policy=booking.ADMIN)
        assert webhook_rows() == []
        build_dispatcher(app).run_pass()
        assert all(r.requests == [] for r in receivers)
    finally:
        database.close()


# --- settings -----------------------------------------------------------------------------------------------

def test_production_refuses_webhook_urls_without_a_secret():
    secrets = {"TWILIO_AUTH_TOKEN": "x", "API_TOKEN": "y", "TWILIO_ACCOUNT_SID": "AC1",
               "TWILIO_WHATSAPP_FROM": "whatsapp:+5511940000000", "APP_ENV": "production"}
    Settings.load({**secrets, "WEBHOOK_URLS": "https://a.example/h", "WEBHOOK_SECRET": "s"}).require_secrets()
    with pytest.raises(ConfigError, match="WEBHOOK_SECRET"):
        Settings.load({**secrets, "WEBHOOK_URLS": "https://a.example/h"}).require_secrets()
    Settings.load(secrets).require_secrets()  # no receivers, no secret needed
    loaded = Settings.load({"WEBHOOK_URLS": " https://a.example/h , http://127.0.0.1:9000/x,https://a.example/h"})
    assert loaded.webhook_urls == ("https://a.example/h", "http://127.0.0.1:9000/x")
    for bad in ("ftp://a.example/h", "a.example/h", "https://", "https://a b.example/h"):
        with pytest.raises(ConfigError, match="WEBHOOK_URLS"):
            Settings.load({"WEBHOOK_URLS": bad})
