"""The database server the suite runs on is shared with other programs and other test runs, so
tests never stop, restart or reconfigure a server they did not start (an outage is made at a
proxy, see tests/tcp_proxy.py). This reads the test and bench code for the usual ways of doing it.

A line that does one of these things to a server the test started itself (its own datadir, port
and socket) says so with the marker `own-server` in a comment, and is let through."""
from __future__ import annotations

import os
import re

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FORBIDDEN = {
    "mysqladmin shutdown": re.compile(r"mysqladmin[^\n]{0,200}?\bshutdown\b"),
    "the SQL SHUTDOWN statement": re.compile(r"\bSHUTDOWN\b"),
    "SET GLOBAL": re.compile(r"\bSET\s+GLOBAL\b", re.IGNORECASE),
    "pkill or killall": re.compile(r"\b(pkill|killall)\b"),
    "stopping a service": re.compile(r"(start-stop-daemon[^\n]*--stop|\b(systemctl|service)\b[^\n]*\b(stop|restart)\b)"),
}
MARKER = "own-server"


def violations(text: str) -> list[str]:
    """`what: line` for every forbidden thing in `text` on a line without the marker."""
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        if MARKER in line:
            continue
        found += [f"{what} (line {number}): {line.strip()}" for what, pattern in FORBIDDEN.items()
                  if pattern.search(line)]
    return found


def _scanned() -> list[str]:
    paths = [os.path.join(ROOT, "Makefile")]
    for folder in ("tests", "bench", ".ci"):
        for directory, _, names in os.walk(os.path.join(ROOT, folder)):
            paths += [os.path.join(directory, name) for name in names
                      if name.endswith((".py", ".sh")) or folder == ".ci"]
    return sorted(p for p in paths if os.path.abspath(p) != os.path.abspath(__file__))


def test_no_test_stops_restarts_or_reconfigures_the_shared_server():
    found = {}
    for path in _scanned():
        with open(path, encoding="utf-8") as handle:
            if hits := violations(handle.read()):
                found[os.path.relpath(path, ROOT)] = hits
    assert not found, found


@pytest.mark.parametrize("line", [
    'subprocess.run(["mysqladmin", "-uroot", "-h127.0.0.1", "shutdown"], check=True)',
    "mysqladmin -uroot shutdown",
    'cursor.execute("SHUTDOWN")',
    'db.execute_sql("SET GLOBAL max_connections = 5")',
    'subprocess.run(["pkill", "-x", "mariadbd"])',
    "killall mariadbd",
    "start-stop-daemon --stop --exec /usr/sbin/mariadbd",
    "systemctl restart mariadb",
])
def test_the_check_sees_each_way_of_stopping_a_server(line):
    assert violations(line)


@pytest.mark.parametrize("line", [
    'cursor.execute(f"KILL {int(conn_id)}")  # its own connection',
    "server.shutdown()",
    "sock.shutdown(socket.SHUT_WR)",
    'db.execute_sql("SET SESSION innodb_lock_wait_timeout = 5")',
    "start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd",
    'subprocess.run(["mysqladmin", f"--socket={sock}", "shutdown"])  # own-server: started above',
])
def test_the_check_lets_ordinary_code_through(line):
    assert not violations(line)
