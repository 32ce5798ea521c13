"""Stateful fuzzing of the whole conversation: random sequences of messages from several
customers and the owner, mixing real commands with unicode, emoji, empty, huge, SQL and HTML.

After every step: never a 5xx, valid TwiML of messages of at most 1600 characters, the catch-all
error never answered, no overlapping appointments, every appointment belongs to a user."""
from __future__ import annotations

import os

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from bot import texts
from storage.demo import seed_demo
from tests import workers
from tests.helpers import ADMIN_PHONE, WhatsApp, freeze, local, twiml_messages

CUSTOMERS = ["+5511988880001", "+5511988880002", "+5511988880003"]

USEFUL = ["oi", "Ana", "Bia Souza", "1", "2", "3", "4", "5", "sim", "não", "mais", "menu", "sair", "ajuda",
          "parar", "voltar", "agendar", "cancelar", "remarcar", "meus agendamentos", "amanhã às 10h",
          "sexta 15h", "hoje", "25/12", "às 9", "qualquer um", "corte", "barba"]
ADMIN = ["agenda", "agenda amanhã", "agenda semana", "cancelar #1", "cancelar #2 motivo", "faltou #1",
         "compareceu #2", "bloquear amanhã 09:00-12:00", "desbloquear amanhã", "bloquear sexta",
         "servicos", "servico novo Hidratação 40", "servico duracao #1 45", "servico remover #4",
         "horario", "horario sab fechado", "horario seg 08:00-12:00 13:00-20:00", "clientes", "cliente ana",
         "marcar 11977776666 Zé Corte amanhã 16h", "avisar amanhã Vamos abrir mais tarde", "1", "2",
         "profissionais", "profissional novo Dani", "profissional servicos #2 1,2", "profissional remover #2"]
NASTY = ["", " ", "\n", "😀🔥💈", "'; DROP TABLE users; --", "<script>alert(1)</script>", "%s%n{}{0}",
         "\u202e\u200b\ufeff", "١٢٣ ٤", "中文", "a" * 10_000, "\x00\x07", "#", "##1", "*1*", "1️⃣"]

messages = st.one_of(st.sampled_from(USEFUL), st.sampled_from(NASTY), st.text(max_size=40),
                     st.text(min_size=500, max_size=3000))


def test_random_conversations_keep_every_invariant(app, client, db):
    freeze(local(2026, 12, 7, 8, 0))
    seed_demo()

    class Conversations(RuleBasedStateMachine):
        def _send(self, phone: str, text: str) -> None:
            chat = WhatsApp(client, phone, profile_name="Cliente Fuzz")
            response = chat.post(chat.form(text))
            assert response.status_code == 200, response.data[:300]
            replies = twiml_messages(response.data)
            assert all(0 < len(reply) <= 1600 for reply in replies)
            assert texts.GENERIC_ERROR not in replies, (phone, text[:80])

        @rule(phone=st.sampled_from(CUSTOMERS), text=messages)
        def customer_says(self, phone, text):
            self._send(phone, text)

        @rule(phone=st.sampled_from(CUSTOMERS), text=st.sampled_from(USEFUL))
        def customer_answers(self, phone, text):
            self._send(phone, text)

        @rule(text=st.one_of(st.sampled_from(ADMIN), messages))
        def owner_says(self, text):
            self._send(ADMIN_PHONE, text)

        @invariant()
        def no_overlaps(self):
            assert workers.overlapping_pairs() == 0

        @invariant()
        def no_orphans(self):
            assert workers.orphan_appointments() == 0

    examples = int(os.environ.get("FUZZ_EXAMPLES", "50"))
    run_state_machine_as_test(Conversations, settings=settings(
        max_examples=examples, stateful_step_count=30, deadline=None, database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                               HealthCheck.data_too_large]))
