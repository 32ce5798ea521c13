"""Customers who come back: the return reminder, the win-back and the feedback question, run by
the worker with the clock moved; consent, quiet hours, the weekly cap, `parar promoções`, and two
workers running the pass at once."""
from __future__ import annotations

import datetime as dt
import threading

import pytest

from bot import texts
from bot.states import State
from scheduler import marketing
from scheduler.sender import SendError
from scheduler.worker import build_dispatcher
from storage import booking, clock
from storage.availability import Rules
from storage.db import connection, database
from storage.demo import seed_demo
from storage.models import (
    Appointment,
    AppointmentStatus,
    FeedbackAnswer,
    OutboundMessage,
    OutboxKind,
    OutboxStatus,
    Professional,
    Service,
    User,
)
from tests.helpers import ADMIN_PHONE, SAO_PAULO, WhatsApp, conversation_of, freeze, local

ANA = "+5511988887777"
BIA = "+5511977776666"
NOW = local(2026, 12, 7, 8, 0)  # Monday
TEMPLATE = "HXmarketing0001"
REVIEW = "https://example.com/avalie"


@pytest.fixture
def app(config):
    from app import create_app

    config.update(twilio_marketing_content_sid=TEMPLATE, review_url=REVIEW, daily_summary_at=None)
    application = create_app(config)
    yield application
    if not database.is_closed():
        database.close()


@pytest.fixture
def shop(app, db):
    freeze(NOW)
    seed_demo()
    return app


class Worker:
    def __init__(self, app):
        self.app = app
        self.dispatcher = build_dispatcher(app)

    def at(self, moment: dt.datetime):
        freeze(moment)
        with connection():
            return self.dispatcher.run_pass()

    def marketing_to(self, phone: str) -> list[str]:
        """The text (template variable 2) of every marketing message sent to the phone."""
        return [m.content_variables["2"] for m in self.app.extensions["sender"].sent
                if m.to == phone and m.content_sid == TEMPLATE]


@pytest.fixture
def worker(app):
    w = Worker(app)
    yield w
    w.dispatcher.close()


def customer(name: str, phone: str, consent: bool | None = True) -> User:
    return User.create(name=name, phone=phone, marketing_consent=consent, marketing_asked_at=NOW - dt.timedelta(days=99),
                       marketing_consent_at=NOW - dt.timedelta(days=99) if consent is not None else None)


def visit(user: User, start: dt.datetime, status=AppointmentStatus.DONE, service="Corte") -> Appointment:
    chosen = Service.get(Service.name == service)
    start = start.astimezone(dt.UTC)
    return Appointment.create(user=user.id, professional=Professional.active_ones().first().id, service=chosen.id,
                              date=start, end=start + dt.timedelta(minutes=chosen.duration), type=chosen.name,
                              duration=chosen.duration, status=status, scheduled_at=start - dt.timedelta(days=2))


def set_return(days: int | None, service="Corte") -> None:
    Service.update(return_days=days).where(Service.name == service).execute()


def marketing_rows() -> list[OutboundMessage]:
    return list(OutboundMessage.select().where(OutboundMessage.kind == OutboxKind.MARKETING).order_by(OutboundMessage.id))


# --- return cycle ---------------------------------------------------------------------------------------

def test_the_return_reminder_goes_once_when_the_cycle_is_due_and_a_yes_leads_into_booking(shop, worker, client):
    owner = WhatsApp(client, ADMIN_PHONE)
    corte = Service.get(Service.name == "Corte")
    assert owner.send(f"servico retorno #{corte.id} 21d") == texts.service_return_set(corte.id, "Corte", 21)
    ana = customer("Ana", ANA)
    visit(ana, local(2026, 11, 16, 10, 0))  # due 07/12 10:00
    assert worker.at(local(2026, 12, 7, 9, 59)).created == 0
    worker.at(local(2026, 12, 7, 10, 1))
    expected = texts.return_due("Ana", "Corte", 21, "Barbearia Teste")
    assert worker.marketing_to(ANA) == [" ".join(expected.split())]
    worker.at(local(2026, 12, 7, 15, 0))
    # "sim" leads into booking that service: it asks for the day, it proposes no time of its own.
    chat = WhatsApp(client, ANA)
    reply = chat.send("sim")
    assert conversation_of(ANA).state == State.BOOK_DAY.value
    assert conversation_of(ANA).data["service_id"] == corte.id
    assert "Corte" in reply
    worker.at(local(2026, 12, 9, 10, 0))
    assert len(worker.marketing_to(ANA)) == 1  # exactly once
    assert owner.send(f"servico retorno #{corte.id} -") == texts.service_return_cleared(corte.id, "Corte")
    assert owner.send(f"servico retorno #{corte.id} muito") == texts.admin_usage("servico")


