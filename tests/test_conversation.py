"""Whole conversations through signed webhook posts, the way Twilio delivers them."""
from __future__ import annotations

import datetime as dt
import threading

import pytest

from bot import texts
from bot.engine import split_message
from storage import booking, clock
from storage.availability import Rules
from storage.demo import seed_demo
from storage.models import Appointment, AppointmentStatus, Conversation, InboundMessage, Service, User
from tests.helpers import SAO_PAULO, WEBHOOK_URL, conversation_of, freeze, local, sign, twiml_messages

ANA = "+5511988887777"
BIA = "+5511977776666"


@pytest.fixture
def shop(app, db):
    """The demo business (Corte, Barba, Corte + barba, Sobrancelha; Mon-Fri 9-12 and 13-19,
    Sat 9-13); the clock reads Monday 07/12/2026 08:00 in São Paulo."""
    freeze(local(2026, 12, 7, 8, 0))
    seed_demo()
    return app


@pytest.fixture
def ana(shop, whatsapp):
    """Ana, already registered."""
    User.create(name="Ana", phone=ANA)
    chat = whatsapp(ANA)
    chat.send("oi")
    return chat


def booked_times(user_phone=None):
    query = Appointment.select().where(Appointment.status == AppointmentStatus.BOOKED)
    if user_phone:
        query = query.join(User).where(User.phone == user_phone)
    return [a.date.astimezone(SAO_PAULO).strftime("%d/%m %H:%M") for a in query.order_by(Appointment.date)]


# --- registration ----------------------------------------------------------------------------

def test_a_new_customer_registers_by_typing_their_name(shop, whatsapp):
    chat = whatsapp(ANA)
    reply = chat.send("Oi")
    assert texts.greeting_new("Barbearia Teste") in reply and texts.ASK_NAME in reply
    assert User.registered_ones().count() == 1  # only the demo admin
    reply = chat.send("ana souza")
    assert reply == texts.registered("Ana Souza")
    user = User.get(User.phone == ANA)
    assert user.name == "Ana Souza"
    assert texts.greeting_known("Ana Souza", "Barbearia Teste") == chat.send("oi de novo")


def test_the_profile_name_is_offered_and_accepted_or_declined(shop, whatsapp):
    chat = whatsapp(ANA, profile_name="Ana 💇")
    assert texts.offer_profile_name("Ana 💇") in chat.send("olá")
    assert chat.send("1") == texts.registered("Ana 💇")
    other = whatsapp(BIA, profile_name="Bia")
    other.send("olá")
    assert other.send("não") == texts.ASK_NAME
    assert other.send("Beatriz") == texts.registered("Beatriz")


@pytest.mark.parametrize("name", ["1", "a", "😀😀😀", "x" * 61, "<script>alert(1)</script>", "   ",
                                  "' OR 1=1 --", "ana123", "menu", "sim", "https://spam.example"])
def test_names_that_are_not_names_are_refused(shop, whatsapp, name):
    chat = whatsapp(ANA)
    chat.send("oi")
    assert chat.send(name) == texts.INVALID_NAME
    assert not User.registered_ones().where(User.phone == ANA).exists()
    assert chat.send("Ana") == texts.registered("Ana")


# --- booking ---------------------------------------------------------------------------------

def test_booking_by_the_numbered_path(ana):
    reply = ana.send("1")
    assert reply == texts.choose_service([("Corte", 30), ("Barba", 30), ("Corte + barba", 60), ("Sobrancelha", 15)])
    reply = ana.send("1")
    assert "segunda-feira, 07/12/2026" in reply and "*6* - sábado, 12/12/2026" in reply  # Sunday skipped
    reply = ana.send("2")  # terça-feira, 08/12/2026
    assert reply.startswith("Horários livres em *terça-feira, 08/12/2026*")
    assert "*1* - 09:00" in reply and "*7* - 13:00" in reply and "12:00" not in reply  # lunch
    assert "mais" in reply
    reply = ana.send("mais")
    assert "*1* - 15:00" in reply and "18:30" in reply and "19:00" not in reply  # ends by closing
    reply = ana.send("2")  # 15:30
    assert reply == texts.confirm_booking("Corte", "terça-feira, 08/12/2026", "15:30")
    reply = ana.send("1")
    # the first booking ends with the one question about marketing messages
    assert reply == texts.booked("Corte", "terça-feira, 08/12/2026", "15:30", "Barbearia Teste") \
        + "\n\n" + texts.consent_question()
    assert booked_times(ANA) == ["08/12 15:30"]
    appointment = Appointment.get()
    assert appointment.duration == 30 and appointment.type == "Corte" and appointment.source == "whatsapp"
    assert appointment.end - appointment.date == dt.timedelta(minutes=30)


