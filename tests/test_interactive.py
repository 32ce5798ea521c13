"""INTERACTIVE=on: menus as WhatsApp lists and buttons, every reply through the REST API (the
real `twilio` client against the fake Twilio, which also answers the Content API), and voice
notes transcribed by a fake speech-to-text service."""
from __future__ import annotations

import io
import json
import math
import wave
from dataclasses import dataclass

import pytest

from bot import texts
from scheduler import content
from storage.db import database
from storage.demo import seed_demo
from storage.models import (
    Appointment,
    AppointmentStatus,
    ContentTemplate,
    OutboundMessage,
    OutboxKind,
    OutboxStatus,
    User,
)
from tests.helpers import WhatsApp, conversation_of, freeze, local

ANA = "+5511988887777"
STT_KEY = "test-stt-key"


@pytest.fixture
def fake_stt():
    from tests import fake_stt as fake

    server = fake.start(STT_KEY)
    yield server
    server.stop()


@pytest.fixture
def app(twilio_config, fake_twilio, fake_stt):
    from app import create_app

    twilio_config.update(interactive=True, twilio_content_api_url=fake_twilio.url, daily_summary_at=None,
                         stt_url=fake_stt.url, stt_api_key=STT_KEY, stt_model="whisper-1")
    content.forget()
    application = create_app(twilio_config)
    yield application
    if not database.is_closed():
        database.close()


@pytest.fixture
def shop(app, db):
    freeze(local(2026, 12, 7, 8, 0))  # Monday
    seed_demo()
    return app


@dataclass
class Shown:
    """One message as the customer's WhatsApp shows it."""

    body: str
    kind: str  # "text", "list" or "buttons"
    options: list[tuple[str, str]]  # (id, title)

    @property
    def titles(self) -> list[str]:
        return [title for _, title in self.options]


def shown(message, fake) -> Shown:
    form = message.form
    if "ContentSid" not in form:
        return Shown(form["Body"], "text", [])
    created = next(c for c in fake.contents if c["sid"] == form["ContentSid"])
    kind, count = created["friendly_name"].removeprefix("agendador_").split("_")
    values = json.loads(form["ContentVariables"])
    if kind == "list":
        options = [(values[str(4 + 3 * i)], values[str(3 + 3 * i)]) for i in range(int(count))]
    else:
        options = [(values[str(3 + 2 * i)], values[str(2 + 2 * i)]) for i in range(int(count))]
    return Shown(values["1"], kind, options)


class Customer:
    """A person on WhatsApp: types or taps, and sees what the business sends back."""

    def __init__(self, app, client, fake, phone: str, profile_name: str | None = None):
        self.app, self.fake = app, fake
        self.chat = WhatsApp(client, phone, profile_name)
        self.phone = phone
        self.seen: list[Shown] = []

    def _post(self, form: dict) -> list[Shown]:
        before = len(self.fake.to(self.phone))
        response = self.chat.post(form)
        assert response.status_code == 200
        assert response.data.decode().replace("\n", "").endswith(("<Response />", "<Response/>")), response.data
        self.app.extensions["handoff"].wait()
        new = [shown(m, self.fake) for m in self.fake.to(self.phone)[before:]]
        self.seen += new
        return new

    def type(self, text: str) -> list[Shown]:
        return self._post(self.chat.form(text))

    def tap(self, title: str) -> list[Shown]:
        """Taps the option with this title on the last message that offered options."""
        offer = next(m for m in reversed(self.seen) if m.options)
        option_id = next(i for i, t in offer.options if t == title)
        fields = ({"ButtonPayload": option_id, "ButtonText": title} if offer.kind == "buttons"
                  else {"ListId": option_id, "ListTitle": title})
        return self._post(self.chat.form("", **fields))


