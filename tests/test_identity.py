"""Customers with WhatsApp usernames: known by their WhatsApp user id (BSUID) when Twilio sends
one, by their phone when it is visible, and the same person whichever identifies them."""
from __future__ import annotations

import multiprocessing

import pytest

from bot import texts
from scheduler.worker import build_dispatcher
from storage import booking, clock
from storage.availability import Rules
from storage.db import connection, database
from storage.demo import seed_demo
from storage.models import (
    Appointment,
    AppointmentStatus,
    Conversation,
    OutboundMessage,
    OutboxKind,
    OutboxStatus,
    Service,
    User,
)
from tests import workers
from tests.helpers import ADMIN_PHONE, API_TOKEN, SAO_PAULO, WhatsApp, freeze, inbound_form, local
from tests.live import gunicorn

PHONE = "+5511988887777"
BSUID = "BR.1A2B3C4D5E6F7G8H9"
OTHER_BSUID = "BR.99887766554433"


@pytest.fixture
def app(twilio_config):
    from app import create_app

    twilio_config["daily_summary_at"] = None
    application = create_app(twilio_config)
    yield application
    if not database.is_closed():
        database.close()


@pytest.fixture
def shop(app, db):
    """The demo business; Monday 07/12/2026 08:00 in São Paulo."""
    freeze(local(2026, 12, 7, 8, 0))
    seed_demo()
    return app


def run_worker(app) -> None:
    dispatcher = build_dispatcher(app)
    try:
        with connection():
            dispatcher.run_pass()
    finally:
        dispatcher.close()


SHAPES = {
    "phone only": {"phone": PHONE, "whatsapp_id": None},
    "phone and user id": {"phone": PHONE, "whatsapp_id": BSUID},
    "user id only": {"phone": None, "whatsapp_id": BSUID},
}


@pytest.mark.parametrize("shape", list(SHAPES))
def test_each_shape_registers_books_is_reminded_answers_cancels_and_opts_out(shop, client, fake_twilio, shape):
    chat = WhatsApp(client, **SHAPES[shape])
    assert texts.ASK_NAME in chat.send("oi")
    assert chat.send("Ana") == texts.registered("Ana")
    person = User.get(User.name == "Ana")
    assert (person.phone, person.whatsapp_id) == (SHAPES[shape]["phone"], SHAPES[shape]["whatsapp_id"])
    chat.send("agendar")
    chat.send("corte")
    assert chat.send("quarta às 10h") == texts.confirm_booking("Corte", "quarta-feira, 09/12/2026", "10:00")
    assert chat.send("sim").startswith("✅ Agendado!")
    assert "quarta-feira, 09/12/2026" in chat.send("meus agendamentos")

    freeze(local(2026, 12, 8, 10, 5))  # the 24 h reminder is due
    run_worker(shop)
    address = SHAPES[shape]["phone"] or SHAPES[shape]["whatsapp_id"]  # the phone whenever it is known
    assert len(fake_twilio.bodies_to(address)) == 1
    reminder = OutboundMessage.get(OutboundMessage.kind == OutboxKind.REMINDER)
    assert (reminder.recipient, reminder.user_id, reminder.status) == (address, person.id, OutboxStatus.SENT)

    assert chat.send("1").startswith("Presença confirmada")
    assert Appointment.get().confirmed_at is not None
    assert chat.send("cancelar").startswith("Cancelar")
    assert chat.send("sim").startswith("Cancelado")
    assert Appointment.get().status == AppointmentStatus.CANCELLED
    assert chat.send("parar") == texts.OPTED_OUT
    assert User.get_by_id(person.id).opted_out_at is not None
    assert User.select().count() == 2  # Ana and the demo owner: one row per person


