"""The confirmation policy, with the worker run at chosen moments (and two real worker processes
at once): CONFIRM_DEADLINE tells the owner and the professional once; AUTO_RELEASE releases the
slot once, tells the customer why, and offers the slot to the waitlist."""
from __future__ import annotations

import collections
import datetime as dt
import os
import subprocess
import sys

import pytest

from bot import texts
from scheduler.worker import build_dispatcher
from storage import booking, clock, waitlist
from storage.availability import Rules
from storage.db import connection, database
from storage.models import (
    Appointment,
    AppointmentStatus,
    BusinessHours,
    InboundMessage,
    OutboundMessage,
    OutboxKind,
    Professional,
    Service,
    User,
    WaitlistEntry,
    WaitlistStatus,
)
from tests import workers
from tests.helpers import ADMIN_PHONE, SAO_PAULO, freeze, local

ANA = "+5511988887777"
BIA = "+5511977776666"
PRO_PHONE = "+5511944443333"
BOOKED_AT = local(2026, 12, 7, 8, 0)  # Monday
START = local(2026, 12, 9, 9, 0)  # Wednesday 09:00
DEADLINE = START - dt.timedelta(hours=12)  # Tuesday 21:00
RULES = Rules(tz=SAO_PAULO)
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture
def config(config):
    config.update(confirm_deadline=dt.timedelta(hours=12), daily_summary_at=None)
    return config


@pytest.fixture
def shop(app, db):
    """Open every weekday 09:00-10:00; the professional has a phone; Bia booked Wednesday 09:00
    on Monday."""
    freeze(BOOKED_AT)
    for weekday in range(6):
        BusinessHours.create(weekday=weekday, start_minute=9 * 60, end_minute=10 * 60)
    corte = Service.create(name="Corte", duration=30)
    bia = User.create(name="Bia", phone=BIA)
    appointment = booking.book(user_id=bia.id, service=corte, start=START, rules=RULES, now=clock.now())
    Professional.update(phone=PRO_PHONE).execute()  # after the booking: only the policy's alerts here
    return {"corte": corte, "bia": bia, "appointment": appointment}


class Worker:
    def __init__(self, app):
        self.dispatcher = build_dispatcher(app)
        self.sender = app.extensions["sender"]

    def at(self, moment: dt.datetime):
        freeze(moment)
        with connection():
            return self.dispatcher.run_pass()

    def texts_to(self, address: str) -> list[str]:
        return [m.body for m in self.sender.sent if m.to == address]


@pytest.fixture
def worker(app):
    w = Worker(app)
    yield w
    w.dispatcher.close()


def alert(event: str, appointment: Appointment) -> str:
    return texts.staff_booking_alert(event, appointment.id, "Bia", "Corte", "quarta-feira, 09/12/2026", "09:00")


def test_an_unconfirmed_appointment_at_its_deadline_is_told_to_the_owner_and_the_professional_once(shop, worker):
    appointment = shop["appointment"]
    worker.at(DEADLINE - dt.timedelta(seconds=30))
    assert worker.texts_to(ADMIN_PHONE) == [] and worker.texts_to(PRO_PHONE) == []
    worker.at(DEADLINE + dt.timedelta(seconds=30))
    assert worker.texts_to(ADMIN_PHONE) == [alert("unconfirmed", appointment)]
    assert worker.texts_to(PRO_PHONE) == [alert("unconfirmed", appointment)]
    before = len(worker.sender.sent)
    worker.at(DEADLINE + dt.timedelta(hours=1))
    worker.at(START - dt.timedelta(minutes=1))
    assert len(worker.sender.sent) == before  # once
    assert Appointment.get_by_id(appointment.id).status == AppointmentStatus.BOOKED  # AUTO_RELEASE is off
    assert not OutboundMessage.select().where(OutboundMessage.kind == OutboxKind.CANCELLATION).exists()


def test_a_confirmed_appointment_or_one_booked_after_its_deadline_is_left_alone(shop, worker):
    booking.confirm(shop["appointment"].id, now=clock.now())
    freeze(local(2026, 12, 8, 22, 0))  # after Wednesday 09:30's deadline
    late = booking.book(user_id=shop["bia"].id, service=shop["corte"], start=local(2026, 12, 9, 9, 30),
                        rules=RULES, now=clock.now())
    worker.at(local(2026, 12, 8, 22, 1))
    worker.at(START - dt.timedelta(minutes=5))
    assert worker.texts_to(ADMIN_PHONE) == []
    assert Appointment.get_by_id(late.id).status == AppointmentStatus.BOOKED