def test_no_return_reminder_for_a_customer_who_booked_again(shop, worker):
    set_return(21)
    ana = customer("Ana", ANA)
    visit(ana, local(2026, 11, 16, 10, 0))
    visit(ana, local(2026, 12, 10, 10, 0), status=AppointmentStatus.BOOKED)
    worker.at(local(2026, 12, 7, 10, 1))
    assert marketing_rows() == [] and worker.marketing_to(ANA) == []


# --- win-back -------------------------------------------------------------------------------------------

def test_win_back_goes_once_per_absence(shop, worker, app):
    app.config["SETTINGS"].winback_after = dt.timedelta(days=60)
    ana = customer("Ana", ANA)
    visit(ana, local(2026, 10, 8, 10, 0))  # 60 days before 07/12 10:00
    assert worker.at(local(2026, 12, 7, 9, 30)).created == 0
    worker.at(local(2026, 12, 7, 10, 5))
    assert worker.marketing_to(ANA) == [" ".join(texts.winback("Ana", "Barbearia Teste").split())]
    for later in (local(2026, 12, 8, 11, 0), local(2026, 12, 15, 11, 0), local(2026, 12, 30, 11, 0)):
        worker.at(later)
    assert len(worker.marketing_to(ANA)) == 1
    # She comes back, then stays away again: a new absence, a new win-back.
    visit(ana, local(2026, 12, 31, 10, 0))
    worker.at(local(2027, 3, 2, 10, 0))
    assert len(worker.marketing_to(ANA)) == 2


def test_win_back_is_off_by_default(shop, worker):
    ana = customer("Ana", ANA)
    visit(ana, local(2025, 1, 8, 10, 0))
    worker.at(local(2026, 12, 7, 10, 5))
    assert worker.marketing_to(ANA) == []


# --- feedback -------------------------------------------------------------------------------------------

def test_feedback_after_an_attended_appointment_once_with_the_review_link_for_a_good_score(shop, worker, client):
    ana = customer("Ana", ANA)
    attended = visit(ana, local(2026, 12, 7, 9, 0))  # ends 09:30
    assert worker.at(local(2026, 12, 7, 10, 0)).created == 0  # not before an hour has passed
    worker.at(local(2026, 12, 7, 10, 31))
    assert worker.marketing_to(ANA) == [" ".join(texts.feedback_question("Ana", "Corte", "Barbearia Teste").split())]
    worker.at(local(2026, 12, 7, 18, 0))
    assert len(worker.marketing_to(ANA)) == 1
    chat = WhatsApp(client, ANA)
    assert chat.send("5") == texts.feedback_thanks(True, REVIEW)
    assert FeedbackAnswer.get().score == 5 and FeedbackAnswer.get().appointment_id == attended.id
    # Only the first answer counts; a later "1" is not read as a score.
    chat.send("1")
    assert FeedbackAnswer.select().count() == 1


def test_a_low_score_goes_to_the_owner(shop, worker, client):
    bia = customer("Bia", BIA)
    visit(bia, local(2026, 12, 7, 9, 0))
    worker.at(local(2026, 12, 7, 10, 31))
    assert texts.feedback_thanks(False, REVIEW) == WhatsApp(client, BIA).send("2")
    alerts = OutboundMessage.select().where((OutboundMessage.kind == OutboxKind.STAFF_ALERT)
                                            & (OutboundMessage.recipient == ADMIN_PHONE))
    assert [a.params["text"] for a in alerts] == [
        texts.feedback_alert("Bia", "+55 11 97777-6666", f"#{bia.id}", 2, "Corte", "07/12/2026")]


def test_no_feedback_for_a_no_show_or_a_cancelled_appointment(shop, worker):
    ana = customer("Ana", ANA)
    visit(ana, local(2026, 12, 7, 9, 0), status=AppointmentStatus.NO_SHOW)
    visit(ana, local(2026, 12, 7, 9, 30), status=AppointmentStatus.CANCELLED)
    worker.at(local(2026, 12, 7, 11, 0))
    assert marketing_rows() == []