@pytest.mark.parametrize("shape", list(SHAPES))
def test_the_owner_finds_and_sees_each_shape(shop, client, shape):
    person = User.create(name="Ana Souza", **SHAPES[shape])
    appointment = booking.book(user_id=person.id, service=Service.get(Service.name == "Corte"),
                               start=local(2026, 12, 8, 9, 0), rules=Rules(tz=SAO_PAULO), now=clock.now(),
                               policy=booking.ADMIN)
    owner = WhatsApp(client, ADMIN_PHONE)
    shown = "+55 11 98888-7777" if SHAPES[shape]["phone"] else texts.whatsapp_user(BSUID)
    assert f"#{appointment.id} Ana Souza ({shown})" in owner.send("agenda amanhã")
    for reference in ("ana", f"#{person.id}", *(v for v in SHAPES[shape].values() if v)):
        reply = owner.send(f"cliente {reference}")
        assert reply.startswith(f"👤 *Ana Souza* - {shown}"), (reference, reply)
    assert "Ana Souza" in owner.send("clientes")
    assert owner.send(f"cancelar #{appointment.id} imprevisto").startswith("❌")
    notice = OutboundMessage.get(OutboundMessage.kind == OutboxKind.CANCELLATION)
    assert (notice.recipient, notice.user_id) == (person.address, person.id)


def test_a_customer_who_adopts_a_username_keeps_everything(shop, client, fake_twilio):
    """Phone only, then phone + user id (which links them), then user id only: the same person,
    with the same appointment, conversation, pending reminder and opt-outs."""
    by_phone = WhatsApp(client, PHONE)
    by_phone.send("oi")
    by_phone.send("Ana")
    by_phone.send("agendar")
    by_phone.send("corte")
    by_phone.send("quarta às 10h")
    by_phone.send("sim")
    person = User.get(User.phone == PHONE)
    assert person.whatsapp_id is None

    both = WhatsApp(client, PHONE, whatsapp_id=BSUID)
    assert "quarta-feira, 09/12/2026" in both.send("meus agendamentos")
    assert User.get_by_id(person.id).whatsapp_id == BSUID  # linked by the message carrying both

    freeze(local(2026, 12, 8, 10, 5))
    run_worker(shop)  # the reminder goes to the phone, which is still known
    assert len(fake_twilio.bodies_to(PHONE)) == 1

    username = WhatsApp(client, None, whatsapp_id=BSUID)
    assert username.send("1").startswith("Presença confirmada")  # answers the pending reminder
    assert "quarta-feira, 09/12/2026" in username.send("meus agendamentos")
    username.send("remarcar")
    assert username.send("quinta às 11h") == texts.confirm_reschedule(
        texts.appointment_line("Corte", "quarta-feira, 09/12/2026", "10:00"), "quinta-feira, 10/12/2026", "11:00")
    assert username.send("sim").startswith("✅ Remarcado!")
    assert User.select().count() == 2 and Conversation.select().count() == 1
    assert [a.user_id for a in Appointment.select()] == [person.id]
    assert username.send("parar") == texts.OPTED_OUT
    assert User.get_by_id(person.id).opted_out_at is not None


def test_two_rows_that_turn_out_to_be_one_person_are_merged(shop, client):
    """Someone wrote from their phone, and (with a username) from their user id, before any
    message carried both: the first that does makes them one person, keeping the appointments."""
    old = User.create(name="Ana", phone=PHONE)
    booked = booking.book(user_id=old.id, service=Service.get(Service.name == "Corte"),
                          start=local(2026, 12, 8, 9, 0), rules=Rules(tz=SAO_PAULO), now=clock.now())
    username = WhatsApp(client, None, whatsapp_id=BSUID)
    assert texts.ASK_NAME in username.send("oi")  # unknown: a new person, unregistered
    assert User.select().count() == 3
    both = WhatsApp(client, PHONE, whatsapp_id=BSUID)
    assert "terça-feira, 08/12/2026" in both.send("meus agendamentos")
    assert User.select().count() == 2
    merged = User.get(User.whatsapp_id == BSUID)
    assert (merged.id, merged.phone, merged.name) == (old.id, PHONE, "Ana")
    assert Appointment.get_by_id(booked.id).user_id == old.id
    assert Conversation.select().count() == 1


