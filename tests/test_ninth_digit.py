"""Brazilian mobiles may reach WhatsApp without the ninth digit added in 2012-2016: an owner or a
professional whose number is configured with it is still recognised when a message comes without
it, and the other way round; nobody else gains anything from the rule."""
from __future__ import annotations

import pytest

from bot import texts
from storage.demo import seed_demo
from storage.models import AuditLog, Professional, User
from storage.phones import aliases
from tests.helpers import WhatsApp, freeze, local

OWNER_WITH_NINE = "+5511988887777"
OWNER_WITHOUT_NINE = "+551188887777"


@pytest.fixture
def config(config):
    config["admin_phones"] = (OWNER_WITH_NINE,)
    return config


@pytest.fixture
def shop(app, db):
    freeze(local(2026, 12, 7, 10, 0))
    seed_demo()
    return app


def test_aliases_of_a_brazilian_mobile_and_of_other_numbers():
    assert aliases(OWNER_WITH_NINE) == (OWNER_WITH_NINE, OWNER_WITHOUT_NINE)
    assert aliases(OWNER_WITHOUT_NINE) == (OWNER_WITH_NINE, OWNER_WITHOUT_NINE)
    assert aliases("+551133334444") == ("+551133334444",)  # a landline
    assert aliases("+5511955554444") == ("+5511955554444",)  # issued with nine digits
    assert aliases("+14155550100") == ("+14155550100",)
    assert aliases(None) == ()


def test_the_owner_writing_without_the_ninth_digit_is_the_owner(shop, client):
    owner = WhatsApp(client, OWNER_WITHOUT_NINE)
    assert owner.send("ajuda") == texts.admin_help()
    assert AuditLog.select().where(AuditLog.actor == OWNER_WITHOUT_NINE).count() == 1


def test_a_neighbouring_number_is_not_the_owner(shop, client):
    stranger = WhatsApp(client, "+551188887776")
    assert stranger.send("ajuda") != texts.admin_help()
    assert AuditLog.select().count() == 0


def test_a_professional_set_with_the_ninth_digit_writes_without_it(shop, client):
    owner = WhatsApp(client, OWNER_WITH_NINE)
    bruno = Professional.create(name="Bruno")
    owner.send(f"profissional telefone #{bruno.id} 11 97777-6666")
    assert Professional.get_by_id(bruno.id).phone == "+5511977776666"
    assert Professional.of(User(phone="+551177776666")) == bruno
    assert WhatsApp(client, "+551177776666").send("clientes") == texts.OWNER_ONLY  # staff, not a customer
    assert WhatsApp(client, "+551177776665").send("clientes") != texts.OWNER_ONLY
