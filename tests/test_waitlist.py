"""The waitlist: joining from the booking flow, offers of freed slots held for one customer at a
time, accepting, declining and holds that run out, with the worker run at chosen moments."""
from __future__ import annotations

import datetime as dt

import pytest

from bot import texts
from scheduler.worker import build_dispatcher
from storage import booking, clock, waitlist
from storage.availability import Calendar, Rules
from storage.db import connection
from storage.models import (
    Appointment,
    AppointmentStatus,
    BusinessHours,
    InboundMessage,
    OutboundMessage,
    OutboxKind,
    OutboxStatus,
    Professional,
    Service,
    User,
    WaitlistEntry,
    WaitlistStatus,
)
from tests.helpers import SAO_PAULO, freeze, local

ANA = "+5511988887777"
BIA = "+5511977776666"
CAIO = "+5511966665555"
NOW = local(2026, 12, 7, 8, 0)  # Monday
TUESDAY = dt.date(2026, 12, 8)
NINE = local(2026, 12, 8, 9, 0)
NINE_THIRTY = local(2026, 12, 8, 9, 30)
RULES = Rules(tz=SAO_PAULO)


@pytest.fixture
def shop(app, db):
    """One professional, Corte (30 min), open Monday to Saturday 09:00-10:00: two slots a day.
    Tuesday is full (Bia at 09:00, Caio at 09:30). The clock reads Monday 08:00."""
    freeze(NOW)
    for weekday in range(6):
        BusinessHours.create(weekday=weekday, start_minute=9 * 60, end_minute=10 * 60)
    corte = Service.create(name="Corte", duration=30)
    bia, caio = User.create(name="Bia", phone=BIA), User.create(name="Caio", phone=CAIO)
    first = book(bia, NINE, corte)
    second = book(caio, NINE_THIRTY, corte)
    return {"corte": corte, "bia": bia, "caio": caio, "nine": first, "nine_thirty": second}


def book(user, start, service):
    return booking.book(user_id=user.id, service=service, start=start, rules=RULES, now=clock.now())


class Worker:
    def __init__(self, app):
        self.dispatcher = build_dispatcher(app)
        self.sender = app.extensions["sender"]

    def at(self, moment: dt.datetime):
        freeze(moment)
        with connection():
            return self.dispatcher.run_pass()


@pytest.fixture
def worker(app):
    w = Worker(app)
    yield w
    w.dispatcher.close()


def wrote(user: User, moment: dt.datetime) -> None:
    """The customer wrote to the business then (WhatsApp's 24-hour window opens)."""
    InboundMessage.create(sid=f"SM{user.id:08d}{int(moment.timestamp())}", user=user.id, created_at=moment)


def in_line(user: User, corte: Service, moment: dt.datetime | None = None) -> WaitlistEntry:
    if moment is not None:
        freeze(moment)
    entry, new = waitlist.join(user_id=user.id, service_id=corte.id, day=TUESDAY, now=clock.now())
    assert new
    return entry


def entry_of(user: User) -> WaitlistEntry:
    return WaitlistEntry.get(WaitlistEntry.user == user.id)


def offers() -> list[OutboundMessage]:
    return list(OutboundMessage.select().where(OutboundMessage.kind == OutboxKind.OFFER).order_by(OutboundMessage.id))


# --- the conversation ----------------------------------------------------------------------------

def test_a_customer_joins_the_waitlist_of_a_full_day_and_accepts_the_offer(shop, whatsapp, worker):
    User.create(name="Ana", phone=ANA)
    ana = whatsapp(ANA)
    ana.send("oi")
    reply = ana.send("quero marcar corte terça")
    assert texts.day_closed("terça-feira, 08/12/2026", ["quarta-feira, 09/12/2026", "quinta-feira, 10/12/2026",
                                                       "sexta-feira, 11/12/2026", "sábado, 12/12/2026",
                                                       "segunda-feira, 14/12/2026", "terça-feira, 15/12/2026"]) in reply
    assert texts.waitlist_option_line(7, "08/12") in reply
    reply = ana.send("7")
    assert reply == texts.waitlist_joined("Corte", "terça-feira, 08/12/2026", None, 15)
    assert ana.send("lista de espera") == texts.waitlist_list(
        [texts.waitlist_line("Corte", "terça-feira, 08/12/2026", None, False)])
    worker.at(NOW + dt.timedelta(minutes=1))
    assert offers() == []  # nothing freed yet

    booking.cancel(shop["nine_thirty"].id, rules=RULES, now=clock.now(), reason="imprevisto")
    worker.at(NOW + dt.timedelta(minutes=2))
    sent = [m for m in worker.sender.sent if m.to == f"whatsapp:{ANA}" or m.to == ANA]
    offer_text = texts.waitlist_offer("Ana", "Corte", "terça-feira, 08/12/2026", "09:30", 15, "Barbearia Teste")
    assert [m.body for m in sent] == [offer_text]
    # Held: nobody else can book it, not even through the owner's commands.
    with pytest.raises(booking.SlotTaken):
        booking.book(user_id=shop["bia"].id, service=shop["corte"], start=NINE_THIRTY, rules=RULES,
                     now=clock.now(), policy=booking.ADMIN)

    freeze(NOW + dt.timedelta(minutes=10))
    reply = ana.send("sim")
    assert reply == texts.offer_booked("Corte", "terça-feira, 08/12/2026", "09:30", "Barbearia Teste")
    mine = Appointment.select().join(User).where((User.phone == ANA) & (Appointment.status == AppointmentStatus.BOOKED))
    assert [a.date for a in mine] == [NINE_THIRTY.astimezone(dt.UTC)]
    assert entry_of(User.get(User.phone == ANA)).status == WaitlistStatus.BOOKED
    assert ana.send("lista de espera") == texts.NO_WAITLIST


