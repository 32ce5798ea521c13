"""Reminders and the outbox, through the real `twilio` client against a fake Twilio server."""
from __future__ import annotations

import datetime as dt
import json
import threading

import pytest

from bot import texts
from scheduler.dispatch import RateLimiter
from scheduler.worker import build_dispatcher
from storage import booking, clock
from storage.availability import Rules
from storage.db import connection, database
from storage.demo import seed_demo
from storage.models import (
    Appointment,
    AppointmentStatus,
    OutboundMessage,
    OutboxKind,
    OutboxStatus,
    Service,
    User,
)
from tests.helpers import SAO_PAULO, WEBHOOK_URL, WhatsApp, conversation_of, freeze, local, sign

ANA = "+5511988887777"
BOOKED_AT = local(2026, 12, 7, 8, 0)  # Monday
APPOINTMENT = local(2026, 12, 9, 10, 0)  # Wednesday 10:00


@pytest.fixture
def app(twilio_config):
    from app import create_app

    twilio_config["daily_summary_at"] = None  # only reminders here; the summary has its own tests
    application = create_app(twilio_config)
    yield application
    if not database.is_closed():
        database.close()


@pytest.fixture
def shop(app, db):
    freeze(BOOKED_AT)
    seed_demo()
    return User.create(name="Ana", phone=ANA)


def book(user, start, service="Corte"):
    return booking.book(user_id=user.id, service=Service.get(Service.name == service), start=start,
                        rules=Rules(tz=SAO_PAULO), now=clock.now(), policy=booking.ADMIN)


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


def reminder_rows():
    return list(OutboundMessage.select().where(OutboundMessage.kind == OutboxKind.REMINDER).order_by(OutboundMessage.id))


# --- timing ------------------------------------------------------------------------------------

def test_reminders_go_out_24h_and_2h_before(shop, worker, fake_twilio):
    appointment = book(shop, APPOINTMENT)
    assert worker.at(APPOINTMENT - dt.timedelta(hours=24, seconds=30)).sent == 0
    summary = worker.at(APPOINTMENT - dt.timedelta(hours=24) + dt.timedelta(seconds=20))
    assert (summary.created, summary.sent) == (1, 1)
    expected = texts.reminder("Ana", "Corte", "quarta-feira, 09/12/2026", "10:00", "Barbearia Teste")
    assert fake_twilio.bodies_to(ANA) == [expected]
    assert "*1* - Confirmar" in expected and "*2* - Cancelar" in expected and "*3* - Remarcar" in expected
    form = fake_twilio.messages[0].form
    assert form["From"] == "whatsapp:+5511940000000" and form["To"] == f"whatsapp:{ANA}"
    assert worker.at(APPOINTMENT - dt.timedelta(hours=3)).sent == 0  # nothing twice
    assert worker.at(APPOINTMENT - dt.timedelta(hours=2) + dt.timedelta(seconds=5)).sent == 1
    assert worker.at(APPOINTMENT - dt.timedelta(minutes=10)).sent == 0
    assert len(fake_twilio.messages) == 2
    rows = reminder_rows()
    assert [r.status for r in rows] == [OutboxStatus.SENT, OutboxStatus.SENT]
    assert all(r.twilio_sid and r.body for r in rows) and {r.appointment_id for r in rows} == {appointment.id}


def test_a_lead_already_past_when_booked_is_skipped(shop, worker, fake_twilio):
    book(shop, local(2026, 12, 7, 15, 0))  # booked at 08:00 for 15:00: the 24h lead had passed
    worker.at(local(2026, 12, 7, 12, 0))
    assert fake_twilio.messages == []
    worker.at(local(2026, 12, 7, 13, 0, ) + dt.timedelta(seconds=1))
    assert len(fake_twilio.messages) == 1
    assert [r.dedupe_key.rsplit(":", 1)[1] for r in reminder_rows()] == ["120"]


