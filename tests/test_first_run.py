"""What a first-time user meets: `make run`'s terminal, the printed terminal-chat command, the
simulator after the rate limit, and the port."""
from __future__ import annotations

import logging
import os
import subprocess

import pytest

from bot import texts
from dev.quiet import QuietIdlePasses, QuietPolling, quiet_development_logs
from storage.demo import DEMO_ADMIN_PHONE, seed_demo
from tests.helpers import freeze, local
from tests.live import ROOT

ANA = "+5511988887777"


@pytest.fixture
def dev_config(config, db):
    config.update(app_env="development", admin_phones=())  # a fresh shell: make run's ADMIN_PHONES is not set
    freeze(local(2026, 12, 7, 8, 0))
    seed_demo()
    return config


def test_the_printed_admin_chat_command_speaks_as_the_owner_in_a_fresh_shell(dev_config):
    from app import create_app

    app = create_app(dev_config)
    result = app.test_cli_runner().invoke(args=["chat", "--admin"], input="agenda amanhã\n/quit\n")
    assert result.exit_code == 0, result.output
    assert texts.chat_demo_owner(DEMO_ADMIN_PHONE) in result.output
    assert texts.NO_APPOINTMENTS_DAY in result.output  # the owner's agenda, not a customer's booking
    assert "Qual serviço" not in result.output


def test_the_terminal_chat_prints_no_scheduler_line_after_each_reply(dev_config, caplog):
    from app import create_app

    app = create_app(dev_config)
    caplog.set_level(logging.INFO)
    result = app.test_cli_runner().invoke(args=["chat", "--phone", ANA], input="oi\nAna\n/quit\n")
    assert result.exit_code == 0, result.output
    assert not [r for r in caplog.records if r.name == "scheduler.worker"]


def test_make_run_shows_what_matters():
    polling = logging.LogRecord("werkzeug", logging.INFO, __file__, 1,
                                '127.0.0.1 - - [01/Dec/2026 10:00:00] "GET /dev/chat/outbox?phone=%2B55&after=3 HTTP/1.1" 200 -',
                                None, None)
    failed = logging.LogRecord("werkzeug", logging.INFO, __file__, 1,
                               '127.0.0.1 - - [01/Dec/2026 10:00:00] "POST /dev/chat/pass HTTP/1.1" 500 -', None, None)
    sent = logging.LogRecord("werkzeug", logging.INFO, __file__, 1,
                             '127.0.0.1 - - [01/Dec/2026 10:00:00] "POST /dev/chat/send HTTP/1.1" 200 -', None, None)
    assert [QuietPolling().filter(r) for r in (polling, failed, sent)] == [False, True, True]
    idle = logging.LogRecord("scheduler.worker", logging.INFO, __file__, 1,
                             "pass: created 0, sent 0, retried 0, failed 0, skipped 0 (0.01 s)", None, None)
    busy = logging.LogRecord("scheduler.worker", logging.INFO, __file__, 1,
                             "pass: created 1, sent 1, retried 0, failed 0, skipped 0 (0.01 s)", None, None)
    assert [QuietIdlePasses().filter(r) for r in (idle, busy)] == [False, True]
    quiet_development_logs()
    quiet_development_logs()
    assert len([f for f in logging.getLogger("werkzeug").filters if isinstance(f, QuietPolling)]) == 1


def test_the_simulator_says_why_the_bot_went_quiet(dev_config):
    from app import create_app

    app = create_app(dev_config)
    client = app.test_client()
    limit = app.config["SETTINGS"].rate_limit_per_minute
    answers = [client.post("/dev/chat/send", json={"phone": ANA, "text": "oi"}).get_json() for _ in range(limit + 2)]
    assert all(a["replies"] and a["note"] is None for a in answers[:limit + 1])  # the last one: "slow down"
    assert answers[limit]["replies"] == [texts.SLOW_DOWN]
    assert answers[limit + 1]["replies"] == [] and answers[limit + 1]["note"] == texts.simulator_rate_limited(limit)


def test_the_unsigned_webhook_warning_is_said_once(dev_config, caplog):
    from app import create_app
    from bot import webhook

    webhook._warn_unsigned.cache_clear()  # once per process: this test stands for a fresh one
    caplog.set_level(logging.WARNING)
    dev_config["twilio_auth_token"] = None
    for _ in range(3):  # make run: db upgrade, seed-demo, serve
        app = create_app(dev_config)
    client = app.test_client()
    for _ in range(2):
        client.post("/dev/chat/send", json={"phone": ANA, "text": "oi"})
    assert sum("TWILIO_AUTH_TOKEN is unset" in r.getMessage() for r in caplog.records) == 1


def test_the_port_is_chosen_as_the_readme_says():
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as handle:
        readme = handle.read()
    assert "make run PORT=5101" in readme
    dry = subprocess.run(["make", "-n", "run", "PORT=5101"], cwd=ROOT, capture_output=True, text=True, check=True)
    assert "--port 5101" in dry.stdout