def test_an_admin_keeps_working_with_a_user_id_and_can_be_named_by_one(shop, client, config):
    owner = WhatsApp(client, ADMIN_PHONE, whatsapp_id=OTHER_BSUID)
    assert owner.send("ajuda") == texts.admin_help()
    owner_by_id = WhatsApp(client, None, whatsapp_id=OTHER_BSUID)  # now hides the phone: same person
    assert owner_by_id.send("ajuda") == texts.admin_help()

    from app import create_app

    shop.config["SETTINGS"].admin_phones = ("BR.ADMIN0001",)
    other = create_app({**config, "admin_phones": ("BR.ADMIN0001",)}).test_client()
    named = WhatsApp(other, None, whatsapp_id="BR.ADMIN0001")
    assert named.send("ajuda") == texts.admin_help()
    stranger = WhatsApp(other, None, whatsapp_id="BR.ADMIN0002")
    assert stranger.send("ajuda") != texts.admin_help()


@pytest.mark.parametrize("form", [
    {"From": "whatsapp:BR.", "Body": "oi"},
    {"From": "whatsapp:br.abc", "Body": "oi"},
    {"From": "whatsapp:BR.abc def", "Body": "oi"},
    {"From": f"whatsapp:{BSUID}", "ExternalUserId": f"whatsapp:{OTHER_BSUID}", "Body": "oi"},
    {"From": f"whatsapp:{PHONE}", "ExternalUserId": "whatsapp:+5511977776666", "Body": "oi"},
])
def test_malformed_identities_are_refused_and_change_nothing(shop, client, form):
    chat = WhatsApp(client, PHONE)
    full = {**chat.form("oi"), **form}
    assert chat.post(full).status_code == 400
    assert User.select().count() == 1


def test_rest_shows_whatsapp_ids_and_null_phones(shop, client):
    User.create(name="Ana", phone=PHONE, whatsapp_id=BSUID)
    User.create(name="Bia", whatsapp_id=OTHER_BSUID)
    User.create(phone="+5511977776666")  # wrote, never gave a name: not a user yet
    headers = {"Authorization": f"Bearer {API_TOKEN}"}
    users = client.get("/users", headers=headers).get_json()
    assert [(u["name"], u["phone"], u["whatsapp_id"]) for u in users] == [
        ("Dono (demo)", ADMIN_PHONE, None), ("Ana", PHONE, BSUID), ("Bia", None, OTHER_BSUID)]
    bia = users[-1]
    assert client.get(f"/users/{bia['id']}", headers=headers).get_json() == bia
    assert client.post("/users", json={"name": "Bia"}, headers=headers).status_code == 400  # a phone is required
    created = client.post("/users", json={"name": "Carla", "phone": "11977776666"}, headers=headers)
    assert created.status_code == 201  # the one who wrote is registered under that name
    assert User.get(User.phone == "+5511977776666").name == "Carla"
    assert client.post("/users", json={"name": "Outra", "phone": "11977776666"}, headers=headers).status_code == 409
    spec = client.get("/openapi.json").get_json()
    properties = spec["components"]["schemas"]["User"]["properties"]
    assert "whatsapp_id" in properties and "phone" in properties


def test_first_messages_with_the_phone_and_with_only_the_user_id_at_once_make_one_person(app, db, backend):
    database.close()
    rounds = 6
    with gunicorn(app.config["SETTINGS"].database_url) as server:
        ctx = multiprocessing.get_context("spawn")
        for i in range(rounds):
            phone, user_id = f"+55119666{i:05d}", f"BR.RACE{i:06d}"
            both = {**inbound_form(phone, "oi", f"SM{i:04d}a" + "0" * 27), "ExternalUserId": f"whatsapp:{user_id}"}
            only_id = inbound_form(user_id, "oi", f"SM{i:04d}b" + "0" * 27)
            barrier = ctx.Manager().Barrier(2)
            with ctx.Pool(2) as pool:
                results = pool.starmap(workers.live_post, [(barrier, server.url, both), (barrier, server.url, only_id)])
            assert [status for status, _ in results] == [200, 200]
            assert not any(texts.GENERIC_ERROR in messages for _, messages in results)
    with connection():
        people = list(User.select().where(User.whatsapp_id.startswith("BR.RACE")))
        assert len(people) == rounds
        assert all(p.phone and p.phone.startswith("+55119666") for p in people)
        assert Conversation.select().count() == rounds