def test_a_whole_booking_reschedule_and_cancellation_by_taps_alone(shop, client, fake_twilio):
    ana = Customer(shop, client, fake_twilio, ANA, profile_name="Ana")
    [welcome] = ana.type("oi")
    assert welcome.kind == "buttons" and welcome.titles == ["Sim", "Não"]
    [menu] = ana.tap("Sim")
    assert menu.kind == "list" and menu.titles == list(texts.MENU_OPTIONS)
    assert menu.body.startswith("Prazer, *Ana*!")
    [services] = ana.tap("Agendar")
    assert services.titles == ["Corte (30 min)", "Barba (30 min)", "Corte + barba (1h)", "Sobrancelha (15 min)"]
    [days] = ana.tap("Corte (30 min)")
    assert days.kind == "list" and days.titles[1] == "terça-feira, 08/12/2026"
    [times] = ana.tap("terça-feira, 08/12/2026")
    assert times.kind == "list" and times.titles[:2] == ["09:00", "09:30"]
    [confirm] = ana.tap("09:30")
    assert confirm.kind == "buttons" and confirm.titles == ["Sim, confirmar", "Não, outro horário"]
    [booked] = ana.tap("Sim, confirmar")
    # the first booking asks once about marketing messages, with two buttons
    assert booked.kind == "buttons" and booked.titles == texts.CONSENT_OPTIONS
    assert booked.body.startswith("✅ Agendado! *Corte* em *terça-feira, 08/12/2026* às *09:30*")
    assert Appointment.get().date == local(2026, 12, 8, 9, 30)

    ana.type("menu")
    [days] = ana.tap("Remarcar")  # one appointment: straight to its days
    [times] = ana.tap("quarta-feira, 09/12/2026")
    [confirm] = ana.tap("11:00")
    assert confirm.titles == ["Sim, remarcar", "Não, outro horário"]
    [moved] = ana.tap("Sim, remarcar")
    assert moved.body.startswith("✅ Remarcado!")
    assert Appointment.get().date == local(2026, 12, 9, 11, 0)

    ana.type("menu")
    [confirm] = ana.tap("Cancelar")
    assert confirm.titles == ["Sim, cancelar", "Não, manter"]
    [cancelled] = ana.tap("Sim, cancelar")
    assert cancelled.body.startswith("Cancelado ✅")
    assert Appointment.get().status == AppointmentStatus.CANCELLED
    # Every reply went through the REST API, in order, and was recorded as sent.
    replies = list(OutboundMessage.select().where(OutboundMessage.kind == OutboxKind.REPLY).order_by(OutboundMessage.id))
    assert len(replies) == len(ana.seen) and all(r.status == OutboxStatus.SENT for r in replies)


def test_the_same_booking_by_typing_gets_the_same_lists(shop, client, fake_twilio):
    ana = Customer(shop, client, fake_twilio, ANA)
    ana.type("oi")
    [menu] = ana.type("Ana")
    assert menu.kind == "list"
    [services] = ana.type("1")
    [days] = ana.type("corte")
    [times] = ana.type("amanhã")
    [confirm] = ana.type("3")  # 10:00
    assert confirm.kind == "buttons"
    [booked] = ana.type("sim")
    assert booked.body.startswith("✅ Agendado! *Corte* em *terça-feira, 08/12/2026* às *10:00*")


def test_shapes_are_created_once_and_reused_by_other_processes(shop, client, fake_twilio, twilio_config):
    ana = Customer(shop, client, fake_twilio, ANA, profile_name="Ana")
    ana.type("oi")
    ana.tap("Sim")
    ana.type("menu")
    created = [c["friendly_name"] for c in fake_twilio.contents]
    assert sorted(created) == ["agendador_buttons_2", "agendador_list_5"]
    assert {t.name: t.sid for t in ContentTemplate.select()} == {
        "buttons-2": fake_twilio.contents[0]["sid"], "list-5": fake_twilio.contents[1]["sid"]}
    content.forget()  # another process (or a restart) knows nothing but the database
    from app import create_app

    other = create_app({**twilio_config, "interactive": True, "twilio_content_api_url": fake_twilio.url})
    bia = Customer(other, other.test_client(), fake_twilio, "+5511977776666")
    User.create(name="Bia", phone="+5511977776666")
    bia.type("menu")
    assert len(fake_twilio.contents) == 2  # nothing created again


def test_a_tap_on_an_old_list_reads_as_its_words_not_its_number(shop, client, fake_twilio):
    User.create(name="Ana", phone=ANA)
    ana = Customer(shop, client, fake_twilio, ANA)
    [menu] = ana.type("oi")
    [services] = ana.tap("Agendar")
    old_menu_id = {t: i for i, t in menu.options}["Cancelar"]  # "menu:4"
    # Tapping "Cancelar" on the old menu while the service list is open: the words, not "4"
    # (which would pick Sobrancelha).
    [reply] = ana._post(ana.chat.form("", ListId=old_menu_id, ListTitle="Cancelar"))
    assert not reply.body.startswith("*Sobrancelha*")
    assert conversation_of(ANA).state == "book_service"  # still choosing: nothing was picked


def test_the_webhook_answers_empty_and_a_redelivery_sends_nothing_twice(shop, client, fake_twilio):
    User.create(name="Ana", phone=ANA)
    chat = WhatsApp(client, ANA)
    form = chat.form("menu")
    for _ in range(3):
        response = chat.post(form)
        assert response.status_code == 200 and b"<Message>" not in response.data
        shop.extensions["handoff"].wait()
    assert len(fake_twilio.to(ANA)) == 1