def test_booking_in_one_message_jumps_to_confirmation(ana):
    ana.send("agendar")
    ana.send("corte + barba")
    reply = ana.send("amanhã às 15h")
    assert reply == texts.confirm_booking("Corte + barba", "terça-feira, 08/12/2026", "15:00")
    ana.send("sim")
    assert booked_times(ANA) == ["08/12 15:00"]


def test_a_day_and_time_typed_at_the_menu_carries_through_the_service(ana):
    reply = ana.send("quero marcar sexta 10h")
    assert "Qual serviço" in reply
    assert ana.send("barba") == texts.confirm_booking("Barba", "sexta-feira, 11/12/2026", "10:00")


def test_a_busy_or_closed_time_offers_the_nearest_free_ones(ana):
    rules = Rules(tz=SAO_PAULO)
    bia = User.create(name="Bia", phone=BIA)
    booking.book(user_id=bia.id, service=Service.get(Service.name == "Corte"), start=local(2026, 12, 8, 15, 0),
                 rules=rules, now=clock.now())
    ana.send("1")
    ana.send("1")
    reply = ana.send("amanhã 15h")
    assert reply == texts.time_unavailable("terça-feira, 08/12/2026", "15:00",
                                           ["13:30", "14:00", "14:30", "15:30", "16:00"])
    reply = ana.send("às 23h")  # after closing: nearest is the last slot of the day
    assert "18:30" in reply and "*23:00*" in reply
    reply = ana.send("domingo")
    assert reply.startswith("Não temos horários livres em *domingo, 13/12/2026*")
    assert "segunda-feira, 14/12/2026" in reply
    assert ana.send("1").startswith("Horários livres em *segunda-feira, 14/12/2026*")


def test_past_and_impossible_dates_get_a_friendly_correction(ana):
    ana.send("1")
    ana.send("1")
    assert ana.send("ontem") == texts.PAST_DAY
    assert ana.send("31/11/2026") == texts.INVALID_DAY
    assert ana.send("amanhã às 25h") == texts.INVALID_TIME
    far = ana.send("25/03/2027")
    assert far == texts.day_too_far("quarta-feira, 06/01/2027")
    assert ana.send("hoje").startswith("Horários livres em *segunda-feira, 07/12/2026*")
    assert "*1* - 10:00" in ana.last[0]  # two hours of notice from 08:00


def test_a_slot_taken_between_the_offer_and_the_yes(ana, whatsapp):
    ana.send("1")
    ana.send("1")
    assert ana.send("amanhã às 10h") == texts.confirm_booking("Corte", "terça-feira, 08/12/2026", "10:00")
    bia = whatsapp(BIA)
    bia.send("oi")
    bia.send("Bia")
    bia.send("1")
    bia.send("2")  # Barba, 30 min
    bia.send("amanhã às 9h45")  # not a slot start: nearest offered
    bia.send("amanhã 10h")
    bia.send("sim")
    assert booked_times(BIA) == ["08/12 10:00"]
    reply = ana.send("sim")
    assert reply == texts.slot_taken("terça-feira, 08/12/2026", "10:00", ["09:00", "09:30", "10:30", "11:00", "11:30"])
    assert ana.send("3") == texts.confirm_booking("Corte", "terça-feira, 08/12/2026", "10:30")
    ana.send("1")
    assert booked_times() == ["08/12 10:00", "08/12 10:30"]


def test_declining_the_confirmation_offers_the_times_again(ana):
    ana.send("1")
    ana.send("1")
    ana.send("amanhã às 10h")
    assert ana.send("não").startswith("Horários livres em *terça-feira, 08/12/2026*")
    assert booked_times() == []


# --- listing, cancelling, rescheduling -------------------------------------------------------------

