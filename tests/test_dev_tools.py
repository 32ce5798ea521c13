"""Trying the bot without Twilio: the terminal chat and the simulator's endpoints."""
from __future__ import annotations

import io

import pytest
from flask import request

from bot import texts
from dev.chat import Session
from dev.simulator import Speaker
from storage.demo import seed_demo
from storage.models import Appointment, User
from tests.helpers import freeze, local

ANA = "+5511988887777"


@pytest.fixture
def dev_app(config, db):
    from app import create_app

    config["app_env"] = "development"
    app = create_app(config)
    freeze(local(2026, 12, 7, 8, 0))
    seed_demo()
    return app


def test_the_terminal_chat_registers_books_and_shows_a_fast_forwarded_reminder(dev_app):
    shown: list[str] = []
    session = Session(dev_app, Speaker(phone=ANA), echo=shown.append)
    try:
        for line in ("oi", "Ana", "1", "1", "amanhã às 15h", "sim"):
            assert session.handle(line)
        assert any(texts.booked("Corte", "terça-feira, 08/12/2026", "15:00", "Barbearia Teste") in s for s in shown)
        assert Appointment.select().join(User).where(User.phone == ANA).count() == 1
        shown.clear()
        assert session.handle("/time +1d")
        assert shown[0] == "⏩ agora: 08/12/2026 08:00"
        reminder = texts.reminder("Ana", "Corte", "terça-feira, 08/12/2026", "15:00", "Barbearia Teste")
        assert shown[1].startswith("📨 [lembrete 08/12 08:00]") and reminder in shown[1]
        shown.clear()
        session.handle("1")  # answers the reminder
        assert shown == [f"🤖 {texts.reminder_confirmed('terça-feira, 08/12/2026', '15:00')}\n"]
        assert not session.handle("/quit")
    finally:
        session.close()


def test_the_chat_command_runs_as_a_repl(dev_app):
    runner = dev_app.test_cli_runner()
    result = runner.invoke(args=["chat", "--phone", "11977776666"], input="oi\nBia\n/help\n/quit\n")
    assert result.exit_code == 0, result.output
    assert "Conversando como +5511977776666" in result.output
    assert texts.registered("Bia").splitlines()[0] in result.output
    assert "/time +1d" in result.output


def test_the_chat_command_speaks_as_the_admin(dev_app):
    result = dev_app.test_cli_runner().invoke(args=["chat", "--admin"], input="agenda\n")
    assert result.exit_code == 0 and "📅 *segunda-feira, 07/12/2026*" in result.output


def test_simulator_endpoints_use_the_signed_webhook_path(dev_app):
    client = dev_app.test_client()
    config = client.get("/dev/chat/config").get_json()
    assert config["admin_phone"] == "+5511900000001" and config["business"] == "Barbearia Teste"
    reply = client.post("/dev/chat/send", json={"phone": "11977776666", "text": "oi"}).get_json()
    assert reply["phone"] == "+5511977776666" and texts.ASK_NAME in reply["replies"][0]
    assert client.post("/dev/chat/send", json={"phone": "123", "text": "oi"}).status_code == 400
    admin = client.post("/dev/chat/send", json={"admin": True, "text": "servicos"}).get_json()
    assert admin["replies"][0].startswith("✂️ *Serviços*")
    assert client.post("/dev/chat/clock", json={"advance": "1h"}).get_json() == {"now": "07/12/2026 09:00"}
    assert client.post("/dev/chat/clock", json={"advance": "soon"}).status_code == 400
    assert client.get("/dev/chat/outbox?phone=11977776666&after=0").get_json() == {"messages": []}


def test_the_simulator_does_not_exist_in_production(config):
    from app import create_app

    config["app_env"] = "production"
    client = create_app(config).test_client()
    for path in ("/dev/chat", "/dev/chat/config", "/dev/static/chat.js"):
        assert client.get(path).status_code == 404
    assert client.post("/dev/chat/send", json={"phone": ANA, "text": "oi"}).status_code == 404


# --- INTERACTIVE=on: lists and buttons as the phone shows them, taps, voice notes, who speaks --------