# --- the rules for every marketing message --------------------------------------------------------------

def test_quiet_hours_postpone_and_never_drop(shop, worker):
    set_return(21)
    ana = customer("Ana", ANA)
    visit(ana, local(2026, 11, 16, 22, 0))  # due 07/12 at 22:00: inside the quiet hours
    assert worker.at(local(2026, 12, 7, 22, 1)).created == 0
    assert worker.at(local(2026, 12, 8, 7, 59)).created == 0
    assert worker.marketing_to(ANA) == []
    worker.at(local(2026, 12, 8, 8, 0, ))
    assert len(worker.marketing_to(ANA)) == 1
    worker.at(local(2026, 12, 8, 9, 0))
    assert len(worker.marketing_to(ANA)) == 1


def test_a_row_that_falls_due_in_the_quiet_hours_waits_for_eight(shop, worker):
    set_return(21)
    ana = customer("Ana", ANA)
    visit(ana, local(2026, 11, 16, 20, 0))
    freeze(local(2026, 12, 7, 20, 59))
    assert marketing.create_due(clock.now(), worker.app.config["SETTINGS"]) == 1  # made before 21:00
    worker.at(local(2026, 12, 7, 21, 30))  # the worker was late: it postpones
    [row] = marketing_rows()
    assert row.status == OutboxStatus.PENDING and row.next_attempt_at == local(2026, 12, 8, 8, 0).astimezone(dt.UTC)
    assert worker.marketing_to(ANA) == []
    worker.at(local(2026, 12, 8, 8, 0, ))
    assert len(worker.marketing_to(ANA)) == 1 and marketing_rows()[0].status == OutboxStatus.SENT


def test_at_most_one_marketing_message_a_week(shop, worker, app):
    set_return(21)
    app.config["SETTINGS"].winback_after = dt.timedelta(days=22)
    bia = customer("Bia", BIA)
    visit(bia, local(2026, 11, 16, 10, 0))  # a return due 07/12 10:00, a win-back due 08/12 10:00
    worker.at(local(2026, 12, 7, 11, 0))
    assert worker.marketing_to(BIA) == [" ".join(texts.return_due("Bia", "Corte", 21, "Barbearia Teste").split())]
    worker.at(local(2026, 12, 8, 11, 0))  # the win-back is due, but the week is taken
    assert len(worker.marketing_to(BIA)) == 1
    worker.at(local(2026, 12, 13, 11, 0))  # six days later: still capped
    assert len(worker.marketing_to(BIA)) == 1
    worker.at(local(2026, 12, 14, 11, 1))  # a week later: the other one may go
    assert worker.marketing_to(BIA)[1] == " ".join(texts.winback("Bia", "Barbearia Teste").split())
    worker.at(local(2026, 12, 28, 11, 1))
    assert len(worker.marketing_to(BIA)) == 2


def test_the_week_is_taken_by_the_conditional_update_not_by_what_a_worker_read_before(shop):
    """A second worker that read the customer as free just before the first claim committed
    still loses: the week is decided by the UPDATE's condition, not by the earlier read."""
    ana = customer("Ana", ANA)
    first = clock.now()
    assert marketing._claim(ana, "winback:test:1", {"type": marketing.WINBACK}, None, first)
    assert not marketing._claim(ana, "return:test:2", {"type": marketing.RETURN}, None, first + dt.timedelta(seconds=5))
    assert [r.dedupe_key for r in marketing_rows()] == ["winback:test:1"]
    # A key that exists already gives the week back.
    User.update(marketing_last_at=None).where(User.id == ana.id).execute()
    assert not marketing._claim(ana, "winback:test:1", {"type": marketing.WINBACK}, None, first + dt.timedelta(days=8))
    assert User.get_by_id(ana.id).marketing_last_at is None


def test_no_consent_means_nothing(shop, worker):
    set_return(21)
    for name, phone, consent in (("Ana", ANA, None), ("Bia", BIA, False)):
        user = customer(name, phone, consent=consent)
        visit(user, local(2026, 11, 16, 10, 0))
        visit(user, local(2026, 12, 7, 9, 0))
    worker.at(local(2026, 12, 7, 11, 0))
    assert marketing_rows() == []
    assert worker.app.extensions["sender"].sent == []


