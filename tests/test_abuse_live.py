"""The outside probe's attacks, against a real gunicorn started by the test: huge bodies, a
million fields, slow clients. Each is bounded in time and in what it sends. Figures are printed
(`pytest -s`) for RELIABILITY.md."""
from __future__ import annotations

import socket
import threading
import time
import urllib.parse

import pytest

from bot.inbound import MAX_BODY, MAX_FIELDS
from tests.live import gunicorn

pytestmark = pytest.mark.slow

ATTACK_BOUND = 5.0  # seconds: a refusal takes milliseconds; this only catches a server that reads on


@pytest.fixture
def sqlite_url(sqlite_template, tmp_path) -> str:
    import shutil

    path = tmp_path / "live.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


def _port(server) -> int:
    return urllib.parse.urlparse(server.url).port


def head(path: str, length: int | None, extra: str = "") -> bytes:
    framing = f"Content-Length: {length}\r\n" if length is not None else "Transfer-Encoding: chunked\r\n"
    return (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Twilio-Signature: garbage\r\n"
            f"Content-Type: application/x-www-form-urlencoded\r\n{framing}{extra}\r\n").encode()


def attack(server, request_head: bytes, body, *, budget: int) -> tuple[int, float, int]:
    """Sends the head, then up to `budget` bytes of `body` (an iterator of chunks) while reading the
    answer; the status, the seconds until it came, and the bytes actually sent."""
    sock = socket.create_connection(("127.0.0.1", _port(server)), timeout=ATTACK_BOUND * 2)
    sent = [0]

    def feed():
        try:
            sock.sendall(request_head)
            for chunk in body:
                if sent[0] >= budget:
                    break
                sock.sendall(chunk)
                sent[0] += len(chunk)
        except OSError:  # the server answered and closed: the rest is never read
            pass

    start = time.monotonic()
    feeder = threading.Thread(target=feed, daemon=True)
    feeder.start()
    try:
        answer = sock.recv(4096)
        elapsed = time.monotonic() - start
    finally:
        sock.close()
        feeder.join(5)
    return int(answer.split(b" ", 2)[1]), elapsed, sent[0]


def empty_fields(count: int, per_chunk: int = 10_000):
    for first in range(0, count, per_chunk):
        yield "&".join(f"k{i}=" for i in range(first, min(first + per_chunk, count))).encode()


def chunked(chunks):
    for chunk in chunks:
        yield f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"
    yield b"0\r\n\r\n"


def test_huge_bodies_and_a_million_fields_are_refused_at_once(sqlite_url):
    million = sum(len(c) for c in empty_fields(1_000_000)) + 999_999  # the "&" between chunks
    figures = []
    with gunicorn(sqlite_url, as_deployed=True) as server:
        for path in ("/whatsapp", "/whatsapp/status"):
            # 1,000,000 empty fields, 8.9 MB, with its length announced: refused from the header
            status, seconds, _ = attack(server, head(path, million), empty_fields(1_000_000), budget=million)
            assert status == 413 and seconds < ATTACK_BOUND
            figures.append((path, "1M fields, 8.9 MB", status, seconds))
            # the same without a length (chunked): read up to the limit, then refused
            status, seconds, sent = attack(server, head(path, None), chunked(empty_fields(1_000_000)),
                                           budget=million)
            assert status == 413 and seconds < ATTACK_BOUND
            figures.append((path, "1M fields, chunked", status, seconds))
            # a 200 MB Body: refused before it is read (only 2 MB of it is ever sent)
            status, seconds, _ = attack(server, head(path, 200 * 1024 * 1024), iter(lambda: b"B" * 65536, None),
                                        budget=2 * 1024 * 1024)
            assert status == 413 and seconds < ATTACK_BOUND
            figures.append((path, "200 MB Body", status, seconds))
            # one field over the limit, in a small body: 400 before parsing
            small = "&".join(f"k{i}=" for i in range(MAX_FIELDS + 1)).encode()
            status, seconds, _ = attack(server, head(path, len(small)), iter([small]), budget=len(small))
            assert status == 400 and seconds < ATTACK_BOUND
            figures.append((path, f"{MAX_FIELDS + 1} fields", status, seconds))
        assert server.get("/healthz")[0] == 200
        assert server.process.poll() is None
    for path, what, status, seconds in figures:
        print(f"{path:18} {what:20} -> {status} in {seconds * 1000:.1f} ms (limit {MAX_BODY} bytes)")


SLOW_CLIENTS = 4


