"""Several professionals: each with their own services, hours, blocks and agenda."""
from __future__ import annotations

import datetime as dt
import multiprocessing

import pytest

from bot import texts
from storage import booking, clock
from storage.availability import Rules
from storage.db import database
from storage.demo import seed_demo
from storage.models import Appointment, AppointmentStatus, Block, BusinessHours, Professional, Service, User
from tests import workers
from tests.helpers import ADMIN_PHONE, SAO_PAULO, WhatsApp, freeze, local

ANA_CLIENT = "+5511988887777"


@pytest.fixture
def team(app, db):
    """The demo shop with three barbers: Carlos (the default professional, renamed), Ana, Bruno."""
    freeze(local(2026, 12, 7, 8, 0))
    seed_demo()
    carlos = Professional.get()
    carlos.name = "Carlos"
    carlos.save()
    return {"carlos": carlos, "ana": Professional.create(name="Ana"), "bruno": Professional.create(name="Bruno")}


@pytest.fixture
def customer(team, client):
    User.create(name="Cliente", phone=ANA_CLIENT)
    chat = WhatsApp(client, ANA_CLIENT)
    chat.send("oi")
    return chat


def service(name):
    return Service.get(Service.name == name)


def test_with_one_professional_the_customer_is_never_asked(app, db, client):
    freeze(local(2026, 12, 7, 8, 0))
    seed_demo()
    Professional.create(name="Ex-funcionário", active=False)
    User.create(name="Cliente", phone=ANA_CLIENT)
    chat = WhatsApp(client, ANA_CLIENT)
    chat.send("oi")
    chat.send("1")
    assert chat.send("1").startswith("*Corte* 👍 Para qual dia?")


def test_choosing_a_professional_books_with_them_and_names_them(customer, team):
    customer.send("1")
    reply = customer.send("1")  # Corte
    assert reply == texts.choose_professional("Corte", ["Carlos", "Ana", "Bruno", texts.ANY_PROFESSIONAL])
    customer.send("ana")
    assert customer.send("amanhã às 15h") == texts.confirm_booking("Corte", "terça-feira, 08/12/2026", "15:00", "Ana")
    assert customer.send("sim").startswith(texts.booked("Corte", "terça-feira, 08/12/2026", "15:00", "Barbearia Teste", "Ana"))
    appointment = Appointment.get()
    assert appointment.professional_id == team["ana"].id
    assert "com Ana" in customer.send("meus agendamentos")


def test_any_professional_offers_the_union_and_spreads_bookings_fairly(team, client):
    # Carlos is busy at 15:00; the other two are free.
    booking.book(user_id=User.create(name="X", phone="+5511900001111").id, service=service("Corte"),
                 start=local(2026, 12, 8, 15, 0), rules=Rules(tz=SAO_PAULO), now=clock.now(),
                 professional_id=team["carlos"].id)
    chosen = []
    for i in range(2):
        phone = f"+55119777700{i:02d}"
        User.create(name=f"Cliente {i}", phone=phone)
        chat = WhatsApp(client, phone)
        chat.send("oi")
        chat.send("1")
        chat.send("1")
        chat.send("4")  # Qualquer um
        reply = chat.send("amanhã às 15h")
        assert reply == texts.confirm_booking("Corte", "terça-feira, 08/12/2026", "15:00")
        assert "15:00" in chat.send("sim")
        chosen.append(Appointment.select().join(User).where(User.phone == phone).get().professional.name)
    assert sorted(chosen) == ["Ana", "Bruno"]
    # Now everybody is busy at 15:00: "any" no longer offers it, but offers 14:30 (free for all).
    User.create(name="Late", phone="+5511977770099")
    chat = WhatsApp(client, "+5511977770099")
    chat.send("oi")
    chat.send("1")
    chat.send("1")
    chat.send("qualquer um")
    reply = chat.send("amanhã às 15h")
    assert reply.startswith("*15:00* em *terça-feira, 08/12/2026* não está livre") and "14:30" in reply


def test_a_professional_is_only_offered_for_services_they_perform(customer, team):
    team["ana"].limit_to([service("Barba").id])
    team["bruno"].limit_to([service("Barba").id, service("Sobrancelha").id])
    customer.send("1")
    assert customer.send("1").startswith("*Corte* 👍 Para qual dia?")  # only Carlos cuts: nobody to choose
    customer.send("amanhã às 15h")
    customer.send("sim")
    assert Appointment.get().professional_id == team["carlos"].id
    customer.send("1")
    reply = customer.send("2")  # Barba
    assert reply == texts.choose_professional("Barba", ["Carlos", "Ana", "Bruno", texts.ANY_PROFESSIONAL])
    customer.send("menu")
    customer.send("1")
    assert customer.send("sobrancelha") == texts.choose_professional(
        "Sobrancelha", ["Carlos", "Bruno", texts.ANY_PROFESSIONAL])
    assert [p.name for p in Professional.performing(service("Corte").id)] == ["Carlos"]


def test_own_hours_and_blocks_apply_per_professional(customer, team):
    # Bruno works only Tuesday afternoons; Ana is blocked on Tuesday morning.
    BusinessHours.create(professional=team["bruno"].id, weekday=1, start_minute=13 * 60, end_minute=17 * 60)
    start, _ = Rules(tz=SAO_PAULO).local_day_bounds(dt.date(2026, 12, 8))
    Block.create(professional=team["ana"].id, starts_at=start, ends_at=start + dt.timedelta(hours=12, minutes=30))
    customer.send("1")
    customer.send("1")
    customer.send("bruno")
    reply = customer.send("1")  # the only open days for Bruno are Tuesdays
    assert reply.startswith("Horários livres em *terça-feira, 08/12/2026*")
    assert "*1* - 13:00" in reply and "*8* - 16:30" in reply and "09:00" not in reply and "mais" not in reply
    customer.send("menu")
    customer.send("1")
    customer.send("1")
    customer.send("ana")
    reply = customer.send("amanhã")
    assert "*1* - 13:00" in reply and "09:00" not in reply  # her morning is blocked
    customer.send("menu")
    customer.send("1")
    customer.send("1")
    customer.send("carlos")
    assert "*1* - 09:00" in customer.send("amanhã")  # Carlos is not affected by Ana's block