def book_for(phone, when, service="Corte"):
    user = User.get(User.phone == phone)
    return booking.book(user_id=user.id, service=Service.get(Service.name == service), start=when,
                        rules=Rules(tz=SAO_PAULO), now=clock.now())


def test_my_appointments_lists_upcoming_ones_numbered(ana):
    assert ana.send("2") == texts.NO_APPOINTMENTS
    book_for(ANA, local(2026, 12, 9, 10, 0))
    book_for(ANA, local(2026, 12, 8, 14, 0), "Barba")
    reply = ana.send("meus agendamentos")
    assert reply == texts.my_appointments([
        texts.appointment_line("Barba", "terça-feira, 08/12/2026", "14:00"),
        texts.appointment_line("Corte", "quarta-feira, 09/12/2026", "10:00")])


def test_no_appointments_offers_to_book_with_1(ana):
    assert ana.send("meus agendamentos") == texts.NO_APPOINTMENTS
    assert "Qual serviço" in ana.send("1")


def test_cancelling_picks_then_confirms(ana):
    book_for(ANA, local(2026, 12, 8, 14, 0))
    second = book_for(ANA, local(2026, 12, 9, 10, 0))
    assert "Qual agendamento você quer cancelar?" in ana.send("cancelar")
    line = texts.appointment_line("Corte", "quarta-feira, 09/12/2026", "10:00")
    assert ana.send("2") == texts.confirm_cancel(line)
    assert ana.send("1") == texts.cancelled(line)
    assert Appointment.get_by_id(second.id).status == AppointmentStatus.CANCELLED
    assert booked_times(ANA) == ["08/12 14:00"]
    line = texts.appointment_line("Corte", "terça-feira, 08/12/2026", "14:00")
    assert ana.send("4") == texts.confirm_cancel(line)  # just one left: no picking
    assert ana.send("não") == texts.KEPT
    assert booked_times(ANA) == ["08/12 14:00"]


def test_cancelling_inside_the_minimum_notice_is_refused(ana):
    book_for(ANA, local(2026, 12, 7, 11, 30))
    freeze(local(2026, 12, 7, 10, 0))  # an hour and a half before it
    reply = ana.send("cancelar")
    assert reply.startswith(texts.too_late_to_change(120))
    assert ana.send("remarcar").startswith(texts.too_late_to_change(120))
    assert booked_times(ANA) == ["07/12 11:30"]


def test_the_change_notice_is_its_own_rule_not_the_booking_notice(shop, whatsapp):
    """CANCEL_MIN_NOTICE 6 h, MIN_NOTICE 1 h: an appointment 3 h away may be booked but no
    longer cancelled or moved by the customer, through the bot or through booking.cancel; the
    owner still may."""
    settings = shop.config["SETTINGS"]
    settings.cancel_min_notice, settings.min_notice = dt.timedelta(hours=6), dt.timedelta(hours=1)
    User.create(name="Ana", phone=ANA)
    chat = whatsapp(ANA)
    chat.send("oi")
    chat.send("agendar")
    chat.send("corte")
    assert chat.send("hoje às 11h") == texts.confirm_booking("Corte", "segunda-feira, 07/12/2026", "11:00")
    assert chat.send("sim").startswith("✅")  # 3 h ahead: more than the booking notice
    assert chat.send("cancelar") == texts.too_late_to_change(360)
    assert chat.send("remarcar") == texts.too_late_to_change(360)
    appointment = Appointment.get()
    rules = Rules.from_settings(settings)
    with pytest.raises(booking.TooLateToChange):
        booking.cancel(appointment.id, rules=rules, now=clock.now())
    with pytest.raises(booking.TooLateToChange):
        booking.reschedule(appointment.id, local(2026, 12, 8, 10, 0), rules=rules, now=clock.now())
    assert booked_times(ANA) == ["07/12 11:00"]
    booking.cancel(appointment.id, rules=rules, now=clock.now(), policy=booking.ADMIN)
    assert booked_times(ANA) == []


def test_a_customer_whose_notice_ran_out_before_the_yes_keeps_the_appointment(ana):
    book_for(ANA, local(2026, 12, 7, 11, 30))
    freeze(local(2026, 12, 7, 9, 20))
    assert ana.send("cancelar").startswith("Cancelar")
    freeze(local(2026, 12, 7, 9, 40))  # the yes comes when less than 2 h are left
    assert ana.send("sim") == texts.too_late_to_change(120)
    assert booked_times(ANA) == ["07/12 11:30"]