def test_slow_clients_do_not_stall_the_app(sqlite_url):
    """Clients sending a signed-looking request at one byte a second hold one thread each, not a
    worker: /healthz keeps answering at once, and no worker is killed."""
    body = b"From=whatsapp%3A%2B5511900000001&Body=clientes&MessageSid=SM" + b"0" * 32
    request = head("/whatsapp", len(body)).replace(b"garbage", b"c2lnbmVkLWxvb2tpbmc=") + body
    stop = threading.Event()
    with gunicorn(sqlite_url, as_deployed=True) as server:
        port = _port(server)

        def trickle():
            with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
                for byte in request:
                    if stop.wait(1.0):
                        return
                    sock.sendall(bytes([byte]))

        slow = [threading.Thread(target=trickle, daemon=True) for _ in range(SLOW_CLIENTS)]
        for thread in slow:
            thread.start()
        time.sleep(3)  # every slow client is past its first bytes, holding whatever it holds
        latencies = []
        deadline = time.monotonic() + 12
        while time.monotonic() < deadline:
            start = time.monotonic()
            status, _ = server.get("/healthz", timeout=ATTACK_BOUND)
            latencies.append(time.monotonic() - start)
            assert status == 200
            time.sleep(0.5)
        stop.set()
        for thread in slow:
            thread.join(5)
        alive = server.process.poll() is None
    print(f"/healthz with {SLOW_CLIENTS} slow clients: {len(latencies)} answers, "
          f"slowest {max(latencies) * 1000:.1f} ms, median {sorted(latencies)[len(latencies) // 2] * 1000:.1f} ms")
    assert alive and "WORKER TIMEOUT" not in server.errors
    assert max(latencies) < ATTACK_BOUND


def test_a_request_cannot_forge_a_log_line(sqlite_url, tmp_path):
    access = tmp_path / "access.log"
    forged = "2026-12-01 21:50:00,000 CRITICAL INJECTED-LINE"
    with gunicorn(sqlite_url, as_deployed=True, access_log=str(access)) as server:
        for path in ("/x%0a2026-12-01%2021:50:00,000%20CRITICAL%20INJECTED-LINE", "/x%0d%0a%1b[31mred",
                     "/healthz%0a" + urllib.parse.quote(forged)):
            assert server.get(path)[0] == 404
    lines = access.read_text().splitlines() + server.errors.splitlines()
    assert not any(line.startswith(forged[:10]) and "INJECTED" in line for line in lines)
    assert not any("\x1b" in line or "\r" in line for line in lines)
    assert sum("INJECTED-LINE" in line for line in access.read_text().splitlines()) == 2  # escaped, in place


def test_our_own_records_are_one_line_each():
    import logging

    from logs import FORMAT, OneLineFormatter

    formatter = OneLineFormatter(FORMAT)
    record = logging.LogRecord("api.errors", logging.ERROR, __file__, 1, "unhandled error on %s %s",
                               ("GET", "/x\n2026-12-01 21:50:00,000 CRITICAL INJECTED\x1b[31m"), None)
    try:
        raise ValueError("bad\n2026-12-01 21:50:00,000 CRITICAL FROM-TRACEBACK")
    except ValueError:
        import sys

        record.exc_info = sys.exc_info()
    text = formatter.format(record)
    first, *rest = text.split("\n")
    assert "INJECTED\\x1b[31m" in first and "\x1b" not in text
    assert rest and all(line.startswith("    ") for line in rest)


FLOOD = 40
FLOODS = 3


def test_a_concurrent_flood_gets_exactly_one_slow_down_notice(app, db):
    """Forty messages at once from one number, from forty processes, three times (three numbers):
    each time exactly RATE_LIMIT are answered, one gets the notice, and the rest get nothing."""
    import multiprocessing

    from bot import texts
    from storage.db import database
    from storage.demo import seed_demo
    from storage.models import User
    from tests import workers

    seed_demo()
    numbers = [f"+55119444000{i:02d}" for i in range(FLOODS)]
    User.insert_many([{"name": f"Cliente {i}", "phone": n} for i, n in enumerate(numbers)]).execute()
    database.close()
    limit = app.config["SETTINGS"].rate_limit_per_minute
    ctx = multiprocessing.get_context("spawn")
    with gunicorn(app.config["SETTINGS"].database_url) as server, ctx.Pool(FLOOD) as pool:
        barrier = ctx.Manager().Barrier(FLOOD)
        outcomes = []
        for number in numbers:
            results = pool.starmap(workers.live_send, [(barrier, server.url, number, "oi")] * FLOOD)
            assert [status for status, _ in results] == [200] * FLOOD
            replies = ["\n".join(messages) for _, messages in results]
            outcomes.append((sum(1 for r in replies if r and r != texts.SLOW_DOWN),
                             replies.count(texts.SLOW_DOWN), replies.count("")))
    print(f"floods of {FLOOD} (answered, notices, silent): {outcomes}")
    assert outcomes == [(limit, 1, FLOOD - limit - 1)] * FLOODS