@pytest.fixture
def interactive_app(config, db):
    from app import create_app
    from scheduler import content

    config.update(app_env="development", interactive=True, daily_summary_at=None)
    content.forget()  # SIDs remembered from another test's database
    app = create_app(config)
    freeze(local(2026, 12, 7, 8, 0))
    seed_demo()
    yield app
    app.extensions["handoff"].wait()


def test_the_terminal_chat_prints_lists_and_buttons_as_numbered_lines_that_typed_numbers_answer(interactive_app):
    shown: list[str] = []
    session = Session(interactive_app, Speaker(phone=ANA), profile_name="Ana", echo=shown.append)
    try:
        session.handle("oi")
        assert shown[-1].startswith("🤖 ") and shown[-1].endswith("*1* - Sim\n*2* - Não\n")
        session.handle("1")
        menu = shown[-1]
        assert f"☰ {texts.LIST_BUTTON}" in menu
        assert "\n".join(f"*{n}* - {o}" for n, o in enumerate(texts.MENU_OPTIONS, 1)) in menu
        for line in ("1", "1", "amanhã às 15h"):
            session.handle(line)
        assert shown[-1].endswith("*1* - Sim, confirmar\n*2* - Não, outro horário\n")
        shown.clear()
        session.handle("1")
        booked = texts.booked('Corte', 'terça-feira, 08/12/2026', '15:00', 'Barbearia Teste')
        assert len(shown) == 1 and shown[0].startswith(f"🤖 {booked}\n")  # then the one-time marketing question
        assert shown[0].endswith("\n".join(f"*{n}* - {o}" for n, o in enumerate(texts.CONSENT_OPTIONS, 1)) + "\n")
        assert Appointment.select().join(User).where(User.phone == ANA).count() == 1
        session.handle("/pass")  # the replies already printed are not printed again from the outbox
        assert len(shown) == 1
    finally:
        session.close()


def test_the_simulator_sends_taps_as_twilio_does_and_draws_what_was_sent(interactive_app):
    client = interactive_app.test_client()
    welcome = client.post("/dev/chat/send", json={"phone": ANA, "text": "oi", "profile_name": "Ana"}).get_json()
    [offer] = welcome["messages"]
    assert offer["type"] == "buttons" and [c["title"] for c in offer["choices"]] == ["Sim", "Não"]
    yes = offer["choices"][0]
    tapped = client.post("/dev/chat/send", json={"phone": ANA, "text": "", "tap": {
        "kind": "buttons", "id": yes["id"], "title": yes["title"], "message": offer["id"]}}).get_json()
    [menu] = tapped["messages"]
    assert menu["type"] == "list" and menu["button"] == texts.LIST_BUTTON
    assert [c["title"] for c in menu["choices"]] == list(texts.MENU_OPTIONS)
    agendar = menu["choices"][0]
    services = client.post("/dev/chat/send", json={"phone": ANA, "text": "", "tap": {
        "kind": "list", "id": agendar["id"], "title": agendar["title"], "message": menu["id"]}}).get_json()
    assert services["messages"][0]["text"].startswith("Qual serviço")
    # Twilio's fields reached the webhook: the turn read the tap, and its words were kept.
    from storage.models import InboundMessage, OutboundMessage

    assert [row.body for row in InboundMessage.select().order_by(InboundMessage.id)] == ["oi", "Sim", "Agendar"]
    # The poll shows the same replies, with their ids, so the page draws each once.
    polled = client.get(f"/dev/chat/outbox?phone={ANA}&after=0").get_json()["messages"]
    assert [m["id"] for m in polled] == [offer["id"], menu["id"], services["messages"][0]["id"]]
    assert all(m["label"] is None for m in polled)
    assert OutboundMessage.get_by_id(menu["id"]).content_sid  # sent as Content, drawn from it
    for bad in ({"kind": "carousel", "id": "x", "title": "x"}, {"kind": "list", "id": "", "title": "x"},
                {"kind": "list", "id": "x" * 201, "title": "x"}, "menu:1"):
        answer = client.post("/dev/chat/send", json={"phone": ANA, "text": "", "tap": bad})
        assert answer.status_code == 400 and answer.get_json() == {"error": texts.SIMULATOR_BAD_TAP}


