"""Admin commands through signed webhook posts from a number in ADMIN_PHONES."""
from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys

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
    AuditLog,
    Block,
    BusinessHours,
    OutboundMessage,
    OutboxKind,
    OutboxStatus,
    Service,
    User,
)
from tests import workers
from tests.helpers import ADMIN_PHONE, SAO_PAULO, WhatsApp, freeze, local

ANA = "+5511988887777"
BIA = "+5511977776666"
MONDAY = local(2026, 12, 7, 8, 0)


@pytest.fixture
def shop(app, db):
    freeze(MONDAY)
    seed_demo()
    return app


@pytest.fixture
def owner(shop, client):
    return WhatsApp(client, ADMIN_PHONE)


def book(phone, name, start, service="Corte"):
    user = User.get_or_none(User.phone == phone) or User.create(name=name, phone=phone)
    return booking.book(user_id=user.id, service=Service.get(Service.name == service), start=start,
                        rules=Rules(tz=SAO_PAULO), now=clock.now(), policy=booking.ADMIN)


@pytest.fixture
def day(shop):
    """Tuesday 08/12: Ana 09:00 (confirmed), Bia 10:00 Barba."""
    ana = book(ANA, "Ana Souza", local(2026, 12, 8, 9, 0))
    booking.confirm(ana.id, now=clock.now())
    bia = book(BIA, "Bia", local(2026, 12, 8, 10, 0), "Barba")
    return {"ana": ana, "bia": bia}


# --- every command ----------------------------------------------------------------------------------------

def test_ajuda_lists_every_command_with_an_example(owner):
    reply = owner.send("ajuda")
    assert reply == texts.admin_help()
    for usage in texts.ADMIN_USAGE.values():
        assert usage in reply


def test_agenda_of_a_day_shows_ids_customers_status_and_free_gaps(owner, day):
    reply = owner.send("agenda amanhã")
    ana, bia = day["ana"].id, day["bia"].id
    assert reply == "\n".join([
        "📅 *terça-feira, 08/12/2026*",
        f"09:00 #{ana} Ana Souza (+55 11 98888-7777) - Corte ✅ confirmado",
        f"10:00 #{bia} Bia (+55 11 97777-6666) - Barba ⏳ a confirmar",
        "Livre: 09:30-10:00, 10:30-12:00, 13:00-19:00",
    ])
    assert owner.send("agenda 08/12") == reply
    assert owner.send("agenda") == "📅 *segunda-feira, 07/12/2026*\n(sem agendamentos)\nLivre: 09:00-12:00, 13:00-19:00"
    assert "Fechado" in owner.send("agenda domingo")


def test_agenda_semana_shows_seven_days(owner, day):
    reply = owner.send("agenda semana")
    assert reply.count("📅") == 7
    assert "segunda-feira, 07/12/2026" in reply and "domingo, 13/12/2026" in reply
    assert f"#{day['bia'].id} Bia" in reply


def test_cancelar_notifies_the_customer_with_the_reason_and_cancels_reminders(owner, day, app):
    bia = day["bia"]
    reply = owner.send(f"cancelar #{bia.id} barbeiro doente")
    assert reply == texts.admin_cancelled(f"#{bia.id}", "Bia", notified=True)
    assert Appointment.get_by_id(bia.id).status == AppointmentStatus.CANCELLED
    notice = OutboundMessage.get(OutboundMessage.kind == OutboxKind.CANCELLATION)
    assert (notice.recipient, notice.params) == (BIA, {"reason": "barbeiro doente"})
    assert owner.send(f"cancelar #{bia.id}").startswith(f"O agendamento #{bia.id} não está marcado")
    audit = AuditLog.select().where(AuditLog.action == "cancelar").order_by(AuditLog.id).first()
    assert (audit.actor, audit.appointment_id) == (ADMIN_PHONE, bia.id)