def test_after_an_outage_only_the_nearest_due_lead_goes_and_never_too_late(shop, worker, fake_twilio):
    book(shop, APPOINTMENT)  # Wednesday 10:00
    bia = User.create(name="Bia", phone="+5511977776666")
    other = book(bia, APPOINTMENT + dt.timedelta(hours=1))  # 11:00
    # The worker was down from Monday until Wednesday 08:30. Ana's 24h and 2h leads are both
    # due: only the 2h one goes. Bia's 2h lead is not due yet, so her 24h one goes.
    summary = worker.at(APPOINTMENT - dt.timedelta(hours=1, minutes=30))
    assert (summary.sent, summary.skipped) == (2, 1)
    statuses = sorted((r.appointment_id == other.id, r.dedupe_key.rsplit(":", 1)[1], r.status.value)
                      for r in reminder_rows())
    assert statuses == [(False, "120", "sent"), (False, "1440", "skipped"), (True, "1440", "sent")]
    assert worker.at(APPOINTMENT - dt.timedelta(minutes=59)).sent == 1  # Bia's 2h
    assert len(fake_twilio.bodies_to(bia.phone)) == 2 and len(fake_twilio.bodies_to(ANA)) == 1


def test_a_late_reminder_inside_the_last_half_hour_is_skipped(shop, worker, fake_twilio):
    book(shop, APPOINTMENT)
    summary = worker.at(APPOINTMENT - dt.timedelta(minutes=20))
    assert summary.sent == 0 and fake_twilio.messages == []
    assert {r.status for r in reminder_rows()} == {OutboxStatus.SKIPPED}


def test_nothing_for_cancelled_appointments_or_opted_out_numbers(shop, worker, fake_twilio):
    cancelled = book(shop, APPOINTMENT)
    booking.cancel(cancelled.id, rules=Rules(tz=SAO_PAULO), policy=booking.ADMIN, now=clock.now())
    bia = User.create(name="Bia", phone="+5511977776666", opted_out_at=clock.now())
    book(bia, APPOINTMENT + dt.timedelta(hours=1))
    summary = worker.at(APPOINTMENT - dt.timedelta(hours=23))
    assert summary.sent == 0 and fake_twilio.messages == []
    assert [r.status for r in reminder_rows()] == [OutboxStatus.SKIPPED]  # Bia's, never sent


def test_a_reminder_created_then_cancelled_before_dispatch_is_not_sent(shop, worker, fake_twilio):
    appointment = book(shop, APPOINTMENT)
    from scheduler.reminders import create_due

    freeze(APPOINTMENT - dt.timedelta(hours=23))
    create_due(clock.now(), (dt.timedelta(hours=24), dt.timedelta(hours=2)))
    booking.cancel(appointment.id, rules=Rules(tz=SAO_PAULO), policy=booking.ADMIN, now=clock.now())
    worker.at(APPOINTMENT - dt.timedelta(hours=23))
    assert fake_twilio.messages == []
    assert reminder_rows()[0].status == OutboxStatus.CANCELLED


def test_a_rescheduled_appointment_gets_its_reminders_again(shop, worker, fake_twilio):
    appointment = book(shop, APPOINTMENT)
    worker.at(APPOINTMENT - dt.timedelta(hours=23))
    assert len(fake_twilio.messages) == 1
    booking.reschedule(appointment.id, APPOINTMENT + dt.timedelta(days=1), rules=Rules(tz=SAO_PAULO), now=clock.now())
    worker.at(APPOINTMENT - dt.timedelta(hours=1, minutes=59))  # the old 2h reminder must not go
    assert len(fake_twilio.messages) == 1
    worker.at(APPOINTMENT + dt.timedelta(days=1) - dt.timedelta(hours=23))
    assert fake_twilio.bodies_to(ANA)[-1] == texts.reminder("Ana", "Corte", "quinta-feira, 10/12/2026", "10:00",
                                                            "Barbearia Teste")


