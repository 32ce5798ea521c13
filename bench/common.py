"""What the benchmarks share: the bench database, gunicorn targets, request files, processes."""
from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass
from urllib.parse import unquote, urlparse

import pymysql
from twilio.request_validator import RequestValidator

from config import Settings

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "bench", "out")
AUTH_TOKEN = "bench-auth-token"
ACCOUNT_SID = "AC" + "0" * 32
SENDER = "whatsapp:+5511940000000"
WORKERS = int(os.environ.get("BENCH_WORKERS", "4"))


BACKENDS = ("mysql", "sqlite")
SQLITE_PATH = os.path.join(OUT, "bench.db")


def database_url(backend: str = "mysql") -> str:
    """The bench's own database: MariaDB's `bench` (BENCH_DATABASE_URL), or a SQLite file in bench/out."""
    if backend == "sqlite":
        return f"sqlite:///{SQLITE_PATH}"
    return os.environ.get("BENCH_DATABASE_URL", "mysql://root@127.0.0.1:3306/bench")


def env(backend: str = "mysql", **extra: str) -> dict:
    """A production-like environment for the processes under test."""
    values = {k: v for k, v in os.environ.items() if k not in Settings.env_names()}
    values.update(APP_ENV="production", DATABASE_URL=database_url(backend), TWILIO_AUTH_TOKEN=AUTH_TOKEN,
                  TWILIO_ACCOUNT_SID=ACCOUNT_SID, TWILIO_WHATSAPP_FROM=SENDER, API_TOKEN="bench-api-token",
                  SENDER="console", DAILY_SUMMARY_AT="off", BUSINESS_NAME="Barbearia Bench",
                  # The load sends each phone about one message a second: far past the per-phone
                  # abuse limit, which would turn the runs into a test of the "slow down" path.
                  RATE_LIMIT="1000000", PYTHONUNBUFFERED="1",
                  # The throughput runs compare TwiML answers with the ceiling's; the reply hand-off
                  # (INTERACTIVE=on) has its own run.
                  INTERACTIVE="off")
    values.update(extra)
    return values


def recreate_database(backend: str = "mysql") -> None:
    """Empties the bench database (creating it if missing) and migrates it."""
    if backend == "sqlite":
        os.makedirs(OUT, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            with contextlib.suppress(FileNotFoundError):
                os.remove(SQLITE_PATH + suffix)
    else:
        parsed = urlparse(database_url())
        name = parsed.path.lstrip("/")
        connection = pymysql.connect(host=parsed.hostname or "127.0.0.1", port=parsed.port or 3306,
                                     user=unquote(parsed.username or "root"), password=unquote(parsed.password or ""))
        with connection.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")
            cursor.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
        connection.close()
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "app", "db", "upgrade"], cwd=ROOT,
                          env=env(backend), capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-2000:])


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Target:
    """A gunicorn serving either the app or the bare ceiling endpoint."""

    url: str
    process: subprocess.Popen

    def worker_pids(self) -> list[int]:
        done = subprocess.run(["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True)
        return [int(p) for p in done.stdout.split()]

    def peak_rss_mb(self) -> float:
        peaks = [vm_hwm_mb(pid) for pid in self.worker_pids()]
        return max(peaks) if peaks else 0.0


def vm_hwm_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


@contextlib.contextmanager
def gunicorn(app_spec: str, workers: int = WORKERS, backend: str = "mysql", **extra: str):
    port = free_port()
    os.makedirs(OUT, exist_ok=True)
    log = open(os.path.join(OUT, f"gunicorn-{app_spec.split(':')[0]}-{backend}.log"), "w")  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "--bind", f"127.0.0.1:{port}",
         "--workers", str(workers), "--access-logfile", "/dev/null", app_spec],
        cwd=ROOT, env=env(backend, **extra), stdout=subprocess.DEVNULL, stderr=log, text=True)
    target = Target(f"http://127.0.0.1:{port}/whatsapp", process)
    deadline = time.monotonic() + 30
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not start; see {log.name}") from None
            time.sleep(0.1)
    time.sleep(1.0)  # let every worker boot
    try:
        yield target
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def write_requests(path: str, url: str, scripts: dict[str, list[str]]) -> int:
    """Signed webhook requests, one per line: `<client>\\t<signature>\\t<form body>`. Every
    MessageSid is new, so each request is a real message, not a redelivery."""
    validator = RequestValidator(AUTH_TOKEN)
    run = uuid.uuid4().hex[:10]
    count = 0
    with open(path, "w") as handle:
        for client, messages in scripts.items():
            for body in messages:
                form = {"From": f"whatsapp:{client}", "To": SENDER, "Body": body,
                        "MessageSid": f"SM{run}{count:022d}", "AccountSid": ACCOUNT_SID, "NumMedia": "0"}
                signature = validator.compute_signature(url, form)
                handle.write(f"{client}\t{signature}\t{urllib.parse.urlencode(form)}\n")
                count += 1
    return count


def wrk(url: str, requests_path: str, seconds: int = 15, connections: int = 32, threads: int = 2) -> dict:
    """Runs wrk with the request-cycling script; returns its figures."""
    lua = os.path.join(ROOT, "bench", "webhook.lua")
    done = subprocess.run(["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", lua,
                           url, "--", requests_path, str(threads)], capture_output=True, text=True)
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith("JSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk failed: {done.stdout[-1000:]} {done.stderr[-1000:]}")
    raw = json.loads(line[5:])
    seconds_run = raw["duration_us"] / 1e6
    return {"requests": raw["requests"], "per_second": round(raw["requests"] / seconds_run, 1),
            "p50_ms": round(raw["p50_us"] / 1000, 2), "p99_ms": round(raw["p99_us"] / 1000, 2),
            "errors": raw["errors"], "non_2xx": raw["status_errors"],
            "command": f"wrk -t{threads} -c{connections} -d{seconds}s --latency -s bench/webhook.lua {url} -- <requests> {threads}"}


def loadgen(mode: str, url: str, requests_path: str, rate: float | None = None, record: str | None = None) -> dict:
    args = [sys.executable, "-m", "bench.loadgen", mode, url, requests_path]
    if rate:
        args += ["--rate", str(rate)]
    if record:
        args += ["--record", record]
    done = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-2000:])
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["command"] = f"python -m bench.loadgen {mode} {url} <requests>" + (f" --rate {rate}" if rate else "")
    return result


def now_utc() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)
