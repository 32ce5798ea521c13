"""Trying the bot without Twilio: the terminal chat and the simulator's endpoints."""
from __future__ import annotations

import pytest

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