def test_a_full_part_of_the_day_offers_its_own_waitlist(shop, whatsapp):
    BusinessHours.create(weekday=1, start_minute=14 * 60, end_minute=15 * 60)  # Tuesday afternoon too
    User.create(name="Ana", phone=ANA)
    ana = whatsapp(ANA)
    ana.send("oi")
    reply = ana.send("quero marcar corte terça de manhã")
    assert texts.none_in_window("de manhã") in reply
    assert "*3* - " + texts.join_waitlist_option("08/12", "de manhã") in reply  # after 14:00 and 14:30
    assert ana.send("3") == texts.waitlist_joined("Corte", "terça-feira, 08/12/2026", "de manhã", 15)
    entry = entry_of(User.get(User.phone == ANA))
    assert (entry.window_start, entry.window_end) == (6 * 60, 12 * 60)  # "de manhã", as bot/nlu reads it


def test_customers_see_their_entries_with_their_appointments_and_leave_them(shop, whatsapp):
    ana_user = User.create(name="Ana", phone=ANA)
    book(ana_user, local(2026, 12, 9, 9, 0), shop["corte"])
    in_line(ana_user, shop["corte"])
    ana = whatsapp(ANA)
    ana.send("oi")
    listed = ana.send("2")  # Meus agendamentos
    assert texts.waitlist_line("Corte", "terça-feira, 08/12/2026", None, False) in listed
    assert ana.send("sair da lista 3") == texts.waitlist_list(
        [texts.waitlist_line("Corte", "terça-feira, 08/12/2026", None, False)])  # no third entry: shown again
    assert ana.send("sair da lista") == texts.waitlist_left(1)
    assert entry_of(ana_user).status == WaitlistStatus.LEFT
    assert ana.send("sair da lista") == texts.NO_WAITLIST


def test_joining_twice_keeps_one_place_in_line(shop):
    ana = User.create(name="Ana", phone=ANA)
    first = in_line(ana, shop["corte"])
    again, new = waitlist.join(user_id=ana.id, service_id=shop["corte"].id, day=TUESDAY, now=clock.now())
    assert (again.id, new) == (first.id, False)
    assert WaitlistEntry.select().count() == 1


# --- offers, holds and the line --------------------------------------------------------------------

def test_the_first_in_line_gets_the_offer_and_the_hold_blocks_everyone_else(shop, worker):
    ana, dora = User.create(name="Ana", phone=ANA), User.create(name="Dora", phone="+5511955554444")
    in_line(dora, shop["corte"], NOW)
    in_line(ana, shop["corte"], NOW + dt.timedelta(minutes=1))
    for person in (ana, dora):
        wrote(person, NOW)
    booking.cancel(shop["nine"].id, rules=RULES, now=clock.now())
    worker.at(NOW + dt.timedelta(minutes=2))
    assert [(o.user_id, o.status) for o in offers()] == [(dora.id, OutboxStatus.SENT)]
    assert entry_of(dora).status == WaitlistStatus.OFFERED and entry_of(ana).status == WaitlistStatus.WAITING
    worker.at(NOW + dt.timedelta(minutes=3))
    assert len(offers()) == 1  # one offer at a time for that slot
    # The held 09:00 is busy for Ana, free for Dora.
    now = clock.now()
    for person, free in ((ana, []), (dora, [NINE.astimezone(dt.UTC)])):
        calendar = Calendar(RULES, [Professional.get().id], TUESDAY, TUESDAY, holder=person.id, now=now)
        assert calendar.free_starts(Professional.get().id, TUESDAY, dt.timedelta(minutes=30), now) == free