def test_a_voice_note_without_stt_gets_the_please_type_reply_and_is_hosted_for_the_bot(interactive_app, monkeypatch):
    from tests.test_interactive import voice_note

    client = interactive_app.test_client()
    audio = voice_note(1.0)
    answer = client.post("/dev/chat/voice", data={"phone": ANA, "file": (io.BytesIO(audio), "nota.wav", "audio/wav")})
    body = answer.get_json()
    assert answer.status_code == 200 and body["replies"] == [texts.VOICE_NEEDS_TEXT]
    hosted = client.get(body["media"])
    assert hosted.status_code == 200 and hosted.data == audio and hosted.mimetype == "audio/wav"
    assert client.get("/dev/chat/media/unknown").status_code == 404
    assert client.post("/dev/chat/voice", data={"phone": ANA}).status_code == 400
    assert client.post("/dev/chat/voice", data={"phone": "123", "file": (io.BytesIO(audio), "a.wav")}).status_code == 400
    monkeypatch.setattr("dev.web.MAX_AUDIO", len(audio) - 1)
    too_big = client.post("/dev/chat/voice", data={"phone": ANA, "file": (io.BytesIO(audio), "a.wav")})
    assert too_big.status_code == 400 and too_big.get_json() == {"error": texts.SIMULATOR_BAD_AUDIO}


def test_the_voice_note_reaches_the_webhook_as_twilio_media(interactive_app):
    from dev import simulator

    seen = []
    interactive_app.before_request(lambda: seen.append(dict(request.form)) if request.path == "/whatsapp" else None)
    simulator.send(interactive_app, Speaker(phone=ANA), "", media=simulator.Media("http://127.0.0.1:9/v.ogg", "audio/ogg"))
    [form] = seen
    assert form["NumMedia"] == "1" and form["MediaUrl0"] == "http://127.0.0.1:9/v.ogg"
    assert form["MediaContentType0"] == "audio/ogg" and form["MessageSid"].startswith("MM")


def test_messages_the_business_starts_carry_their_kind_from_the_catalog(interactive_app):
    from dev import simulator

    owner = simulator.admin(interactive_app)
    simulator.send(interactive_app, Speaker(phone=ANA), "oi", profile_name="Ana")
    simulator.send(interactive_app, Speaker(phone=ANA), "falar com atendente")
    from scheduler.worker import build_dispatcher, run_pass

    dispatcher = build_dispatcher(interactive_app)
    try:
        run_pass(interactive_app, dispatcher)
    finally:
        dispatcher.close()
    alerts = simulator.delivered(interactive_app, owner)
    assert [m.label for m in alerts] == [texts.SIMULATOR_KINDS["handoff"]]
    assert "+55 11 98888-7777" in alerts[0].text


def test_the_terminal_chat_speaks_as_a_professional_or_the_owner(dev_app):
    from storage.models import Professional

    team = Professional.get().id  # the default professional, "Equipe"
    runner = dev_app.test_cli_runner()
    missing = runner.invoke(args=["chat", "--as", f"#{team}"], input="")
    assert missing.exit_code != 0 and texts.CHAT_NO_PROFESSIONAL in missing.output
    owner = runner.invoke(args=["chat", "--as", "dono"], input=f"profissional telefone #{team} 11 95555-4444\n")
    assert owner.exit_code == 0 and texts.professional_phone_set("Equipe", "+5511955554444") in owner.output
    for who in (f"#{team}", str(team), "equipe"):
        professional = runner.invoke(args=["chat", "--as", who], input="ajuda\n")
        assert professional.exit_code == 0, professional.output
        assert "Conversando como +5511955554444" in professional.output
        assert texts.staff_help() in professional.output