def test_templates_are_used_when_configured(twilio_config, fake_twilio, db):
    from app import create_app

    twilio_config.update(twilio_reminder_content_sid="HX" + "a" * 32, daily_summary_at=None)
    app = create_app(twilio_config)
    freeze(BOOKED_AT)
    seed_demo()
    book(User.create(name="Ana Souza", phone=ANA), APPOINTMENT)
    worker = Worker(app)
    worker.at(APPOINTMENT - dt.timedelta(hours=23))
    worker.dispatcher.close()
    form = fake_twilio.messages[0].form
    assert "Body" not in form
    assert form["ContentSid"] == "HX" + "a" * 32
    assert json.loads(form["ContentVariables"]) == {"1": "Ana Souza", "2": "Corte", "3": "09/12/2026",
                                                    "4": "10:00", "5": "Barbearia Teste"}
    row = reminder_rows()[0]
    assert row.body is None and row.content_sid == "HX" + "a" * 32 and row.content_variables["3"] == "09/12/2026"


# --- failures and retries -------------------------------------------------------------------------------

def test_429_then_201_sends_once_after_a_retry(shop, worker, fake_twilio):
    book(shop, APPOINTMENT)
    fake_twilio.fail_next(429, 20429, "Too Many Requests")
    start = APPOINTMENT - dt.timedelta(hours=23)
    summary = worker.at(start)
    assert (summary.sent, summary.retried) == (0, 1)
    row = reminder_rows()[0]
    assert row.status == OutboxStatus.PENDING and row.error_code == 20429 and row.next_attempt_at > start
    assert worker.at(start + dt.timedelta(seconds=5)).sent == 0  # still backing off
    assert worker.at(start + dt.timedelta(minutes=2)).sent == 1
    assert len(fake_twilio.messages) == 1 and fake_twilio.attempts == 2
    row = reminder_rows()[0]
    assert (row.status, row.attempts, row.error_code) == (OutboxStatus.SENT, 2, None)


def test_a_server_error_is_retried_until_the_attempts_run_out(shop, worker, fake_twilio, app):
    book(shop, APPOINTMENT)
    attempts = app.config["SETTINGS"].outbox_max_attempts
    for _ in range(attempts):
        fake_twilio.fail_next(503, 20500, "Service Unavailable")
    moment = APPOINTMENT - dt.timedelta(hours=23, minutes=50)
    for _ in range(attempts):
        worker.at(moment)
        moment += dt.timedelta(hours=1)
    row = reminder_rows()[0]
    assert (row.status, row.attempts, row.error_code) == (OutboxStatus.FAILED, attempts, 20500)
    assert fake_twilio.messages == []


def test_outside_the_24h_window_63016_fails_the_row_with_its_code(shop, worker, fake_twilio):
    book(shop, APPOINTMENT)
    fake_twilio.fail_next(400, 63016, "Failed to send freeform message because you are outside the allowed window")
    summary = worker.at(APPOINTMENT - dt.timedelta(hours=23))
    assert summary.failed == 1
    row = reminder_rows()[0]
    assert (row.status, row.error_code, row.attempts) == (OutboxStatus.FAILED, 63016, 1)
    assert worker.at(APPOINTMENT - dt.timedelta(hours=22)).sent == 0  # permanent: not retried


def test_a_crashed_workers_claim_expires_and_the_message_goes_once(shop, worker, fake_twilio, app):
    book(shop, APPOINTMENT)
    start = APPOINTMENT - dt.timedelta(hours=23)
    freeze(start)
    from scheduler.reminders import create_due

    with connection():
        create_due(clock.now(), app.config["SETTINGS"].reminder_leads)
        claimed = worker.dispatcher.claim(10)  # ...and the worker dies before sending
    assert [r.status for r in claimed] == [OutboxStatus.SENDING]
    assert worker.at(start + dt.timedelta(minutes=1)).sent == 0  # the claim still holds
    assert worker.at(start + dt.timedelta(minutes=3)).sent == 1  # expired: retried by another pass
    assert len(fake_twilio.messages) == 1
    assert reminder_rows()[0].attempts == 2