def test_ten_concurrent_any_bookings_with_three_professionals(team, app):
    users = [User.create(name=f"C{i}", phone=f"+55119666600{i:02d}").id for i in range(10)]
    url = app.config["SETTINGS"].database_url
    database.close()
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Manager().Barrier(10)
    jobs = [(barrier, url, users[i], ["2026-12-08T15:00"], service("Corte").id, None) for i in range(10)]
    with ctx.Pool(10) as pool:
        results = pool.starmap(workers.post_appointments, jobs)
    statuses = sorted(r[0] for r in results)
    assert statuses == [201] * 3 + [409] * 7
    booked = list(Appointment.select().where(Appointment.status == AppointmentStatus.BOOKED))
    assert sorted(a.professional_id for a in booked) == sorted(p.id for p in team.values())
    assert workers.overlapping_pairs() == 0


# --- admin --------------------------------------------------------------------------------------------------

@pytest.fixture
def owner(team, client):
    return WhatsApp(client, ADMIN_PHONE)


def test_admin_manages_the_team(owner, team):
    reply = owner.send("profissional novo Dani")
    dani = Professional.get(Professional.name == "Dani")
    assert reply.startswith(f"💈 Dani entrou na equipe como #{dani.id}")
    corte, barba = service("Corte"), service("Barba")
    reply = owner.send(f"profissional servicos #{dani.id} {corte.id},{barba.id}")
    assert f"#{dani.id} Dani - serviços: Corte, Barba; horário: o da casa" in reply
    reply = owner.send(f"profissional horario #{dani.id} seg-sex 10:00-16:00")
    assert "seg: 10:00-16:00" in reply and "sáb: fechado" in reply
    assert dani.service_ids() == [corte.id, barba.id]
    assert owner.send(f"profissional servicos #{dani.id} todos").count("serviços: todos") == 4
    assert owner.send(f"profissional horario #{dani.id} padrao") == "Dani segue o horário da casa."
    assert owner.send(f"profissional nome #{dani.id} Daniela") == f"#{dani.id} agora se chama Daniela."
    assert f"#{dani.id} Daniela" in owner.send("profissionais")


def test_removing_a_professional_keeps_and_lists_their_appointments(owner, team, customer):
    appointment = booking.book(user_id=User.get(User.phone == ANA_CLIENT).id, service=service("Corte"),
                               start=local(2026, 12, 9, 10, 0), rules=Rules(tz=SAO_PAULO), now=clock.now(),
                               professional_id=team["bruno"].id)
    reply = owner.send(f"profissional remover #{team['bruno'].id}")
    assert reply.startswith("Bruno não recebe mais agendamentos.") and f"#{appointment.id} Cliente" in reply
    assert Appointment.get_by_id(appointment.id).status == AppointmentStatus.BOOKED
    customer.send("1")
    assert customer.send("1") == texts.choose_professional("Corte", ["Carlos", "Ana", texts.ANY_PROFESSIONAL])


def test_agenda_groups_by_professional_and_filters(owner, team):
    for name, hour in (("carlos", 9), ("ana", 10)):
        booking.book(user_id=User.create(name=f"Cliente {name}", phone=f"+551198888{hour:04d}").id,
                     service=service("Corte"), start=local(2026, 12, 8, hour, 0), rules=Rules(tz=SAO_PAULO),
                     now=clock.now(), professional_id=team[name].id)
    reply = owner.send("agenda amanhã")
    assert reply.count("📅 *terça-feira, 08/12/2026* - ") == 3
    carlos_part = reply.split(" - Ana")[0]
    assert "Cliente carlos" in carlos_part and "Cliente ana" not in carlos_part
    only_ana = owner.send("agenda Ana amanhã")
    assert "Cliente ana" in only_ana and "Cliente carlos" not in only_ana and only_ana.count("📅") == 1
    assert owner.send("agenda amanhã ana") == only_ana


def test_bloquear_takes_an_optional_professional(owner, team):
    reply = owner.send("bloquear Ana 25/12")
    assert reply == texts.admin_blocked("sexta-feira, 25/12/2026 (Ana)", [])
    block = Block.get()
    assert block.professional_id == team["ana"].id
    assert owner.send("desbloquear Ana 25/12") == texts.admin_unblocked("sexta-feira, 25/12/2026 (Ana)", 1)


def test_the_api_books_any_professional_who_performs_the_service(team, api):
    team["carlos"].limit_to([service("Barba").id])
    user = api.post("/users", json={"name": "Zé", "phone": "+5511955551111"}).get_json()["id"]
    ids = []
    for _ in range(2):
        response = api.post("/appointments", json={"user_id": user, "date": "2026-12-08T15:00", "type": "Corte"})
        assert response.status_code == 201
        ids.append(response.get_json()["id"])
    assert {api.get(f"/appointments/{i}").get_json()["professional_id"] for i in ids} == {team["ana"].id, team["bruno"].id}
    third = api.post("/appointments", json={"user_id": user, "date": "2026-12-08T15:00", "type": "Corte"})
    assert third.status_code == 409  # Carlos is free, but he does not cut hair
    professionals = api.get("/professionals").get_json()
    assert [p["name"] for p in professionals] == ["Carlos", "Ana", "Bruno"]