def test_a_hold_that_runs_out_goes_to_the_next_and_a_late_yes_is_told_kindly(shop, worker, whatsapp):
    ana, dora = User.create(name="Ana", phone=ANA), User.create(name="Dora", phone="+5511955554444")
    in_line(ana, shop["corte"], NOW)
    in_line(dora, shop["corte"], NOW + dt.timedelta(minutes=1))
    wrote(dora, NOW)
    chat = whatsapp(ANA)
    chat.send("oi")
    booking.cancel(shop["nine"].id, rules=RULES, now=clock.now())
    offered_at = NOW + dt.timedelta(minutes=2)
    worker.at(offered_at)
    assert entry_of(ana).status == WaitlistStatus.OFFERED
    worker.at(offered_at + dt.timedelta(minutes=14))
    assert entry_of(ana).status == WaitlistStatus.OFFERED  # still inside the 15 minutes
    worker.at(offered_at + dt.timedelta(minutes=15, seconds=1))
    assert entry_of(ana).status == WaitlistStatus.EXPIRED
    assert entry_of(dora).status == WaitlistStatus.OFFERED
    assert [o.user_id for o in offers()] == [ana.id, dora.id]

    assert chat.send("sim") == texts.OFFER_EXPIRED
    assert not Appointment.select().where(Appointment.user == ana.id).exists()
    assert entry_of(dora).status == WaitlistStatus.OFFERED  # Dora's hold untouched


def test_a_yes_after_the_hold_but_before_the_worker_noticed_changes_nothing(shop, worker, whatsapp):
    ana = User.create(name="Ana", phone=ANA)
    chat = whatsapp(ANA)
    chat.send("oi")
    in_line(ana, shop["corte"])
    booking.cancel(shop["nine"].id, rules=RULES, now=clock.now())
    worker.at(NOW + dt.timedelta(minutes=1))
    freeze(NOW + dt.timedelta(minutes=17))  # no pass since the hold ran out
    assert chat.send("1") == texts.OFFER_EXPIRED
    assert entry_of(ana).status == WaitlistStatus.EXPIRED
    assert not Appointment.select().where(Appointment.user == ana.id).exists()


def test_declining_passes_the_slot_to_the_next(shop, worker, whatsapp):
    ana, dora = User.create(name="Ana", phone=ANA), User.create(name="Dora", phone="+5511955554444")
    chat = whatsapp(ANA)
    chat.send("oi")
    in_line(ana, shop["corte"], NOW + dt.timedelta(minutes=1))
    in_line(dora, shop["corte"], NOW + dt.timedelta(minutes=2))
    wrote(dora, NOW)
    booking.cancel(shop["nine"].id, rules=RULES, now=clock.now())
    worker.at(NOW + dt.timedelta(minutes=3))
    assert chat.send("não") == texts.OFFER_DECLINED
    assert entry_of(ana).status == WaitlistStatus.LEFT
    worker.at(NOW + dt.timedelta(minutes=4))
    assert entry_of(dora).status == WaitlistStatus.OFFERED


def test_outside_the_24_hour_window_without_a_template_the_next_in_line_gets_it(shop, worker, app):
    ana, dora = User.create(name="Ana", phone=ANA), User.create(name="Dora", phone="+5511955554444")
    in_line(ana, shop["corte"], NOW)
    in_line(dora, shop["corte"], NOW + dt.timedelta(minutes=1))
    wrote(ana, NOW - dt.timedelta(hours=30))  # too long ago
    wrote(dora, NOW)
    booking.cancel(shop["nine"].id, rules=RULES, now=clock.now())
    worker.at(NOW + dt.timedelta(minutes=2))
    assert entry_of(ana).status == WaitlistStatus.WAITING  # passed over, still in line
    assert entry_of(dora).status == WaitlistStatus.OFFERED
    # With the approved template, Ana is reachable again and goes first for the next slot.
    app.config["SETTINGS"].twilio_offer_content_sid = "HX" + "1" * 32
    booking.cancel(shop["nine_thirty"].id, rules=RULES, now=clock.now())
    worker.at(NOW + dt.timedelta(minutes=3))
    assert entry_of(ana).status == WaitlistStatus.OFFERED
    template = [m for m in worker.sender.sent if m.content_sid == "HX" + "1" * 32]
    assert [m.content_variables for m in template] == [
        {"1": "Ana", "2": "Corte", "3": "08/12/2026", "4": "09:30", "5": "15", "6": "Barbearia Teste"}]