def test_cancelar_cancels_the_pending_reminders(owner, day, app):
    from scheduler.reminders import create_due

    freeze(local(2026, 12, 7, 10, 30))
    create_due(clock.now(), app.config["SETTINGS"].reminder_leads)
    owner.send(f"cancelar #{day['ana'].id}")
    reminder = OutboundMessage.get((OutboundMessage.kind == OutboxKind.REMINDER)
                                   & (OutboundMessage.appointment == day["ana"].id))
    assert reminder.status == OutboxStatus.CANCELLED


def test_marcar_registers_a_walk_in_and_confirms_through_the_outbox(owner, shop):
    reply = owner.send("marcar 11 96666-5555 João da Silva corte + barba amanhã 15h")
    appointment = Appointment.get()
    assert reply == texts.admin_booked(f"#{appointment.id}", "João da Silva", "Corte + barba",
                                       "terça-feira, 08/12/2026", "15:00", None)
    assert User.get(User.phone == "+5511966665555").name == "João da Silva"
    assert appointment.source == "admin" and appointment.duration == 60
    confirmation = OutboundMessage.get(OutboundMessage.kind == OutboxKind.CONFIRMATION)
    assert (confirmation.recipient, confirmation.appointment_id) == ("+5511966665555", appointment.id)
    # A known customer needs no name; the admin may skip the minimum notice, never the rules.
    assert owner.send("marcar 11966665555 barba hoje 08:30") == texts.admin_slot_refused(texts.REFUSED_CLOSED)
    reply = owner.send("marcar 11966665555 barba hoje 09:00")  # inside the 2h notice: fine for the owner
    assert reply.startswith("✅ Marcado") and "09:00" in reply
    assert owner.send("marcar 11966665555 barba amanhã 15h") == texts.admin_slot_refused(texts.REFUSED_TAKEN)
    assert owner.send("marcar 11966665555 barba amanhã 12h") == texts.admin_slot_refused(texts.REFUSED_CLOSED)


def test_bloquear_and_desbloquear_a_day_or_a_range(owner, day, whatsapp):
    reply = owner.send("bloquear 08/12 09:30-11:00")
    assert reply.startswith("🔒 Bloqueado: terça-feira, 08/12/2026 das 09:30 às 11:00.")
    assert f"#{day['bia'].id} Bia" in reply and f"#{day['ana'].id}" not in reply  # listed, not cancelled
    assert Appointment.get_by_id(day["bia"].id).status == AppointmentStatus.BOOKED
    assert owner.send("bloquear 25/12") == texts.admin_blocked("sexta-feira, 25/12/2026", [])
    assert Block.select().count() == 2
    assert owner.send("desbloquear 25/12 12:00-14:00") == texts.admin_unblocked(
        "sexta-feira, 25/12/2026 das 12:00 às 14:00", 1)
    assert Block.select().count() == 3  # the day block split around the reopened range
    assert owner.send("desbloquear 25/12") == texts.admin_unblocked("sexta-feira, 25/12/2026", 2)
    assert owner.send("desbloquear 26/12") == texts.admin_unblocked("sábado, 26/12/2026", 0)


def test_a_block_hides_its_slots_from_the_customer_flow(owner, shop, whatsapp):
    owner.send("bloquear amanhã 13:00-17:00")
    owner.send("bloquear quarta")
    chat = whatsapp(ANA)
    chat.send("oi")
    chat.send("Ana")
    chat.send("1")
    reply = chat.send("1")
    assert "quarta-feira, 09/12/2026" not in reply  # the blocked day is not offered
    reply = chat.send("amanhã")
    assert "*7* - 17:00" in reply and "13:00" not in reply and "16:30" not in reply
    assert chat.send("quarta").startswith("Não temos horários livres em *quarta-feira, 09/12/2026*")


