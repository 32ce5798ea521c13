"""People in the loop: a customer's chat handed to a person, and each professional on their own
phone."""
from __future__ import annotations

import datetime as dt

import pytest

from bot import texts
from scheduler.worker import build_dispatcher
from storage import booking, clock
from storage.availability import Rules
from storage.db import connection
from storage.demo import seed_demo
from storage.models import (
    Appointment,
    AppointmentStatus,
    AuditLog,
    Block,
    Handoff,
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
BRUNO_PHONE = "+5511955554444"
SECOND_OWNER = "+5511900000002"


@pytest.fixture
def config(config):
    config["admin_phones"] = (ADMIN_PHONE, SECOND_OWNER)
    return config


@pytest.fixture
def shop(app, db):
    """The demo business; Monday 07/12/2026 10:00 in São Paulo (open)."""
    freeze(local(2026, 12, 7, 10, 0))
    seed_demo()
    return app


def run_worker(app) -> None:
    dispatcher = build_dispatcher(app)
    try:
        with connection():
            dispatcher.run_pass()
    finally:
        dispatcher.close()


def sent_to(address: str, kind: OutboxKind | None = None) -> list[OutboundMessage]:
    query = OutboundMessage.select().where(OutboundMessage.recipient == address)
    if kind is not None:
        query = query.where(OutboundMessage.kind == kind)
    return list(query.order_by(OutboundMessage.id))


def texts_to(address: str, kind: OutboxKind | None = None) -> list[str]:
    return [(row.body or (row.params or {}).get("text") or "") for row in sent_to(address, kind)
            if not (row.params or {}).get("lines")]


def book(phone: str, start: dt.datetime, professional: Professional | None = None, service: str = "Corte"):
    user = User.get_or_none(User.phone == phone) or User.create(name="Cliente", phone=phone)
    return booking.book(user_id=user.id, service=Service.get(Service.name == service), start=start,
                        rules=Rules(tz=SAO_PAULO), now=clock.now(), policy=booking.ADMIN,
                        professional_id=professional.id if professional else None)


# --- handoff ---------------------------------------------------------------------------------------------

def test_a_customer_asks_for_a_person_who_answers_by_swipe_and_by_responder(shop, client):
    User.create(name="Ana", phone=ANA)
    ana = WhatsApp(client, ANA)
    ana.send("oi")
    ana.send("quero saber se vocês cortam cabelo cacheado")
    reply = ana.send("falar com atendente")
    assert reply == texts.handed_over(texts.TEAM_WILL_ANSWER, texts.ANSWER_SOON)
    handoff = Handoff.get()
    assert handoff.open_for == handoff.user_id and handoff.reason == "asked"
    for owner in (ADMIN_PHONE, SECOND_OWNER):
        [alert] = texts_to(owner, OutboxKind.STAFF_ALERT)
        assert "*Ana (+55 11 98888-7777)* quer falar com uma pessoa" in alert
        assert "> quero saber se vocês cortam cabelo cacheado" in alert and f"responder #{handoff.user_id}" in alert

    # While a person has the chat the bot is silent, and a burst reaches the staff as one message.
    assert ana.send("é para amanhã") == ""
    assert ana.send("de tarde se der") == ""
    assert ana.send("menu") == ""  # not the bot's menu: the staff get it
    freeze(local(2026, 12, 7, 10, 1))  # the burst's few seconds have passed
    run_worker(shop)
    relays = [row for row in sent_to(ADMIN_PHONE, OutboxKind.STAFF_ALERT) if row.params.get("lines")]
    assert len(relays) == 1 and relays[0].params["lines"] == ["é para amanhã", "de tarde se der", "menu"]
    assert relays[0].status == OutboxStatus.SENT

    owner = WhatsApp(client, ADMIN_PHONE)
    reply = owner.send("Temos sim! Amanhã às 15h?", OriginalRepliedMessageSid=relays[0].twilio_sid)
    assert reply == texts.staff_answer_sent("Ana")
    assert texts_to(ANA, OutboxKind.STAFF_MESSAGE) == ["Temos sim! Amanhã às 15h?"]
    assert owner.send(f"responder #{handoff.user_id} Pode confirmar?") == texts.staff_answer_sent("Ana")
    assert texts_to(ANA, OutboxKind.STAFF_MESSAGE)[-1] == "Pode confirmar?"
    assert f"#{handoff.user_id} Ana" in owner.send("atendimentos")

    assert owner.send(f"encerrar #{handoff.user_id}") == texts.handoff_closed("Ana")
    assert texts_to(ANA, OutboxKind.STAFF_MESSAGE)[-1] == texts.HANDOFF_BACK
    assert ana.send("menu") == texts.menu("Ana")  # the bot answers again
    actions = [row.action for row in AuditLog.select().order_by(AuditLog.id)]
    assert actions == ["responder", "atendimentos", "encerrar"]
    assert {row.actor for row in AuditLog.select()} == {ADMIN_PHONE}


def test_two_customers_in_a_handoff_never_get_each_others_answers(shop, client):
    for phone, name in ((ANA, "Ana"), (BIA, "Bia")):
        User.create(name=name, phone=phone)
        chat = WhatsApp(client, phone)
        chat.send("humano")
        chat.send(f"aqui é a {name}")
    freeze(local(2026, 12, 7, 10, 1))
    run_worker(shop)
    owner = WhatsApp(client, ADMIN_PHONE)
    by_customer = {}
    for row in sent_to(ADMIN_PHONE, OutboxKind.STAFF_ALERT):
        if row.params.get("lines"):
            by_customer[row.params["lines"][0]] = row.twilio_sid
    owner.send("para a Bia", OriginalRepliedMessageSid=by_customer["aqui é a Bia"])
    owner.send("para a Ana", OriginalRepliedMessageSid=by_customer["aqui é a Ana"])
    assert texts_to(ANA, OutboxKind.STAFF_MESSAGE) == ["para a Ana"]
    assert texts_to(BIA, OutboxKind.STAFF_MESSAGE) == ["para a Bia"]


def test_the_chat_returns_to_the_bot_after_the_staffs_silence_once(shop, client):
    User.create(name="Ana", phone=ANA)
    ana = WhatsApp(client, ANA)
    ana.send("quero falar com alguém")
    freeze(local(2026, 12, 7, 12, 1))  # HANDOFF_TIMEOUT (2 h) of silence from the staff
    run_worker(shop)
    run_worker(shop)
    assert texts_to(ANA, OutboxKind.STAFF_MESSAGE) == [texts.HANDOFF_BACK]
    assert Handoff.get().open_for is None and Handoff.get().closed_by == "timeout"
    assert ana.send("menu") == texts.menu("Ana")


def test_outside_opening_hours_the_customer_hears_when_someone_answers(shop, client):
    freeze(local(2026, 12, 7, 20, 0))  # Monday evening: closed
    User.create(name="Ana", phone=ANA)
    reply = WhatsApp(client, ANA).send("falar com atendente")
    assert reply == texts.handed_over(texts.TEAM_WILL_ANSWER, texts.answer_at("terça-feira, 08/12/2026", "09:00"))


def test_two_answers_not_understood_in_a_row_offer_a_person(shop, client):
    User.create(name="Ana", phone=ANA)
    ana = WhatsApp(client, ANA)
    ana.send("oi")
    ana.send("agendar")
    assert ana.send("xyz").startswith("Não entendi")
    assert ana.send("abc") == texts.OFFER_PERSON
    assert ana.send("não").startswith("Combinado, vamos continuar.")
    assert conversation_of(ANA).state == "book_service"
    ana.send("xyz")
    ana.send("abc")
    assert ana.send("1") == texts.handed_over(texts.TEAM_WILL_ANSWER, texts.ANSWER_SOON)
    assert Handoff.get().reason == "offered"


# --- a professional on their own phone ----------------------------------------------------------------------

@pytest.fixture
def team(shop, client):
    """Carlos (the default professional) and Bruno, who has his own phone."""
    carlos = Professional.get()
    carlos.name = "Carlos"
    carlos.save()
    bruno = Professional.create(name="Bruno")
    owner = WhatsApp(client, ADMIN_PHONE)
    assert owner.send(f"profissional telefone #{bruno.id} 11 95555-4444") == \
        texts.professional_phone_set("Bruno", BRUNO_PHONE)
    return {"carlos": carlos, "bruno": Professional.get_by_id(bruno.id), "owner": owner,
            "bruno_chat": WhatsApp(client, BRUNO_PHONE)}


def test_a_professional_sees_and_touches_only_their_own(team):
    mine = book(ANA, local(2026, 12, 8, 9, 0), team["bruno"])
    theirs = book(BIA, local(2026, 12, 8, 9, 0), team["carlos"])
    bruno = team["bruno_chat"]
    agenda = bruno.send("agenda amanhã")
    assert f"#{mine.id}" in agenda and f"#{theirs.id}" not in agenda and "Carlos" not in agenda
    assert f"#{theirs.id}" not in bruno.send("agenda amanhã Carlos")
    assert bruno.send("clientes") == texts.OWNER_ONLY
    assert bruno.send(f"cancelar #{theirs.id}") == texts.OWNER_ONLY
    freeze(local(2026, 12, 8, 9, 30))
    assert bruno.send(f"faltou #{theirs.id}") == texts.ADMIN_NOT_FOUND.format(ref=f"#{theirs.id}")
    assert bruno.send(f"faltou #{mine.id}") == texts.admin_marked(f"#{mine.id}", True)
    assert Appointment.get_by_id(theirs.id).status == AppointmentStatus.BOOKED
    bruno.send("bloquear 09/12 14:00-16:00")
    assert Block.get().professional_id == team["bruno"].id
    assert bruno.send("ajuda") == texts.staff_help()
    assert {row.actor for row in AuditLog.select().where(AuditLog.action != "profissional")} == {BRUNO_PHONE}


def test_a_professional_is_told_of_each_change_to_their_appointments_once(team):
    appointment = book(ANA, local(2026, 12, 8, 9, 0), team["bruno"])
    booking.reschedule(appointment.id, local(2026, 12, 8, 10, 0), rules=Rules(tz=SAO_PAULO), now=clock.now(),
                       policy=booking.ADMIN)
    booking.cancel(appointment.id, rules=Rules(tz=SAO_PAULO), now=clock.now(), policy=booking.ADMIN)
    book(BIA, local(2026, 12, 8, 9, 0), team["carlos"])  # not Bruno's: he hears nothing of it
    run_worker(team["bruno_chat"].client.application)
    run_worker(team["bruno_chat"].client.application)
    alerts = texts_to(BRUNO_PHONE, OutboxKind.STAFF_ALERT)
    assert [a.split(":")[0] for a in alerts] == [texts.STAFF_EVENTS[e] for e in ("booked", "moved", "cancelled")]
    assert all(row.status == OutboxStatus.SENT for row in sent_to(BRUNO_PHONE))


@pytest.mark.parametrize("choice", ["1", "2"])
def test_a_sick_day_moves_or_tells_every_customer_exactly_once(team, client, choice):
    first = book(ANA, local(2026, 12, 8, 9, 0), team["bruno"])
    second = book(BIA, local(2026, 12, 8, 10, 0), team["bruno"])
    book("+5511966665555", local(2026, 12, 8, 10, 0), team["carlos"])  # Carlos is busy at 10:00
    bruno = team["bruno_chat"]
    assert bruno.send("não vou poder amanhã") == texts.confirm_sick_day("terça-feira, 08/12/2026", 2)
    assert bruno.send("sim") == texts.sick_day_blocked("terça-feira, 08/12/2026", 2)
    block = Block.get()
    assert block.professional_id == team["bruno"].id
    question = texts.ask_owner_about_sick_day("Bruno", "terça-feira, 08/12/2026", 2)
    assert texts_to(ADMIN_PHONE, OutboxKind.STAFF_ALERT) == [question]
    assert texts_to(SECOND_OWNER, OutboxKind.STAFF_ALERT) == [question]

    owner = team["owner"]
    reply = owner.send(choice)
    other = WhatsApp(client, SECOND_OWNER).send("2")  # too late: decided once
    assert other == texts.SICK_ALREADY_DECIDED
    to_ana, to_bia = texts_to(ANA, OutboxKind.STAFF_MESSAGE), texts_to(BIA, OutboxKind.STAFF_MESSAGE)
    assert len(to_ana) == len(to_bia) == 1
    if choice == "1":  # 09:00 moves to Carlos; 10:00 cannot (Carlos is busy): Bia is told
        assert reply == texts.sick_day_done(1, 1)
        assert Appointment.get_by_id(first.id).professional_id == team["carlos"].id
        assert to_ana == [texts.moved_to_another("Corte", "terça-feira, 08/12/2026", "09:00", "Carlos")]
        assert Appointment.get_by_id(second.id).professional_id == team["bruno"].id
    else:
        assert reply == texts.sick_day_done(0, 2)
        assert to_ana == [texts.professional_unavailable("Bruno", "Corte", "terça-feira, 08/12/2026", "09:00")]
    assert to_bia == [texts.professional_unavailable("Bruno", "Corte", "terça-feira, 08/12/2026", "10:00")]
    assert bruno.send("estou doente amanhã") == texts.confirm_sick_day("terça-feira, 08/12/2026", 1 if choice == "1" else 2)
    assert bruno.send("sim") == texts.sick_day_already("terça-feira, 08/12/2026")


def test_a_handoff_goes_to_the_professional_of_the_next_appointment(team):
    book(ANA, local(2026, 12, 8, 9, 0), team["bruno"])
    User.update(name="Ana").where(User.phone == ANA).execute()
    ana = WhatsApp(team["bruno_chat"].client, ANA)
    assert ana.send("falar com atendente") == texts.handed_over("Bruno", texts.ANSWER_SOON)
    assert len([row for row in sent_to(BRUNO_PHONE, OutboxKind.STAFF_ALERT) if row.params.get("handoff")]) == 1
    assert texts_to(ADMIN_PHONE, OutboxKind.STAFF_ALERT) == []
    handoff = Handoff.get()
    bruno = team["bruno_chat"]
    assert f"#{handoff.user_id}" in bruno.send("atendimentos")
    assert bruno.send(f"responder #{handoff.user_id} Oi Ana!") == texts.staff_answer_sent("Ana")
    other = User.create(name="Outro", phone="+5511944443333")
    assert bruno.send(f"responder #{other.id} oi") == texts.no_open_handoff(f"#{other.id}")
