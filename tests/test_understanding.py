"""The bot understands what customers write: one-message requests, free text in any state, pt-BR
times as people say them, names, and several things pending. Each story is one of the issue's
examples, typed as a customer would."""
from __future__ import annotations

import pytest

from bot import texts
from scheduler.worker import build_dispatcher
from storage import booking, clock
from storage.availability import Rules
from storage.db import connection
from storage.demo import seed_demo
from storage.models import Appointment, AppointmentStatus, Professional, Service, User
from tests.helpers import SAO_PAULO, conversation_of, freeze, local

ANA = "+5511988887777"
MONDAY_8AM = local(2026, 12, 7, 8, 0)


@pytest.fixture
def shop(app, db):
    """The demo business (Corte, Barba, Corte + barba, Sobrancelha; Mon-Fri 9-12 and 13-19,
    Sat 9-13); Monday 07/12/2026 08:00."""
    freeze(MONDAY_8AM)
    seed_demo()
    return app


@pytest.fixture
def ana(shop, whatsapp):
    User.create(name="Ana", phone=ANA)
    chat = whatsapp(ANA)
    chat.send("oi")
    return chat


def book_for(start, service="Corte"):
    user = User.get(User.phone == ANA)
    return booking.book(user_id=user.id, service=Service.get(Service.name == service), start=start,
                        rules=Rules(tz=SAO_PAULO), now=clock.now(), policy=booking.ADMIN)


def booked():
    return [(a.type, a.date.astimezone(SAO_PAULO).strftime("%d/%m %H:%M"))
            for a in Appointment.select().where(Appointment.status == AppointmentStatus.BOOKED).order_by(Appointment.date)]


# --- one-message requests ---------------------------------------------------------------------------------

def test_a_new_customers_request_is_kept_through_registration(shop, whatsapp):
    chat = whatsapp(ANA)
    reply = chat.send("quero marcar um corte amanhã às 15h")
    assert texts.ASK_NAME in reply
    reply = chat.send("Ana")
    assert reply.startswith(texts.registered_then("Ana"))
    assert texts.confirm_booking("Corte", "terça-feira, 08/12/2026", "15:00") in reply
    assert chat.send("sim").startswith("✅ Agendado!")
    assert booked() == [("Corte", "08/12 15:00")]


def test_a_registered_customer_books_in_one_message(ana):
    # Monday 08:00: "segunda" is today, whose 15:00 is still ahead.
    assert ana.send("quero marcar um corte segunda às 15h") == \
        texts.confirm_booking("Corte", "segunda-feira, 07/12/2026", "15:00")


def test_service_professional_day_and_time_in_any_order(shop, whatsapp):
    Professional.update(name="Carlos").execute()
    Professional.create(name="João")
    User.create(name="Ana", phone=ANA)
    chat = whatsapp(ANA)
    reply = chat.send("quero marcar corte com o João sexta às 15h")
    assert reply == texts.confirm_booking("Corte", "sexta-feira, 11/12/2026", "15:00", "João")
    chat.send("sim")
    assert Appointment.get().professional.name == "João"


def test_only_what_is_missing_is_asked(ana):
    reply = ana.send("quero marcar amanhã à tarde")
    assert "Qual serviço" in reply
    reply = ana.send("barba")
    assert reply.startswith("Horários livres em *terça-feira, 08/12/2026*")
    assert "*1* - 13:00" in reply and "09:00" not in reply  # the afternoon only


def test_a_taken_time_offers_the_nearest(ana):
    book_for(local(2026, 12, 8, 15, 0))
    User.update(name="Ana").execute()
    reply = ana.send("quero um corte amanhã às 15h")
    assert reply.startswith(texts.time_unavailable("terça-feira, 08/12/2026", "15:00", [])[:40])
    assert "14:30" in reply and "15:30" in reply


# --- free text in any state ----------------------------------------------------------------------------------