def test_servicos_and_managing_them(owner, shop, day):
    reply = owner.send("servicos")
    assert reply == texts.admin_services([texts.service_line(s.id, s.name, s.duration, True) for s in Service.select()])
    reply = owner.send("servico novo Hidratação capilar 40")
    created = Service.get(Service.name == "Hidratação capilar")
    assert reply.startswith("✂️ Serviço criado") and created.duration == 40
    assert owner.send("servico novo hidratação capilar 30").startswith("Já existe")
    corte = Service.get(Service.name == "Corte")
    assert owner.send(f"servico duracao #{corte.id} 45").startswith(f"Serviço #{corte.id} Corte agora dura 45 min")
    assert Appointment.get_by_id(day["ana"].id).duration == 30  # existing appointments keep theirs
    owner.send(f"servico remover #{corte.id}")
    assert Service.get_by_id(corte.id).active is False
    assert Appointment.get_by_id(day["ana"].id).service_id == corte.id
    assert f"#{corte.id} Corte - 45 min (inativo)" in owner.send("servicos")


def test_horario_shows_and_changes_the_week(owner, shop):
    assert owner.send("horario") == texts.week_hours([
        "seg: 09:00-12:00, 13:00-19:00", "ter: 09:00-12:00, 13:00-19:00", "qua: 09:00-12:00, 13:00-19:00",
        "qui: 09:00-12:00, 13:00-19:00", "sex: 09:00-12:00, 13:00-19:00", "sáb: 09:00-13:00", "dom: fechado"])
    reply = owner.send("horario seg 10:00-12:00 13:00-18:00")
    assert "seg: 10:00-12:00, 13:00-18:00" in reply
    reply = owner.send("horario sab fechado")
    assert "sáb: fechado" in reply
    reply = owner.send("horario ter-qui 08h-17h")
    assert "ter: 08:00-17:00" in reply and "qui: 08:00-17:00" in reply and "sex: 09:00-12:00" in reply
    assert BusinessHours.select().where(BusinessHours.weekday == 5).count() == 0


def test_clientes_and_cliente(owner, day):
    freeze(local(2026, 12, 8, 12, 0))
    booking.mark(day["bia"].id, AppointmentStatus.NO_SHOW, now=clock.now())
    book(BIA, "Bia", local(2026, 12, 10, 14, 0))
    reply = owner.send("clientes")
    assert reply.startswith("👥 *3 clientes*") and "Ana Souza - +55 11 98888-7777" in reply
    reply = owner.send("cliente bia")
    assert reply.startswith("👤 *Bia* - +55 11 97777-6666") and "Faltas: *1*" in reply
    assert "10/12/2026 14:00" in reply.split("*Anteriores:*")[0]
    assert "08/12/2026 10:00" in reply.split("*Anteriores:*")[1] and "🚫 faltou" in reply
    assert owner.send("cliente 97777").startswith("👤 *Bia*")
    assert owner.send("cliente ninguem") == texts.ADMIN_NO_CLIENT
    User.create(name="Biana", phone="+5511955554444")
    assert owner.send("cliente bia").startswith("Encontrei mais de um cliente")


def test_faltou_and_compareceu(owner, day):
    ana, bia = day["ana"].id, day["bia"].id
    assert owner.send(f"faltou #{ana}") == texts.ADMIN_NOT_YET
    freeze(local(2026, 12, 8, 11, 0))
    assert owner.send(f"faltou #{ana}") == texts.admin_marked(f"#{ana}", no_show=True)
    assert owner.send(f"compareceu #{bia}") == texts.admin_marked(f"#{bia}", no_show=False)
    assert Appointment.get_by_id(ana).status == AppointmentStatus.NO_SHOW
    assert Appointment.get_by_id(bia).status == AppointmentStatus.DONE
    assert owner.send("faltou #999") == texts.ADMIN_NOT_FOUND.format(ref="#999")