def test_an_offer_whose_hold_ended_before_sending_is_not_sent(shop, app):
    ana = User.create(name="Ana", phone=ANA)
    wrote(ana, NOW)
    in_line(ana, shop["corte"])
    booking.cancel(shop["nine"].id, rules=RULES, now=clock.now())
    settings = app.config["SETTINGS"]
    assert waitlist.backfill(clock.now(), RULES, settings) == 1
    waitlist.leave(ana.id, clock.now())  # before the worker sends it
    dispatcher = build_dispatcher(app)
    with connection():
        dispatcher.run_pass()
    dispatcher.close()
    assert [o.status for o in offers()] == [OutboxStatus.CANCELLED]
    assert [m for m in app.extensions["sender"].sent if m.to == ANA] == []


def test_entries_expire_after_their_day(shop, worker):
    ana = User.create(name="Ana", phone=ANA)
    in_line(ana, shop["corte"])
    worker.at(local(2026, 12, 8, 23, 59))
    assert entry_of(ana).status == WaitlistStatus.WAITING
    worker.at(local(2026, 12, 9, 0, 1))
    assert entry_of(ana).status == WaitlistStatus.EXPIRED


def test_a_no_show_marked_early_frees_the_rest_of_a_long_appointment(shop, worker):
    """Tuesday 09:00-10:00 is one long appointment; it is marked a no-show at 09:00 with a
    30-minute notice, and 09:30 goes to the waitlist."""
    Appointment.update(status=AppointmentStatus.CANCELLED).execute()
    long = Service.create(name="Corte + barba", duration=60)
    appointment = book(shop["bia"], NINE, long)
    ana = User.create(name="Ana", phone=ANA)
    wrote(ana, local(2026, 12, 8, 8, 0))
    in_line(ana, shop["corte"])
    app_settings = worker.dispatcher.settings
    app_settings.min_notice = dt.timedelta(minutes=30)
    worker.at(local(2026, 12, 8, 8, 55))
    assert entry_of(ana).status == WaitlistStatus.WAITING
    freeze(local(2026, 12, 8, 9, 0))
    booking.mark(appointment.id, AppointmentStatus.NO_SHOW, now=clock.now())
    worker.at(local(2026, 12, 8, 9, 0))
    entry = entry_of(ana)
    assert entry.status == WaitlistStatus.OFFERED and entry.held_start == NINE_THIRTY.astimezone(dt.UTC)


def test_a_tap_on_the_offer_button_answers_it_and_a_bare_number_later_answers_the_menu(shop, worker, whatsapp, app):
    ana = User.create(name="Ana", phone=ANA)
    chat = whatsapp(ANA)
    chat.send("oi")
    in_line(ana, shop["corte"])
    booking.cancel(shop["nine"].id, rules=RULES, now=clock.now())
    app.config["SETTINGS"].interactive = True
    worker.at(NOW + dt.timedelta(minutes=1))
    offer = [m for m in worker.sender.sent if m.to == ANA]
    assert len(offer) == 1 and offer[0].content_sid and offer[0].body is None  # sent as buttons
    app.config["SETTINGS"].interactive = False
    freeze(NOW + dt.timedelta(minutes=2))
    chat.send("oi")  # something else first
    booked_text = texts.offer_booked("Corte", "terça-feira, 08/12/2026", "09:00", "Barbearia Teste")
    assert chat.send("1") != booked_text  # the menu's Agendar, not the offer
    assert entry_of(ana).status == WaitlistStatus.OFFERED
    assert chat.send("Sim, quero", ButtonPayload="offer:1", ButtonText="Sim, quero") == booked_text
    assert entry_of(ana).status == WaitlistStatus.BOOKED


def test_the_daily_summary_lists_the_day_s_waitlist_and_unconfirmed_appointments(shop, worker):
    from tests.helpers import ADMIN_PHONE

    ana = User.create(name="Ana", phone=ANA)
    in_line(ana, shop["corte"])
    booking.confirm(shop["nine_thirty"].id, now=clock.now())
    worker.at(local(2026, 12, 8, 7, 0) + dt.timedelta(seconds=5))
    summary = [m.body for m in worker.sender.sent if m.to == ADMIN_PHONE and m.body.startswith("☀️")]
    assert len(summary) == 1
    assert texts.summary_waitlist([texts.summary_waitlist_line("Ana", "Corte", None, False)]) in summary[0]
    assert texts.summary_unconfirmed([texts.summary_unconfirmed_line(shop["nine"].id, "09:00", "Bia", "Corte")]) \
        in summary[0]
