"""No-show rules, end to end through the webhook: a customer over NO_SHOW_LIMIT books a request
that holds the slot, the owner approves or refuses it, the customer is told; only the last six
months count, and the owner can clear the record without deleting it."""
from __future__ import annotations

import datetime as dt

import pytest

from bot import texts
from scheduler.worker import build_dispatcher
from storage import booking, clock
from storage.db import connection
from storage.demo import seed_demo
from storage.models import (
    Appointment,
    AppointmentStatus,
    AuditLog,
    OutboundMessage,
    OutboxKind,
    Professional,
    Service,
    User,
)
from tests.helpers import ADMIN_PHONE, WhatsApp, freeze, local

ANA = "+5511988887777"
BIA = "+5511977776666"
NOW = local(2026, 12, 7, 8, 0)  # Monday
TUESDAY_15 = "terça-feira, 08/12/2026"


@pytest.fixture
def shop(app, db):
    freeze(NOW)
    seed_demo()
    return app


def no_show(user: User, when: dt.datetime) -> Appointment:
    service = Service.get(Service.name == "Corte")
    start = when.astimezone(dt.UTC)
    return Appointment.create(user=user.id, professional=Professional.active_ones().first().id, service=service.id,
                              date=start, end=start + dt.timedelta(minutes=30), type="Corte", duration=30,
                              status=AppointmentStatus.NO_SHOW, scheduled_at=start - dt.timedelta(days=1))


@pytest.fixture
def ana(shop, whatsapp):
    """Ana, registered, already asked about marketing, with two no-shows this autumn."""
    user = User.create(name="Ana", phone=ANA, marketing_asked_at=NOW - dt.timedelta(days=90))
    no_show(user, local(2026, 9, 10, 10, 0))
    no_show(user, local(2026, 11, 20, 15, 0))
    chat = whatsapp(ANA)
    chat.send("oi")
    return chat


@pytest.fixture
def owner(shop, client):
    return WhatsApp(client, ADMIN_PHONE)


def book_tuesday_15(chat) -> str:
    reply = chat.send("quero marcar corte amanhã às 15h")
    assert reply.startswith("Confirma o agendamento?"), reply
    return chat.send("sim")


def sent_to(app, phone: str) -> list[str]:
    """Runs one worker pass; the texts the memory sender sent to this phone."""
    dispatcher = build_dispatcher(app)
    with connection():
        dispatcher.run_pass()
    dispatcher.close()
    sender = app.extensions["sender"]
    return [m.body or "" for m in sender.sent if m.to == phone]


def test_over_the_limit_a_booking_is_a_request_that_holds_the_slot_until_the_owner_approves(ana, owner, whatsapp,
                                                                                             app):
    reply = book_tuesday_15(ana)
    assert reply == texts.booking_requested("Corte", TUESDAY_15, "15:00", "Barbearia Teste")
    request = Appointment.get(Appointment.status == AppointmentStatus.REQUESTED)
    assert request.date == local(2026, 12, 8, 15, 0)
    alert = OutboundMessage.get((OutboundMessage.kind == OutboxKind.STAFF_ALERT)
                                & (OutboundMessage.recipient == ADMIN_PHONE))
    assert f"aprovar #{request.id}" in alert.params["text"] and f"recusar #{request.id}" in alert.params["text"]
    # The slot is held: nobody else can take it.
    with pytest.raises(booking.SlotTaken):
        bia = User.create(name="Bia", phone=BIA)
        booking.book(user_id=bia.id, service=Service.get(Service.name == "Corte"), start=request.date,
                     rules=booking.Rules.from_settings(app.config["SETTINGS"]),
                     now=clock.now(), professional_id=request.professional_id)
    # Her list shows it as pending; no reminder goes for a request.
    listing = ana.send("meus agendamentos")
    assert texts.REQUEST_PENDING in listing
    assert texts.approval_alert(request.id, "Ana", "+55 11 98888-7777", "Corte", TUESDAY_15, "15:00", 2) \
        in sent_to(app, ADMIN_PHONE)

    reply = owner.send(f"aprovar #{request.id}")
    assert reply == texts.admin_approved(f"#{request.id}", "Ana")
    assert Appointment.get_by_id(request.id).status == AppointmentStatus.BOOKED
    assert sent_to(app, ANA) == [texts.request_approved("Ana", "Corte", TUESDAY_15, "15:00", "Barbearia Teste")]
    # Approving twice changes nothing and says why.
    again = owner.send(f"aprovar #{request.id}")
    assert again == texts.admin_not_a_request(f"#{request.id}", texts.admin_status(False))
    assert sent_to(app, ANA) == [texts.request_approved("Ana", "Corte", TUESDAY_15, "15:00", "Barbearia Teste")]
    assert [a.detail.split(":")[0] for a in AuditLog.select().where(AuditLog.action == "aprovar")
            .order_by(AuditLog.id)] == ["ok", "refused"]