def test_rescheduling_moves_the_appointment_in_one_step(ana):
    original = book_for(ANA, local(2026, 12, 8, 14, 0))
    reply = ana.send("remarcar")
    assert reply.startswith("Vamos remarcar *Corte* - terça-feira, 08/12/2026 às *14:00*")
    reply = ana.send("quinta às 16h")
    assert reply == texts.confirm_reschedule(texts.appointment_line("Corte", "terça-feira, 08/12/2026", "14:00"),
                                             "quinta-feira, 10/12/2026", "16:00")
    assert ana.send("sim") == texts.rescheduled("Corte", "quinta-feira, 10/12/2026", "16:00")
    moved = Appointment.get_by_id(original.id)
    assert moved.status == AppointmentStatus.BOOKED and moved.revision == 2
    assert booked_times() == ["10/12 16:00"]


def test_rescheduling_to_a_taken_time_keeps_the_old_one(ana):
    book_for(ANA, local(2026, 12, 8, 14, 0))
    User.create(name="Bia", phone=BIA)
    ana.send("remarcar")
    ana.send("quinta às 16h")
    book_for(BIA, local(2026, 12, 10, 16, 0))
    reply = ana.send("1")
    assert reply.startswith("Poxa, *16:00* de *quinta-feira, 10/12/2026* acabou de ser preenchido")
    assert booked_times(ANA) == ["08/12 14:00"]


# --- global words, idle expiry, opt-out -------------------------------------------------------------

def test_global_words_work_in_any_state(ana):
    ana.send("1")
    ana.send("1")
    assert ana.send("ajuda") == texts.help_text()
    ana.send("1")
    ana.send("1")
    assert ana.send("SAIR") == texts.left_flow()
    ana.send("1")
    assert ana.send("Menu") == texts.menu("Ana")
    assert ana.send("xyz") == texts.unknown_menu("Ana")


def test_after_a_long_silence_the_conversation_starts_from_the_menu(ana):
    ana.send("1")
    ana.send("1")
    freeze(clock.now() + dt.timedelta(minutes=31))
    assert ana.send("3") == texts.timed_out("Ana")  # "3" no longer picks the third day
    assert conversation_of(ANA).state == "menu"
    ana.send("1")
    freeze(clock.now() + dt.timedelta(minutes=31))
    assert "Qual serviço" in ana.send("agendar")  # a menu choice is followed right away


def test_parar_and_voltar(ana):
    assert ana.send("parar") == texts.OPTED_OUT
    assert User.get(User.phone == ANA).opted_out_at is not None
    assert ana.send("voltar").startswith(texts.OPTED_IN)
    assert User.get(User.phone == ANA).opted_out_at is None
    assert ana.send("voltar") == texts.menu("Ana")  # nothing to undo: back to the menu


def test_media_without_text_and_huge_messages(ana):
    assert ana.send("", NumMedia="1", MediaUrl0="https://api.twilio.com/x.jpg") == texts.TEXT_ONLY
    assert ana.send("a" * 5000) == texts.TOO_LONG


def test_a_tapped_button_wins_over_the_body(ana):
    assert "Qual serviço" in ana.send("qualquer coisa", ButtonPayload="1")


# --- the webhook's guarantees ----------------------------------------------------------------------------

REPEATED = "SM" + "a" * 28 + "0001"


def test_a_redelivered_message_sid_gets_the_same_reply_and_no_second_effect(ana):
    ana.send("1")
    ana.send("1")
    ana.send("amanhã às 10h")
    first = ana.send("sim", sid=REPEATED)
    again = ana.send("sim", sid=REPEATED)
    assert first == again
    assert first.startswith(texts.booked("Corte", "terça-feira, 08/12/2026", "10:00", "Barbearia Teste"))
    assert booked_times() == ["08/12 10:00"]
    assert InboundMessage.select().where(InboundMessage.sid == REPEATED).count() == 1