def test_the_simulator_page_lists_the_professionals_with_a_phone(dev_app):
    from storage.models import Professional

    team = Professional.get().id
    client = dev_app.test_client()
    assert client.get("/dev/chat/config").get_json()["professionals"] == []
    client.post("/dev/chat/send", json={"admin": True, "text": f"profissional telefone #{team} 11 95555-4444"})
    config = client.get("/dev/chat/config").get_json()
    assert config["professionals"] == [{"key": f"pro:{team}", "name": "Equipe", "phone": "+5511955554444"}]
    assert config["labels"] == texts.SIMULATOR_LABELS
    staff = client.post("/dev/chat/send", json={"phone": "+5511955554444", "text": "ajuda"}).get_json()
    assert staff["replies"] == [texts.staff_help()]


def test_every_word_the_simulator_page_shows_comes_from_the_catalog():
    import re
    from pathlib import Path

    static = Path(__file__).resolve().parent.parent / "dev" / "static"
    page, script = (static / "chat.html").read_text(), (static / "chat.js").read_text()
    used = set(re.findall(r'data-label(?:-title|-aria|-placeholder)?="(\w+)"', page))
    used |= set(re.findall(r'label\("(\w+)"', script))
    assert {"customer", "owner", "professional", "recording", "voice_note", "bad_phone"} <= used
    assert used <= set(texts.SIMULATOR_LABELS), used - set(texts.SIMULATOR_LABELS)


def test_the_owner_answers_a_handoff_by_swipe_reply_in_the_simulator(interactive_app):
    from scheduler.worker import build_dispatcher, run_pass

    client = interactive_app.test_client()
    for text in ("oi", "Ana", "falar com atendente"):
        client.post("/dev/chat/send", json={"phone": ANA, "text": text})
    dispatcher = build_dispatcher(interactive_app)
    try:
        run_pass(interactive_app, dispatcher)
        [alert] = client.get("/dev/chat/outbox?admin=1&after=0").get_json()["messages"]
        assert alert["kind"] == "staff_alert" and alert["label"] == texts.SIMULATOR_KINDS["handoff"]
        answer = client.post("/dev/chat/send", json={"admin": True, "text": "Pode vir às 15h!",
                                                      "reply_to": alert["id"]}).get_json()
        assert answer["replies"] == [texts.staff_answer_sent("Ana")]
        assert client.post("/dev/chat/send", json={"admin": True, "text": "x", "reply_to": "1"}).status_code == 400
        run_pass(interactive_app, dispatcher)
    finally:
        dispatcher.close()
    [relayed] = [m for m in client.get(f"/dev/chat/outbox?phone={ANA}&after=0").get_json()["messages"] if m["label"]]
    assert relayed["kind"] == "staff_message" and relayed["label"] == texts.SIMULATOR_KINDS["staff_message"]
    assert "Pode vir às 15h!" in relayed["text"]


def test_the_terminal_chat_sends_an_audio_file_as_a_voice_note(interactive_app, tmp_path):
    from tests import fake_stt
    from tests.test_interactive import voice_note

    shown: list[str] = []
    session = Session(interactive_app, Speaker(phone=ANA), profile_name="Ana", echo=shown.append)
    stt = fake_stt.start("chat-key")
    try:
        session.handle("/audio /nowhere/nota.ogg")
        assert shown == [texts.CHAT_NO_AUDIO_FILE]
        note = tmp_path / "nota.wav"
        note.write_bytes(voice_note(1.0))
        session.handle(f"/audio {note}")  # no STT_URL: the kind request for text
        assert shown[-1] == f"🤖 {texts.VOICE_NEEDS_TEXT}\n"
        settings = interactive_app.config["SETTINGS"]
        settings.stt_url, settings.stt_api_key, settings.stt_model = stt.url, "chat-key", "whisper-1"
        stt.says(note.read_bytes(), "quero agendar")
        session.handle(f"/audio {note}")  # downloaded from the chat's loopback host, then transcribed
        assert shown[-1].startswith(f"🤖 {texts.heard('quero agendar')}") and texts.offer_profile_name("Ana") in shown[-1]
        assert stt.requests == [{"model": "whisper-1", "file": "voice.wav", "size": note.stat().st_size}]
    finally:
        stt.stop()
        session.close()
