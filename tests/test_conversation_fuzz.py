"""Property: whatever a person sends, in whatever state, the reply is valid TwiML of messages of
at most 1600 characters, never a 5xx, and the data stays consistent (no overlapping
appointments, every appointment belongs to a registered user)."""
from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot import texts
from bot.states import State
from storage import booking, clock
from storage.availability import Rules
from storage.db import database
from storage.demo import seed_demo
from storage.models import Appointment, AppointmentStatus, Professional, Service, User
from tests import workers
from tests.helpers import SAO_PAULO, WhatsApp, conversation_of, freeze, local, twiml_messages

TRICKY = ["", " ", "\n\n", "1", "0", "99", "-1", "1.5", "sim", "não", "mais", "menu", "sair", "ajuda",
          "parar", "voltar", "cancelar", "remarcar", "agendar", "amanhã às 15h", "31/02", "25h",
          "ontem", "domingo", "hoje 23:59", "'; DROP TABLE users; --", "<script>alert(1)</script>",
          "😀🔥💈", "١٢٣", "中文字符", "Ｔｅｓｔ", "\x00\x01", "a" * 1001, "a" * 5000, "%s%s%n",
          "{{7*7}}", "1️⃣", "*1*", "opção 2", "qualquer um"]

text_strategy = st.one_of(st.sampled_from(TRICKY), st.text(max_size=60),
                          st.text(min_size=900, max_size=6000))

# How to reach each state from a registered customer ("registered") or a new number.
SCRIPTS = {
    State.START: ("new", []),
    State.ASK_NAME: ("new", ["oi"]),
    State.CONFIRM_NAME: ("profile", ["oi"]),
    State.MENU: ("registered", ["oi"]),
    State.BOOK_SERVICE: ("registered", ["1"]),
    State.BOOK_PROFESSIONAL: ("two_pros", ["1", "1"]),
    State.BOOK_DAY: ("registered", ["1", "1"]),
    State.BOOK_TIME: ("registered", ["1", "1", "2"]),
    State.BOOK_CONFIRM: ("registered", ["1", "1", "amanhã às 10h"]),
    State.CANCEL_PICK: ("two_appointments", ["cancelar"]),
    State.CANCEL_CONFIRM: ("one_appointment", ["cancelar"]),
    State.RESCHEDULE_PICK: ("two_appointments", ["remarcar"]),
    State.RESCHEDULE_DAY: ("one_appointment", ["remarcar"]),
    State.RESCHEDULE_TIME: ("one_appointment", ["remarcar", "2"]),
    State.RESCHEDULE_CONFIRM: ("one_appointment", ["remarcar", "quinta às 16h"]),
}
_phones = itertools.count(10_000_000)


def _new_phone() -> str:
    return f"+55119{next(_phones):08d}"


def _prepare(client, kind: str) -> WhatsApp:
    phone = _new_phone()
    chat = WhatsApp(client, phone, profile_name="Cliente Teste" if kind == "profile" else None)
    if kind in ("new", "profile"):
        return chat
    user = User.create(name="Cliente", phone=phone)
    corte = Service.get(Service.name == "Corte")
    rules = Rules(tz=SAO_PAULO)
    count = {"one_appointment": 1, "two_appointments": 2}.get(kind, 0)
    placed = 0
    for day in range(8, 31):  # find free slots for this customer's appointments
        if placed == count:
            break
        for hour in (9, 10, 11, 13, 14, 15, 16, 17, 18):
            try:
                booking.book(user_id=user.id, service=corte, start=local(2026, 12, day, hour, 0), rules=rules,
                             now=clock.now())
            except booking.BookingError:
                continue
            placed += 1
            break
    return chat


@pytest.fixture
def busy_shop(app, db):
    freeze(local(2026, 12, 7, 8, 0))
    seed_demo()
    return app


@pytest.mark.parametrize("state", list(SCRIPTS), ids=lambda s: s.value)
def test_any_text_in_any_state_gets_a_valid_reply(busy_shop, client, state):
    kind, script = SCRIPTS[state]
    if kind == "two_pros":
        Professional.get_or_create(name="Bruno")

    @settings(max_examples=30, deadline=None, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(text=text_strategy)
    def check(text):
        chat = _prepare(client, kind)
        for step in script:
            chat.send(step)
        if script:
            assert conversation_of(chat.phone).state == state.value
        response = chat.post(chat.form(text))
        assert response.status_code == 200, response.data
        messages = twiml_messages(response.data)
        assert messages and all(0 < len(m) <= 1600 for m in messages)
        assert texts.GENERIC_ERROR not in messages  # the catch-all never had to answer
        assert workers.overlapping_pairs() == 0
        assert workers.orphan_appointments() == 0
        # Free this customer's times so every example starts from the same calendar.
        Appointment.update(status=AppointmentStatus.CANCELLED).where(
            Appointment.user.in_(User.select(User.id).where(User.phone == chat.phone))).execute()

    check()
    database.close()