def test_a_reply_longer_than_a_message_goes_in_parts_in_order(shop, client, fake_twilio):
    from bot import conversation
    from bot.turn import stay

    User.create(name="Ana", phone=ANA)
    long_text = "\n".join(f"linha {i:03d} " + "x" * 60 for i in range(60))  # ~4,300 characters
    original = conversation.ROUTES.filters

    conversation.ROUTES.__dict__["filters"] = (("long", lambda turn: stay(turn, long_text)),)
    try:
        ana = Customer(shop, client, fake_twilio, ANA)
        parts = ana.type("oi")
    finally:
        conversation.ROUTES.__dict__["filters"] = original
    assert len(parts) == 3 and all(len(p.body) <= 1600 for p in parts)
    assert "\n".join(p.body for p in parts) == long_text


# --- voice notes ------------------------------------------------------------------------------------

def voice_note(seconds: float, pitch: float = 440.0) -> bytes:
    """A real audio file: a WAV tone of that length (mono, 8 kHz, 8-bit)."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as audio:
        audio.setnchannels(1)
        audio.setsampwidth(1)
        audio.setframerate(8000)
        frames = bytes(int(128 + 100 * math.sin(2 * math.pi * pitch * i / 8000)) for i in range(int(8000 * seconds)))
        audio.writeframes(frames)
    return buffer.getvalue()


def send_voice(customer: Customer, fake_twilio, audio: bytes) -> list[Shown]:
    url = fake_twilio.add_media(audio, "audio/wav")
    return customer._post(customer.chat.form("", NumMedia="1", MediaUrl0=url, MediaContentType0="audio/wav"))


def test_a_voice_note_is_transcribed_and_answered_as_if_typed(shop, client, fake_twilio, fake_stt):
    User.create(name="Ana", phone=ANA)
    ana = Customer(shop, client, fake_twilio, ANA)
    audio = voice_note(2.0)
    fake_stt.says(audio, "quero agendar")
    [reply] = send_voice(ana, fake_twilio, audio)
    assert reply.body.startswith(texts.heard("quero agendar"))
    assert "Qual serviço" in reply.body and reply.titles[0] == "Corte (30 min)"
    assert fake_stt.requests == [{"model": "whisper-1", "file": "voice.wav", "size": len(audio)}]


def test_a_message_sent_behind_a_voice_note_is_answered_after_it(shop, client, fake_twilio, fake_stt):
    User.create(name="Ana", phone=ANA)
    ana = Customer(shop, client, fake_twilio, ANA)
    audio = voice_note(1.0)
    fake_stt.says(audio, "agendar")
    url = fake_twilio.add_media(audio, "audio/wav")
    chat = ana.chat
    first = chat.post(chat.form("", NumMedia="1", MediaUrl0=url, MediaContentType0="audio/wav"))
    second = chat.post(chat.form("corte"))  # typed while the note is being transcribed
    assert first.status_code == second.status_code == 200
    shop.extensions["handoff"].wait()
    shop.extensions["handoff"].wait()
    bodies = [shown(m, fake_twilio).body for m in fake_twilio.to(ANA)]
    assert bodies[0].startswith(texts.heard("agendar")) and bodies[1].startswith("*Corte* 👍 Para qual dia?")


@pytest.mark.parametrize("problem", ["too long", "service down", "nothing said"])
def test_a_voice_note_that_cannot_be_heard_gets_a_kind_request_for_text(shop, client, fake_twilio, fake_stt, problem):
    User.create(name="Ana", phone=ANA)
    ana = Customer(shop, client, fake_twilio, ANA)
    audio = voice_note(200.0 if problem == "too long" else 1.0, pitch=300)
    fake_stt.down = problem == "service down"
    [reply] = send_voice(ana, fake_twilio, audio)
    assert reply.body == texts.VOICE_NOT_UNDERSTOOD
    assert fake_stt.requests == [] if problem != "nothing said" else len(fake_stt.requests) == 1
    [menu] = ana.type("menu")  # nothing is stuck behind it
    assert menu.kind == "list"


def test_without_a_speech_service_a_voice_note_asks_for_text(shop, client, fake_twilio):
    shop.config["SETTINGS"].stt_url = None
    User.create(name="Ana", phone=ANA)
    ana = Customer(shop, client, fake_twilio, ANA)
    [reply] = send_voice(ana, fake_twilio, voice_note(1.0))
    assert reply.body == texts.VOICE_NEEDS_TEXT


def test_interactive_off_answers_with_twiml_and_still_answers_voice_notes_later(shop, client, fake_twilio, fake_stt):
    shop.config["SETTINGS"].interactive = False
    User.create(name="Ana", phone=ANA)
    chat = WhatsApp(client, ANA)
    assert chat.send("menu") == texts.menu("Ana")
    audio = voice_note(1.0)
    fake_stt.says(audio, "menu")
    url = fake_twilio.add_media(audio, "audio/wav")
    assert chat.send("", NumMedia="1", MediaUrl0=url, MediaContentType0="audio/wav") == ""
    shop.extensions["handoff"].wait()
    assert fake_twilio.bodies_to(ANA) == [texts.heard("menu") + "\n\n" + texts.menu("Ana")]