# --- status callbacks -----------------------------------------------------------------------------------

def callback(client, sid, status, error_code=None, signature=None):
    form = {"MessageSid": sid, "MessageStatus": status, "AccountSid": "AC" + "0" * 32}
    if error_code:
        form["ErrorCode"] = error_code
    url = WEBHOOK_URL + "/status"
    return client.post("/whatsapp/status", data=form,
                       headers={"X-Twilio-Signature": sign(url, form) if signature is None else signature})


def test_status_callbacks_move_statuses_forward_only(shop, worker, client):
    book(shop, APPOINTMENT)
    worker.at(APPOINTMENT - dt.timedelta(hours=23))
    row = reminder_rows()[0]

    def status():
        return OutboundMessage.get_by_id(row.id).status

    assert callback(client, row.twilio_sid, "sent").status_code == 204
    assert status() == OutboxStatus.SENT
    callback(client, row.twilio_sid, "read")
    assert status() == OutboxStatus.READ
    callback(client, row.twilio_sid, "delivered")  # late: never backwards
    callback(client, row.twilio_sid, "sent")
    callback(client, row.twilio_sid, "failed", "30008")
    assert status() == OutboxStatus.READ
    assert callback(client, "SM" + "9" * 32, "delivered").status_code == 204
    assert callback(client, row.twilio_sid, "delivered", signature="forged").status_code == 403


def test_undelivered_records_the_error_code(shop, worker, client):
    book(shop, APPOINTMENT)
    worker.at(APPOINTMENT - dt.timedelta(hours=23))
    row = reminder_rows()[0]
    callback(client, row.twilio_sid, "undelivered", "63024")
    stored = OutboundMessage.get_by_id(row.id)
    assert (stored.status, stored.error_code) == (OutboxStatus.FAILED, 63024)
    callback(client, row.twilio_sid, "delivered")
    assert OutboundMessage.get_by_id(row.id).status == OutboxStatus.FAILED


# --- replies to a reminder ------------------------------------------------------------------------------

def test_replying_1_to_a_reminder_confirms(shop, worker, client):
    appointment = book(shop, APPOINTMENT)
    worker.at(APPOINTMENT - dt.timedelta(hours=23))
    chat = WhatsApp(client, ANA)
    assert chat.send("1") == texts.reminder_confirmed("quarta-feira, 09/12/2026", "10:00")
    assert Appointment.get_by_id(appointment.id).confirmed_at is not None
    assert "Qual serviço" in chat.send("1")  # only the first message answers the reminder


def test_replying_2_or_3_to_a_reminder_cancels_or_moves_under_the_same_rules(shop, worker, client):
    appointment = book(shop, APPOINTMENT)
    worker.at(APPOINTMENT - dt.timedelta(hours=23))
    chat = WhatsApp(client, ANA)
    line = texts.appointment_line("Corte", "quarta-feira, 09/12/2026", "10:00")
    assert chat.send("cancelar") == texts.confirm_cancel(line)
    assert chat.send("sim") == texts.cancelled(line)
    assert Appointment.get_by_id(appointment.id).status == AppointmentStatus.CANCELLED
    second = book(shop, APPOINTMENT + dt.timedelta(days=1))
    worker.at(APPOINTMENT + dt.timedelta(days=1) - dt.timedelta(hours=20))  # the 24h reminder
    reply = chat.send("3")
    assert reply.startswith("Vamos remarcar *Corte* - quinta-feira, 10/12/2026")
    assert conversation_of(ANA).data["appointment_id"] == second.id
    chat.send("sair")
    # The 2h reminder arrives inside the 2h cancellation notice: the same rule refuses.
    worker.at(APPOINTMENT + dt.timedelta(days=1) - dt.timedelta(hours=1, minutes=59))
    assert chat.send("2").startswith(texts.too_late_to_change(120))
    assert Appointment.get_by_id(second.id).status == AppointmentStatus.BOOKED