def test_recusar_frees_the_slot_and_tells_the_customer_kindly(ana, owner, whatsapp, app):
    book_tuesday_15(ana)
    request = Appointment.get(Appointment.status == AppointmentStatus.REQUESTED)
    assert owner.send(f"recusar #{request.id}") == texts.admin_refused(f"#{request.id}", "Ana")
    assert Appointment.get_by_id(request.id).status == AppointmentStatus.CANCELLED
    assert sent_to(app, ANA) == [texts.request_refused("Ana", "Corte", TUESDAY_15, "15:00", "Barbearia Teste")]
    # The time is free again: Bia books it at once.
    User.create(name="Bia", phone=BIA, marketing_asked_at=NOW)
    bia = whatsapp(BIA)
    bia.send("oi")
    assert book_tuesday_15(bia).startswith(texts.booked("Corte", TUESDAY_15, "15:00", "Barbearia Teste"))
    # Refusing a booking that is not a request is refused and changes nothing.
    booked = Appointment.get(Appointment.status == AppointmentStatus.BOOKED)
    assert owner.send(f"recusar #{booked.id}") == texts.admin_not_a_request(f"#{booked.id}", texts.admin_status(False))
    assert Appointment.get_by_id(booked.id).status == AppointmentStatus.BOOKED
    assert owner.send("aprovar 12abc") == texts.admin_usage("aprovar")


def test_a_customer_may_cancel_her_own_pending_request(ana):
    book_tuesday_15(ana)
    reply = ana.send("quero desmarcar")
    assert reply.startswith("Cancelar") or "Confirma" in reply or "cancelar" in reply.lower()
    ana.send("sim")
    assert Appointment.select().where(Appointment.status == AppointmentStatus.REQUESTED).count() == 0


def test_only_no_shows_of_the_last_six_months_count(shop, whatsapp):
    user = User.create(name="Ana", phone=ANA, marketing_asked_at=NOW)
    no_show(user, local(2026, 5, 20, 10, 0))  # more than six months ago
    no_show(user, local(2026, 11, 20, 15, 0))
    chat = whatsapp(ANA)
    chat.send("oi")
    assert booking.counted_no_shows(user.id, clock.now()) == 1
    assert book_tuesday_15(chat) == texts.booked("Corte", TUESDAY_15, "15:00", "Barbearia Teste")
    assert Appointment.get(Appointment.date == local(2026, 12, 8, 15, 0)).status == AppointmentStatus.BOOKED


def test_the_owner_clears_a_customers_record_without_deleting_it(ana, owner):
    user = User.get(User.phone == ANA)
    assert owner.send(f"perdoar #{user.id}") == texts.admin_forgiven("Ana", 2)
    assert User.get_by_id(user.id).no_shows_forgiven_at == NOW
    assert Appointment.select().where(Appointment.status == AppointmentStatus.NO_SHOW).count() == 2
    assert "Faltas: *2*" in owner.send(f"cliente #{user.id}")  # the history stays
    assert book_tuesday_15(ana) == texts.booked("Corte", TUESDAY_15, "15:00", "Barbearia Teste")
    assert AuditLog.select().where(AuditLog.action == "perdoar").count() == 1
    assert owner.send("perdoar ninguem-aqui") == texts.ADMIN_NO_CLIENT


def test_the_owner_and_the_api_book_directly_whatever_the_record(ana, owner):
    user = User.get(User.phone == ANA)
    made = booking.book(user_id=user.id, service=Service.get(Service.name == "Corte"), start=local(2026, 12, 8, 16, 0),
                        rules=booking.Rules(tz=local(2026, 1, 1).tzinfo, no_show_limit=2), now=clock.now(),
                        policy=booking.ADMIN)
    assert made.status == AppointmentStatus.BOOKED
    customer = booking.book(user_id=user.id, service=Service.get(Service.name == "Corte"),
                            start=local(2026, 12, 8, 17, 0), rules=booking.Rules(tz=local(2026, 1, 1).tzinfo,
                                                                                  no_show_limit=2),
                            now=clock.now())
    assert customer.status == AppointmentStatus.REQUESTED


def test_no_show_limit_reads_from_the_environment():
    from config import Settings

    assert Settings.load({}).no_show_limit == 2
    assert Settings.load({"NO_SHOW_LIMIT": "3"}).no_show_limit == 3
    assert Settings.load({"NO_SHOW_LIMIT": "off"}).no_show_limit is None
    assert Settings.load({"WINBACK_AFTER": "60d"}).winback_after == dt.timedelta(days=60)
    assert Settings.load({}).winback_after is None


def test_the_daily_summary_lists_yesterdays_no_shows(shop, app):
    bia = User.create(name="Bia", phone=BIA)
    missed = no_show(bia, local(2026, 12, 5, 10, 0))  # Saturday: the day before Sunday's summary
    no_show(bia, local(2026, 12, 4, 10, 0))  # two days before: not listed
    freeze(local(2026, 12, 6, 7, 1))
    dispatcher = build_dispatcher(app)
    with connection():
        dispatcher.run_pass()
    dispatcher.close()
    [summary] = [m.body for m in app.extensions["sender"].sent if m.to == ADMIN_PHONE]
    assert "🚫 *Faltas de ontem:*" in summary
    assert f"#{missed.id} Bia" in summary and summary.count("Bia") == 1