def test_at_the_service_menu_a_day_and_part_of_the_day_are_kept(ana):
    ana.send("agendar")
    reply = ana.send("tem horario sabado de manha?")
    assert reply.startswith("Anotado!") and "Corte (30 min)" in reply
    reply = ana.send("corte")
    assert reply.startswith("Horários livres em *sábado, 12/12/2026*") and "*1* - 09:00" in reply


def test_at_the_service_menu_today_is_kept(ana):
    freeze(local(2026, 12, 7, 10, 0))
    ana.send("agendar")
    assert ana.send("tem horario hj?").startswith("Anotado!")
    assert ana.send("barba").startswith("Horários livres em *segunda-feira, 07/12/2026*")


@pytest.mark.parametrize("thanks", ["ok", "blz", "valeu!", "obg", "👍"])
def test_thanks_and_acknowledgements_get_a_short_answer_not_the_menu(ana, thanks):
    ana.send("agendar")
    assert ana.send(thanks) == texts.YOU_ARE_WELCOME
    assert conversation_of(ANA).state == "book_service"  # still where they were


def test_after_a_booking_thanks_get_a_short_answer(ana):
    ana.send("quero marcar um corte amanhã às 15h")
    ana.send("sim")
    assert ana.send("obg") == texts.YOU_ARE_WELCOME
    assert ana.send("👍") == texts.YOU_ARE_WELCOME


def test_my_appointments_from_inside_a_booking(ana):
    book_for(local(2026, 12, 9, 10, 0))
    ana.send("agendar")
    reply = ana.send("meus horarios")
    assert reply == texts.my_appointments([texts.appointment_line("Corte", "quarta-feira, 09/12/2026", "10:00")])


def test_cancelling_from_inside_a_booking(ana):
    book_for(local(2026, 12, 9, 10, 0))
    ana.send("agendar")
    line = texts.appointment_line("Corte", "quarta-feira, 09/12/2026", "10:00")
    assert ana.send("quero desmarcar") == texts.confirm_cancel(line)
    assert ana.send("sim") == texts.cancelled(line)


def test_cancelling_the_one_the_message_names(ana):
    book_for(local(2026, 12, 8, 10, 0))
    book_for(local(2026, 12, 8, 14, 0), "Barba")
    book_for(local(2026, 12, 9, 10, 0))
    ana.send("agendar")
    line = texts.appointment_line("Corte", "terça-feira, 08/12/2026", "10:00")
    assert ana.send("desmarcar o corte de amanha") == texts.confirm_cancel(line)


def test_moving_to_the_day_the_message_names(ana):
    book_for(local(2026, 12, 8, 10, 0))
    reply = ana.send("queria trocar para sexta às 11h")
    assert reply == texts.confirm_reschedule(texts.appointment_line("Corte", "terça-feira, 08/12/2026", "10:00"),
                                             "sexta-feira, 11/12/2026", "11:00")


# --- times as people say them --------------------------------------------------------------------------------

def test_at_three_in_a_barbershop_is_three_in_the_afternoon(ana):
    ana.send("quero um corte")
    assert ana.send("segunda as 3") == texts.confirm_booking("Corte", "segunda-feira, 07/12/2026", "15:00")


def test_noon_during_lunch_is_closed_not_taken(ana):
    ana.send("quero um corte")
    reply = ana.send("segunda meio dia")
    assert reply.startswith("Às *12:00* de *segunda-feira, 07/12/2026* estamos fechados")
    assert "11:30" in reply and "13:00" in reply


def test_three_in_the_afternoon_on_a_saturday_is_closed(ana):
    freeze(local(2026, 12, 12, 8, 0))  # Saturday morning
    assert ana.send("quero um corte hoje").startswith("Horários livres em *sábado, 12/12/2026*")
    reply = ana.send("pode ser as 3 da tarde")
    assert reply.startswith("Às *15:00* de *sábado, 12/12/2026* estamos fechados")


def test_a_weekday_whose_time_has_passed_today_means_next_week(ana):
    freeze(local(2026, 12, 8, 19, 30))  # Tuesday evening
    ana.send("quero um corte")
    assert ana.send("terça às 11h") == texts.confirm_booking("Corte", "terça-feira, 15/12/2026", "11:00")