def test_avisar_counts_then_sends_to_exactly_that_days_customers(owner, day, app, fake_twilio):
    carla = book("+5511966665555", "Carla", local(2026, 12, 8, 15, 0))
    booking.cancel(carla.id, rules=Rules(tz=SAO_PAULO), policy=booking.ADMIN, now=clock.now())  # cancelled: not told
    User.update(opted_out_at=clock.now()).where(User.phone == "+5511955554444").execute()
    book("+5511955554444", "Dani", local(2026, 12, 8, 16, 0))  # opted out: not told
    book("+5511944443333", "Edu", local(2026, 12, 9, 9, 0))  # another day: not told
    User.update(opted_out_at=clock.now()).where(User.phone == "+5511955554444").execute()
    reply = owner.send("avisar 08/12 Amanhã abriremos às 10h por causa da chuva")
    assert reply == texts.admin_notice_confirm(2, "terça-feira, 08/12/2026", "Amanhã abriremos às 10h por causa da chuva")
    assert OutboundMessage.select().where(OutboundMessage.kind == OutboxKind.NOTICE).count() == 0
    assert owner.send("1") == texts.admin_notice_sent(2)
    app.config["SETTINGS"].sender = "twilio"
    app.config["SETTINGS"].twilio_api_url = fake_twilio.url
    app.config["SETTINGS"].daily_summary_at = None
    from scheduler.sender import make_sender

    app.extensions["sender"] = make_sender(app.config["SETTINGS"])
    dispatcher = build_dispatcher(app)
    with connection():
        dispatcher.run_pass()
    dispatcher.close()
    assert sorted(m.to for m in fake_twilio.messages) == sorted([f"whatsapp:{ANA}", f"whatsapp:{BIA}"])
    assert set(fake_twilio.bodies_to(ANA)) == {texts.notice("Barbearia Teste", "Amanhã abriremos às 10h por causa da chuva")}
    assert owner.send("avisar 08/12 outro aviso") and owner.send("2") == texts.ADMIN_NOTICE_DROPPED


def test_every_admin_command_is_audited(owner, day):
    owner.send("agenda")
    owner.send(f"cancelar #{day['ana'].id}")
    owner.send("bloquear")
    rows = [(a.actor, a.action, a.appointment_id, a.detail.split(":")[0]) for a in AuditLog.select().order_by(AuditLog.id)]
    assert rows == [(ADMIN_PHONE, "agenda", None, "ok"), (ADMIN_PHONE, "cancelar", day["ana"].id, "ok"),
                    (ADMIN_PHONE, "bloquear", None, "usage")]


# --- malformed commands ------------------------------------------------------------------------------------------

MALFORMED = [
    ("agenda ontem de manhã às 10h", "agenda"), ("agenda 31/02", "agenda"), ("agenda xyz", "agenda"),
    ("cancelar", "cancelar"), ("cancelar doze", "cancelar"), ("cancelar #", "cancelar"),
    ("marcar", "marcar"), ("marcar 11988887777", "marcar"),
    ("bloquear", "bloquear"), ("bloquear amanhã 14:00-12:00", "bloquear"), ("bloquear 99/99", "bloquear"),
    ("desbloquear", "desbloquear"), ("desbloquear talvez", "desbloquear"),
    ("servicos agora", "servicos"), ("servico", "servico"), ("servico novo Corte", "servico"),
    ("servico novo Corte 2", "servico"), ("servico novo Corte 999", "servico"), ("servico remover", "servico"),
    ("servico duracao #1", "servico"), ("servico voar", "servico"),
    ("horario seg", "horario"), ("horario xyz 09:00-12:00", "horario"), ("horario seg 12:00-09:00", "horario"),
    ("horario seg 09:00-13:00 12:00-18:00", "horario"), ("horario seg banana", "horario"),
    ("clientes todos", "clientes"), ("cliente", "cliente"), ("cliente a", "cliente"),
    ("faltou", "faltou"), ("faltou 12 ontem", "faltou"), ("compareceu #x", "compareceu"),
    ("avisar", "avisar"), ("avisar amanhã", "avisar"), ("avisar nunca vamos abrir", "avisar"),
    ("avisar 08/12 " + "x" * 901, "avisar"),
]


@pytest.mark.parametrize("command, usage", MALFORMED, ids=[m[0][:30] for m in MALFORMED])
def test_a_malformed_command_gets_its_usage_line(owner, day, command, usage):
    before = (Appointment.select().where(Appointment.status == AppointmentStatus.BOOKED).count(),
              Block.select().count(), BusinessHours.select().count(), Service.select().count())
    assert owner.send(command) == texts.admin_usage(usage)
    after = (Appointment.select().where(Appointment.status == AppointmentStatus.BOOKED).count(),
             Block.select().count(), BusinessHours.select().count(), Service.select().count())
    assert before == after