def test_parar_promocoes_stops_marketing_but_not_reminders(shop, worker, client):
    set_return(21)
    ana = customer("Ana", ANA)
    visit(ana, local(2026, 11, 16, 10, 0))
    booking.book(user_id=ana.id, service=Service.get(Service.name == "Barba"), start=local(2026, 12, 8, 15, 0),
                 rules=Rules(tz=SAO_PAULO), now=clock.now(), policy=booking.ADMIN)
    chat = WhatsApp(client, ANA)
    assert chat.send("parar promoções") == texts.MARKETING_STOPPED
    assert User.get_by_id(ana.id).marketing_consent is False
    worker.at(local(2026, 12, 7, 15, 5))  # the 24 h reminder is due
    sent = worker.app.extensions["sender"].sent
    assert [m for m in sent if m.to == ANA and m.content_sid != TEMPLATE]  # the reminder went
    assert worker.marketing_to(ANA) == []
    assert chat.send("parar promocoes") == texts.MARKETING_STOPPED
    assert chat.send("voltar promoções") == texts.MARKETING_BACK
    assert User.get_by_id(ana.id).marketing_consent is True
    # `parar` stops everything, marketing included.
    chat.send("parar")
    visit(ana, local(2026, 12, 1, 10, 0), service="Sobrancelha")
    worker.at(local(2026, 12, 15, 11, 0))
    assert worker.marketing_to(ANA) == []


def test_without_a_template_outside_the_window_it_is_skipped_and_never_retried(shop, worker, app):
    app.config["SETTINGS"].twilio_marketing_content_sid = None
    ana = customer("Ana", ANA)
    visit(ana, local(2026, 12, 7, 9, 0))
    worker.at(local(2026, 12, 7, 10, 31))
    [row] = marketing_rows()
    assert row.status == OutboxStatus.SKIPPED
    worker.at(local(2026, 12, 7, 12, 0))
    assert marketing_rows()[0].status == OutboxStatus.SKIPPED and app.extensions["sender"].sent == []


def test_a_63016_is_final(shop, worker, app):
    ana = customer("Ana", ANA)
    visit(ana, local(2026, 12, 7, 9, 0))
    app.extensions["sender"].fail_with.append(SendError("outside the window", retryable=False, code=63016, status=400))
    worker.at(local(2026, 12, 7, 10, 31))
    [row] = marketing_rows()
    assert (row.status, row.error_code) == (OutboxStatus.FAILED, 63016)
    worker.at(local(2026, 12, 7, 12, 0))
    assert marketing_rows()[0].status == OutboxStatus.FAILED and app.extensions["sender"].sent == []


def test_consent_is_asked_once_after_the_first_booking(shop, whatsapp):
    User.create(name="Ana", phone=ANA)
    chat = whatsapp(ANA)
    chat.send("oi")
    chat.send("quero marcar corte amanhã às 15h")
    assert chat.send("sim").endswith(texts.consent_question())
    assert chat.send("sim") == texts.CONSENT_YES
    user = User.get(User.phone == ANA)
    assert user.marketing_consent is True and user.marketing_consent_at == clock.now().replace(microsecond=0)
    chat.send("quero marcar barba amanhã às 16h")
    assert not chat.send("sim").endswith(texts.consent_question())  # asked once


# --- two workers ---------------------------------------------------------------------------------------------

def test_two_workers_running_the_pass_at_once_send_each_message_once(shop, app):
    set_return(21)
    app.config["SETTINGS"].winback_after = dt.timedelta(days=21)
    users = [customer(f"Cliente {i}", f"+55119600000{i:02d}") for i in range(12)]
    for user in users:  # a return and a win-back due at once: the week's one message is one of them
        visit(user, local(2026, 11, 16, 10, 0))
    others = [customer(f"Outro {i}", f"+55119700000{i:02d}") for i in range(8)]
    for user in others:  # a feedback due
        visit(user, local(2026, 12, 7, 9, 0))
    database.close()
    freeze(local(2026, 12, 7, 10, 31))
    barrier = threading.Barrier(2)
    errors = []

    def run():
        dispatcher = build_dispatcher(app)
        try:
            with connection():
                barrier.wait()
                dispatcher.run_pass()
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            dispatcher.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    database.connect(reuse_if_open=True)
    sent = [m.to for m in app.extensions["sender"].sent if m.content_sid == TEMPLATE]
    assert sorted(sent) == sorted(u.phone for u in users + others)
    assert len(marketing_rows()) == 20
