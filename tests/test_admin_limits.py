"""The owner's commands at the edges: extreme dates, the booking horizon, oversized messages and
names with invisible characters. Each gets its usage line or a clear refusal, and an audit row."""
from __future__ import annotations

import pytest

from bot import texts
from storage.demo import seed_demo
from storage.models import Appointment, AuditLog, Professional, Service
from tests.helpers import ADMIN_PHONE, WhatsApp, freeze, local


@pytest.fixture
def owner(app, db, client):
    freeze(local(2026, 12, 7, 8, 0))
    seed_demo()
    return WhatsApp(client, ADMIN_PHONE)


def audited(owner, text: str) -> tuple[str, AuditLog]:
    before = AuditLog.select().count()
    reply = owner.send(text)
    assert AuditLog.select().count() == before + 1, text
    return reply, AuditLog.select().order_by(AuditLog.id.desc()).get()


@pytest.mark.parametrize("command", ["agenda 31/12/9999", "agenda 01/01/0001", "bloquear 31/12/9999",
                                     "desbloquear 31/12/9999", "avisar 31/12/9999 oi", "bloquear 01/01/0001",
                                     "avisar 01/01/0001 oi"])
def test_extreme_dates_get_a_clear_refusal_and_an_audit_row(owner, command):
    reply, row = audited(owner, command)
    assert reply == texts.admin_date_out_of_range("01/01/2016", "31/12/2036")
    assert row.detail.startswith("refused:")


def test_a_date_inside_the_window_still_works(owner):
    reply, row = audited(owner, "agenda 25/12/2030")
    assert "25/12/2030" in reply and row.detail.startswith("ok:")


def test_an_admin_booking_past_the_horizon_is_refused_with_the_last_day(owner):
    for text in ("marcar 11977776666 João Corte 10/12/2099 10h", "marcar 11977776666 João Corte 08/01/2027 10h"):
        reply, row = audited(owner, text)
        assert reply == texts.admin_slot_refused(texts.refused_too_far("quarta-feira, 06/01/2027"))
        assert row.detail.startswith("ok:")
    assert Appointment.select().count() == 0
    reply, _ = audited(owner, "marcar 11977776666 João Corte 06/01/2027 10h")
    assert reply.startswith("✅") and Appointment.select().count() == 1


def test_an_oversized_admin_command_is_refused_and_audited(owner):
    reply, row = audited(owner, "avisar amanhã " + "x" * 1200)
    assert reply == texts.ADMIN_TOO_LONG
    assert row.action == "avisar" and row.detail.startswith("refused:")


def test_an_unexpected_error_still_gives_the_usage_line(owner, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("bot.admin.commands.agenda_view.render", broken)
    reply, row = audited(owner, "agenda amanhã")
    assert reply == texts.ADMIN_ERROR + "\n" + texts.ADMIN_USAGE["agenda"]
    assert row.detail.startswith("error:")


@pytest.mark.parametrize("name", ["\x00ab", "\u200b" * 10, "\u202eAna", "Hidrata\u200bção", "\u3164\u3164"])
def test_service_and_professional_names_follow_the_one_name_rule(owner, name):
    services, professionals = Service.select().count(), Professional.select().count()
    reply, row = audited(owner, f"servico novo {name} 30")
    assert reply == texts.admin_usage("servico") and row.detail.startswith("usage:")
    reply, row = audited(owner, f"profissional novo {name}")
    assert reply == texts.admin_usage("profissional") and row.detail.startswith("usage:")
    assert (Service.select().count(), Professional.select().count()) == (services, professionals)


def test_a_visible_service_name_is_still_accepted(owner):
    reply, _ = audited(owner, "servico novo Hidratação  capilar 40")
    assert Service.get(Service.name == "Hidratação capilar").duration == 40 and reply.startswith("✂️")