# --- not an admin ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["ajuda", "agenda", "agenda amanhã", "cancelar #1", "marcar 11988887777 Zé corte amanhã 15h",
                                     "bloquear 25/12", "desbloquear 25/12", "servicos", "servico novo X 30",
                                     "horario", "horario dom 09:00-12:00", "clientes", "cliente ana", "faltou #1",
                                     "compareceu #1", "avisar 08/12 oi"])
def test_a_customer_typing_admin_commands_gets_the_customer_flow(day, whatsapp, command):
    stranger = whatsapp("+5521999990000")
    stranger.send("oi")
    stranger.send("Zé")
    before = (Block.select().count(), BusinessHours.select().count(), Service.select().count(),
              Appointment.select().where(Appointment.status == AppointmentStatus.BOOKED).count())
    reply = stranger.send(command)
    for secret in ("Ana Souza", "98888", "Bia", "97777", "#", "🛠️", "Bloqueado", "clientes*"):
        assert secret not in reply, (command, reply)
    after = (Block.select().count(), BusinessHours.select().count(), Service.select().count(),
             Appointment.select().where(Appointment.status == AppointmentStatus.BOOKED).count())
    assert before == after
    assert AuditLog.select().count() == 0


def test_an_admin_can_still_book_for_themselves(owner, shop):
    assert "Qual serviço" in owner.send("agendar")
    assert owner.send("1").startswith("*Corte* 👍 Para qual dia?")
    assert owner.send("agenda").startswith("📅")  # a command mid-flow does not lose the flow
    assert owner.send("amanhã 15h") == texts.confirm_booking("Corte", "terça-feira, 08/12/2026", "15:00")


# --- the daily summary ------------------------------------------------------------------------------------------

def test_the_daily_summary_goes_to_each_admin_once_a_day(config, db, fake_twilio):
    from app import create_app

    config.update(sender="twilio", twilio_api_url=fake_twilio.url, outbox_rate=None,
                  admin_phones=(ADMIN_PHONE, "+5511900000002"))
    app = create_app(config)
    freeze(local(2026, 12, 8, 6, 59))
    seed_demo()
    book(ANA, "Ana", local(2026, 12, 8, 9, 0))
    dispatcher = build_dispatcher(app)
    for moment in (local(2026, 12, 8, 6, 59), local(2026, 12, 8, 7, 0, ), local(2026, 12, 8, 7, 1),
                   local(2026, 12, 8, 9, 30)):
        freeze(moment)
        with connection():
            dispatcher.run_pass()
    dispatcher.close()
    summaries = [m for m in fake_twilio.messages if "Bom dia" in m.form.get("Body", "")]
    assert sorted(m.to for m in summaries) == [f"whatsapp:{ADMIN_PHONE}", "whatsapp:+5511900000002"]
    assert "09:00 #" in summaries[0].form["Body"] and "Ana" in summaries[0].form["Body"]


def test_two_workers_send_the_daily_summary_once(app, db, fake_twilio):
    database.close()
    now_local = dt.datetime.now(SAO_PAULO)
    summary_at = (now_local - dt.timedelta(minutes=1)).strftime("%H:%M")
    if now_local.strftime("%H:%M") < summary_at:  # just after midnight: the window wraps
        pytest.skip("too close to midnight for a same-day summary window")
    env = workers.worker_env(app.config["SETTINGS"].database_url, fake_twilio.url, DAILY_SUMMARY_AT=summary_at,
                             ADMIN_PHONES=ADMIN_PHONE)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    processes = [subprocess.Popen([sys.executable, "-m", "scheduler", "--once"], cwd=root, env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    for process in processes:
        process.communicate(timeout=60)
    again = subprocess.run([sys.executable, "-m", "scheduler", "--once"], cwd=root, env=env, capture_output=True,
                           text=True, timeout=60)
    assert again.returncode == 0
    assert [m.to for m in fake_twilio.messages] == [f"whatsapp:{ADMIN_PHONE}"]
