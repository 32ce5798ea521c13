"""Replies through the REST API under real processes: gunicorn web workers hand each reply to
(the fake) Twilio right after its turn commits, in each person's order, and the worker sends
what a dead web process left."""
from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import subprocess
import sys
import time

import pytest

from bot import texts
from storage.db import connection, database
from storage.models import OutboundMessage, OutboxKind, OutboxStatus, User
from tests import workers
from tests.helpers import wait_until
from tests.live import ROOT, Phone, Server, app_env, free_port

pytestmark = pytest.mark.slow

ANA = "+5511988887777"


def _serve(database_url: str, fake_url: str, **env: str) -> subprocess.Popen:
    """gunicorn with INTERACTIVE=on, in its own process group (so the test can kill it whole)."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "--bind", f"127.0.0.1:{port}",
         "--workers", "2", "--threads", "4", "--worker-class", "gthread", "--access-logfile", "/dev/null",
         "app:create_app()"],
        cwd=ROOT, env=app_env(database_url, INTERACTIVE="on", SENDER="twilio", TWILIO_API_URL=fake_url,
                              TWILIO_CONTENT_API_URL=fake_url, OUTBOX_RATE="0", **env),
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True)
    server = Server(f"http://127.0.0.1:{port}", process)
    assert wait_until(lambda: _healthy(server), timeout=30), "gunicorn did not start"
    return process, server


def _healthy(server: Server) -> bool:
    try:
        return server.get("/healthz", timeout=2)[0] == 200
    except OSError:
        return False


def _stop(process: subprocess.Popen, kill: bool = False) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL if kill else signal.SIGTERM)
    process.communicate(timeout=30)


def _registered(phone: str) -> None:
    User.create(name="Ana", phone=phone)
    database.close()


def test_ten_messages_in_a_burst_are_answered_in_order(app, db, fake_twilio):
    _registered(ANA)
    fake_twilio.delay = 0.05  # each hand-off takes a moment, as Twilio's does
    process, server = _serve(app.config["SETTINGS"].database_url, fake_twilio.url)
    try:
        chat = Phone(server, ANA)
        sent = ["menu" if i % 2 == 0 else "ajuda" for i in range(10)]
        for text in sent:  # as fast as they can go: no waiting for the replies
            status, messages = chat.post(chat.form(text))
            assert status == 200 and messages == []
        assert wait_until(lambda: len(fake_twilio.to(ANA)) >= 10, timeout=60)
    finally:
        _stop(process)
    got = [m.form.get("Body") or m.form["ContentVariables"] for m in fake_twilio.to(ANA)]
    expected = ["Como posso te ajudar" if text == "menu" else "Como funciona" for text in sent]
    assert [e in g for e, g in zip(expected, got, strict=True)] == [True] * 10, got


def test_concurrent_redeliveries_send_the_reply_once(app, db, fake_twilio):
    _registered(ANA)
    process, server = _serve(app.config["SETTINGS"].database_url, fake_twilio.url)
    try:
        form = Phone(server, ANA).form("menu")
        ctx = multiprocessing.get_context("spawn")
        barrier = ctx.Manager().Barrier(5)
        with ctx.Pool(5) as pool:
            results = pool.starmap(workers.live_post, [(barrier, server.url, form)] * 5)
        assert [status for status, _ in results] == [200] * 5
        time.sleep(2)  # any second hand-off would have happened by now
    finally:
        _stop(process)
    assert len(fake_twilio.to(ANA)) == 1
    with connection():
        assert OutboundMessage.select().where(OutboundMessage.kind == OutboxKind.REPLY).count() == 1


def test_a_reply_left_by_a_killed_web_process_is_sent_by_the_worker(app, db, fake_twilio):
    _registered(ANA)
    fake_twilio.delay = 3.0  # the hand-off is on its way when the web process dies
    url = app.config["SETTINGS"].database_url
    process, server = _serve(url, fake_twilio.url, OUTBOX_CLAIM_TIMEOUT="2s")
    chat = Phone(server, ANA)
    status, _ = chat.post(chat.form("menu"))
    assert status == 200
    time.sleep(0.5)
    _stop(process, kill=True)  # SIGKILL: no goodbye, no cleanup
    time.sleep(3.5)  # the dead process's request never completed; its claim expires
    assert fake_twilio.to(ANA) == []
    fake_twilio.delay = 0
    worker = subprocess.run([sys.executable, "-m", "scheduler", "--once"], cwd=ROOT, capture_output=True, text=True,
                            env=workers.worker_env(url, fake_twilio.url, INTERACTIVE="on",
                                                   TWILIO_CONTENT_API_URL=fake_twilio.url), timeout=60)
    assert worker.returncode == 0, worker.stderr
    assert len(fake_twilio.to(ANA)) == 1
    with connection():
        reply = OutboundMessage.get(OutboundMessage.kind == OutboxKind.REPLY)
        assert reply.status == OutboxStatus.SENT and reply.attempts == 2
    assert texts.MENU_OPTIONS[0] in fake_twilio.to(ANA)[0].form["ContentVariables"]