# --- names and choices with typos ----------------------------------------------------------------------------

def test_a_single_letter_never_picks_a_service(ana):
    ana.send("agendar")
    assert ana.send("s").startswith("Não entendi")
    assert conversation_of(ANA).state == "book_service"


def test_a_service_with_a_typo_is_taken_or_asked(ana):
    ana.send("agendar")
    assert ana.send("sobrancelah").startswith("*Sobrancelha* 👍")
    ana.send("menu")
    ana.send("agendar")
    reply = ana.send("sombrancelha fina")
    assert reply.startswith("*Sobrancelha* 👍") or reply == texts.did_you_mean("Sobrancelha")


@pytest.mark.parametrize("answer, name", [("Não, é Roberto", "Roberto"), ("meu nome é Ana", "Ana"),
                                          ("sou a Ana Paula", "Ana Paula")])
def test_a_name_said_in_a_sentence_is_the_name_alone(shop, whatsapp, answer, name):
    chat = whatsapp(ANA, profile_name="Beto")
    chat.send("oi")
    assert chat.send(answer) == texts.registered(name)
    assert User.get(User.phone == ANA).name == name


# --- several things pending ----------------------------------------------------------------------------------

def test_two_pending_reminders_ask_which_or_confirm_both(shop, app, whatsapp):
    User.create(name="Ana", phone=ANA)
    first = book_for(local(2026, 12, 8, 10, 0))
    second = book_for(local(2026, 12, 8, 11, 0), "Barba")
    freeze(local(2026, 12, 7, 11, 30))  # both 24 h reminders are due
    dispatcher = build_dispatcher(app)
    with connection():
        dispatcher.run_pass()
    dispatcher.close()
    chat = whatsapp(ANA)
    reply = chat.send("1")
    assert reply.startswith("Você tem mais de um horário. Qual quer confirmar?")
    assert chat.send("2").startswith("Presença confirmada")
    assert Appointment.get_by_id(second.id).confirmed_at is not None
    assert Appointment.get_by_id(first.id).confirmed_at is None


def test_confirming_both_reminders_at_once(shop, app, whatsapp):
    User.create(name="Ana", phone=ANA)
    first = book_for(local(2026, 12, 8, 10, 0))
    second = book_for(local(2026, 12, 8, 11, 0), "Barba")
    freeze(local(2026, 12, 7, 11, 30))
    dispatcher = build_dispatcher(app)
    with connection():
        dispatcher.run_pass()
    dispatcher.close()
    assert whatsapp(ANA).send("confirmo os dois").startswith("Presença confirmada ✅")
    assert Appointment.get_by_id(first.id).confirmed_at and Appointment.get_by_id(second.id).confirmed_at


def test_a_listed_appointment_can_be_picked_to_act_on(ana):
    book_for(local(2026, 12, 9, 10, 0))
    book_for(local(2026, 12, 10, 10, 0), "Barba")
    ana.send("meus agendamentos")
    line = texts.appointment_line("Corte", "quarta-feira, 09/12/2026", "10:00")
    assert ana.send("1") == texts.appointment_actions(line)
    assert ana.send("cancelar") == texts.confirm_cancel(line)


# --- questions the business's data answers -------------------------------------------------------------------

def test_opening_hours_address_and_services(ana, shop):
    assert ana.send("vocês abrem domingo?") == texts.open_on("domingo", [])
    assert ana.send("que horas vocês abrem sábado?") == texts.open_on("sábado", [(540, 780)])
    assert ana.send("qual o horário de funcionamento?").startswith("🕐 *Nosso horário*")
    assert ana.send("onde fica?") == texts.address(None)
    shop.config["SETTINGS"].business_address = "Rua das Flores, 10"
    assert ana.send("qual o endereço?") == texts.address("Rua das Flores, 10")
    assert ana.send("quanto custa o corte?").startswith("✂️ *Nossos serviços*")