def test_auto_release_releases_once_tells_the_customer_and_offers_the_slot_to_the_waitlist(shop, worker, app):
    app.config["SETTINGS"].auto_release = True
    appointment = shop["appointment"]
    caio = User.create(name="Caio", phone="+5511966665555")  # 09:30 is taken and confirmed: the day is full
    other = booking.book(user_id=caio.id, service=shop["corte"], start=START + dt.timedelta(minutes=30), rules=RULES,
                         now=clock.now())
    booking.confirm(other.id, now=clock.now())
    ana = User.create(name="Ana", phone=ANA)
    waitlist.join(user_id=ana.id, service_id=shop["corte"].id, day=START.date(), now=clock.now())
    InboundMessage.create(sid="SM-ana-wrote", user=ana.id, created_at=DEADLINE - dt.timedelta(hours=1))
    worker.at(DEADLINE - dt.timedelta(seconds=30))
    assert Appointment.get_by_id(appointment.id).status == AppointmentStatus.BOOKED
    assert WaitlistEntry.get(WaitlistEntry.user == ana.id).status == WaitlistStatus.WAITING
    worker.at(DEADLINE + dt.timedelta(seconds=30))
    released = Appointment.get_by_id(appointment.id)
    assert (released.status, released.cancel_reason) == (AppointmentStatus.CANCELLED, texts.RELEASED_REASON)
    assert worker.texts_to(BIA)[-1:] == [texts.cancellation_notice("Bia", "Corte", "quarta-feira, 09/12/2026", "09:00",
                                                              "Barbearia Teste", texts.RELEASED_REASON)]
    assert worker.texts_to(ADMIN_PHONE) == [alert("released", appointment)]
    assert worker.texts_to(ANA) == [texts.waitlist_offer("Ana", "Corte", "quarta-feira, 09/12/2026", "09:00", 15,
                                                         "Barbearia Teste")]
    assert WaitlistEntry.get(WaitlistEntry.user == ana.id).status == WaitlistStatus.OFFERED
    before = len(worker.sender.sent)
    worker.at(DEADLINE + dt.timedelta(minutes=5))
    assert len(worker.sender.sent) == before  # each exactly once


def test_a_confirmation_just_before_the_deadline_keeps_the_appointment(shop, worker, app):
    app.config["SETTINGS"].auto_release = True
    freeze(DEADLINE - dt.timedelta(minutes=1))
    assert booking.confirm(shop["appointment"].id, now=clock.now())
    worker.at(DEADLINE + dt.timedelta(minutes=1))
    assert Appointment.get_by_id(shop["appointment"].id).status == AppointmentStatus.BOOKED
    assert booking.release_unconfirmed(shop["appointment"].id, now=clock.now(), reason="x") is None
    assert worker.texts_to(ADMIN_PHONE) == []
    assert not OutboundMessage.select().where(OutboundMessage.kind == OutboxKind.CANCELLATION).exists()


def test_two_worker_processes_release_and_tell_exactly_once(app, db, fake_twilio):
    """Real time here (the worker processes read the real clock): Bia's appointment is in six
    hours, booked yesterday, never confirmed; CONFIRM_DEADLINE=12h, AUTO_RELEASE=on."""
    Professional.update(phone=PRO_PHONE).execute()
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    corte = Service.create(name="Corte", duration=30)
    bia = User.create(name="Bia", phone=BIA)
    start = now + dt.timedelta(hours=6)
    appointment = Appointment.create(user=bia.id, professional=Professional.get().id, service=corte.id, date=start,
                                     end=start + dt.timedelta(minutes=30), type="Corte", duration=30,
                                     scheduled_at=now - dt.timedelta(days=1), created_at=now, updated_at=now)
    database.close()
    env = workers.worker_env(app.config["SETTINGS"].database_url, fake_twilio.url, CONFIRM_DEADLINE="12h",
                             AUTO_RELEASE="on", ADMIN_PHONES=ADMIN_PHONE, REMINDER_LEADS="1m")
    processes = [subprocess.Popen([sys.executable, "-m", "scheduler", "--once"], cwd=ROOT, env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [p.communicate(timeout=120) for p in processes]
    assert [p.returncode for p in processes] == [0, 0], [err[-1500:] for _, err in outputs]
    counts = collections.Counter(m.to.removeprefix("whatsapp:") for m in fake_twilio.messages)
    assert counts == {BIA: 1, ADMIN_PHONE: 1, PRO_PHONE: 1}, counts
    assert Appointment.get_by_id(appointment.id).status == AppointmentStatus.CANCELLED
    kinds = collections.Counter(r.kind for r in OutboundMessage.select())
    assert kinds == {OutboxKind.CANCELLATION: 1, OutboxKind.STAFF_ALERT: 2}
    released = [line for _, err in outputs for line in err.splitlines() if "released: unconfirmed" in line]
    assert len(released) == 1