def test_concurrent_deliveries_of_one_message_sid_have_one_effect(ana, app):
    ana.send("1")
    ana.send("1")
    ana.send("amanhã às 10h")
    form = ana.form("sim", sid="SM" + "c" * 28 + "0001")
    barrier = threading.Barrier(5)
    replies = []

    def deliver():
        client = app.test_client()
        barrier.wait()
        response = client.post("/whatsapp", data=form, headers={"X-Twilio-Signature": sign(WEBHOOK_URL, form)})
        replies.append((response.status_code, response.data))

    threads = [threading.Thread(target=deliver) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [status for status, _ in replies] == [200] * 5
    assert len({body for _, body in replies}) == 1
    [message] = twiml_messages(replies[0][1])
    assert message.startswith(texts.booked("Corte", "terça-feira, 08/12/2026", "10:00", "Barbearia Teste"))
    assert booked_times() == ["08/12 10:00"]


def snapshot():
    return ([(c.user_id, c.state, c.data) for c in Conversation.select().order_by(Conversation.user)],
            User.select().count(), Appointment.select().count(), InboundMessage.select().count())


def test_forged_or_missing_signatures_are_403_and_change_nothing(ana):
    before = snapshot()
    form = ana.form("1")
    assert ana.post(form, signature="").status_code == 403
    assert ana.post(form, signature="bm90IGEgc2lnbmF0dXJl").status_code == 403
    assert ana.post(form, signature=sign(WEBHOOK_URL, form, token="another-token")).status_code == 403
    assert ana.post(form, signature=sign("http://localhost/other", form)).status_code == 403
    admin = ana.form("agenda", From="whatsapp:+5511900000001")
    assert ana.post(admin, signature=sign(WEBHOOK_URL, ana.form("agenda"))).status_code == 403
    assert snapshot() == before


def test_a_replay_with_an_altered_body_is_403(ana):
    form = ana.form("2")
    signature = sign(WEBHOOK_URL, form)
    assert ana.post(form, signature=signature).status_code == 200
    before = snapshot()
    altered = {**form, "Body": "4", "MessageSid": ana.new_sid()}
    assert ana.post(altered, signature=signature).status_code == 403
    assert snapshot() == before


def test_a_form_without_from_is_400(ana, client):
    form = {"Body": "oi", "MessageSid": "SM" + "0" * 31 + "1"}
    response = client.post("/whatsapp", data=form, headers={"X-Twilio-Signature": sign(WEBHOOK_URL, form)})
    assert response.status_code == 400


def test_signatures_are_checked_against_public_url_behind_a_proxy(config, whatsapp):
    from app import create_app

    config["public_url"] = "https://agenda.example.com/"
    client = create_app(config).test_client()
    from tests.helpers import WhatsApp

    chat = WhatsApp(client, ANA)
    form = chat.form("oi")
    assert chat.post(form, signature=sign(WEBHOOK_URL, form)).status_code == 403
    good = sign("https://agenda.example.com/whatsapp", form)
    assert chat.post(form, signature=good).status_code == 200


def test_unsigned_requests_are_accepted_only_from_loopback_in_development(config):
    from app import create_app

    config.update(app_env="development", twilio_auth_token=None)
    client = create_app(config).test_client()
    form = {"From": f"whatsapp:{ANA}", "Body": "oi", "MessageSid": "SM" + "d" * 32}
    assert client.post("/whatsapp", data=form, environ_base={"REMOTE_ADDR": "127.0.0.1"}).status_code == 200
    assert client.post("/whatsapp", data=form, environ_base={"REMOTE_ADDR": "203.0.113.9"}).status_code == 403
    proxied = client.post("/whatsapp", data=form, headers={"X-Forwarded-For": "203.0.113.9"},
                          environ_base={"REMOTE_ADDR": "127.0.0.1"})
    assert proxied.status_code == 403


def test_long_replies_are_split_on_line_boundaries():
    lines = [f"linha {i:04d} " + "x" * 90 for i in range(60)]
    chunks = split_message("\n".join(lines))
    assert all(len(chunk) <= 1600 for chunk in chunks) and len(chunks) > 1
    assert "\n".join(chunks) == "\n".join(lines)
    huge = split_message("palavra " * 1000)
    assert all(len(chunk) <= 1600 for chunk in huge)
    assert " ".join(huge).split() == ("palavra " * 1000).split()