def test_a_reply_after_24_hours_is_not_a_reminder_reply(shop, worker, client):
    book(shop, APPOINTMENT)
    worker.at(APPOINTMENT - dt.timedelta(hours=23, minutes=30))
    freeze(APPOINTMENT + dt.timedelta(minutes=31) - dt.timedelta(hours=0))
    chat = WhatsApp(client, ANA)
    assert "Qual serviço" in chat.send("1")


# --- notices ------------------------------------------------------------------------------------------------

def test_a_cancellation_through_the_api_notifies_the_customer(shop, worker, fake_twilio, api):
    appointment = book(shop, APPOINTMENT)
    assert api.delete(f"/appointments/{appointment.id}").status_code == 200
    assert fake_twilio.messages == []  # never inside the request
    worker.at(clock.now() + dt.timedelta(seconds=1))
    assert fake_twilio.bodies_to(ANA) == [texts.cancellation_notice(
        "Ana", "Corte", "quarta-feira, 09/12/2026", "10:00", "Barbearia Teste")]


def test_notices_use_the_notice_template_when_configured(twilio_config, fake_twilio, db):
    from app import create_app

    twilio_config.update(twilio_notice_content_sid="HX" + "b" * 32, daily_summary_at=None)
    app = create_app(twilio_config)
    freeze(BOOKED_AT)
    seed_demo()
    appointment = book(User.create(name="Ana", phone=ANA), APPOINTMENT)
    booking.cancel(appointment.id, rules=Rules(tz=SAO_PAULO), policy=booking.ADMIN, now=clock.now(), reason="feriado", notify=True)
    worker = Worker(app)
    worker.at(clock.now() + dt.timedelta(seconds=1))
    worker.dispatcher.close()
    form = fake_twilio.messages[0].form
    assert "Body" not in form and form["ContentSid"] == "HX" + "b" * 32
    variables = json.loads(form["ContentVariables"])
    assert variables["1"] == "Ana" and "Motivo: feriado" in variables["2"] and "\n" not in variables["2"]


# --- the dispatcher's mechanics -----------------------------------------------------------------------------

def test_two_dispatchers_claiming_at_once_never_share_a_row(shop, app):
    User.insert_many([{"name": f"C{i}", "phone": f"+5511977{i:06d}"} for i in range(60)]).execute()
    from storage.outbox import enqueue

    for i in range(60):
        enqueue(OutboxKind.NOTICE, f"+5511977{i:06d}", params={"text": "oi"})
    database.close()
    claimed: list[list[int]] = []
    barrier = threading.Barrier(3)

    def claim():
        dispatcher = build_dispatcher(app)
        with connection():
            barrier.wait()
            ids = []
            while rows := dispatcher.claim(7):
                ids += [r.id for r in rows]
            claimed.append(ids)
        dispatcher.close()

    threads = [threading.Thread(target=claim) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    everything = [i for ids in claimed for i in ids]
    assert len(everything) == len(set(everything)) == 60


def test_the_rate_limiter_spaces_sends_evenly(monkeypatch):
    now = [100.0]
    monkeypatch.setattr("scheduler.dispatch.time.monotonic", lambda: now[0])
    limiter = RateLimiter(80)
    assert limiter.delay() == 0  # the first goes at once
    assert limiter.delay() == pytest.approx(1 / 80)
    now[0] += 1 / 80
    assert limiter.delay() == 0
    now[0] += 10  # idle: no burst saved up
    assert limiter.delay() == 0
    assert limiter.delay() == pytest.approx(1 / 80)
    assert RateLimiter(None).delay() == 0
