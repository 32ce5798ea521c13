"""Chooses the MySQL database of `make test` and prints its URL, or nothing for SQLite only.

    tests/mariadb_up.py [LOCAL_URL]    (LOCAL_URL defaults to mysql://root@127.0.0.1:3306/test)

- TEST_DATABASE_URL set: that database is required; exit status 1 if it does not answer.
- CI=true: TEST_DATABASE_URL defaults to LOCAL_URL and is required. CI's machine is ours to set
  up: a local MariaDB that is down is started, and if root over TCP is refused, root is given
  its empty password back (see the developers' guide).
- Otherwise: LOCAL_URL when a server answers there within a second, else nothing.

One line on stderr says which. The database named in the URL is created if it is missing. Outside
CI nothing here starts, stops or reconfigures a server.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from urllib.parse import unquote, urlparse

import pymysql

LOCAL_URL = "mysql://root@127.0.0.1:3306/test"
ACCESS_DENIED = (1045, 1698)


def params(url: str, timeout: int = 3) -> dict:
    parsed = urlparse(url)
    return dict(host=parsed.hostname or "127.0.0.1", port=parsed.port or 3306,
                user=unquote(parsed.username or "root"), password=unquote(parsed.password or ""),
                connect_timeout=timeout, read_timeout=timeout, write_timeout=timeout)


def try_connect(url: str, timeout: int = 3) -> int | None:
    """None when the server answers, else the MySQL error code."""
    try:
        pymysql.connect(**params(url, timeout)).close()
        return None
    except pymysql.err.OperationalError as exc:
        return exc.args[0] if exc.args else -1


def local(url: str) -> bool:
    return (urlparse(url).hostname or "127.0.0.1") in ("127.0.0.1", "localhost", "::1")


def where(url: str) -> str:
    """The URL without its password, for messages."""
    parsed = urlparse(url)
    return f"{parsed.username or 'root'}@{parsed.hostname or '127.0.0.1'}:{parsed.port or 3306}{parsed.path}"


def bring_up(url: str) -> int | None:
    """CI only: starts the local MariaDB if it is down, and restores root's empty password over TCP."""
    code = try_connect(url)
    if code is not None and code not in ACCESS_DENIED and local(url) and os.path.exists("/usr/sbin/mariadbd"):
        print("MariaDB is not answering; starting it", file=sys.stderr, flush=True)
        subprocess.run(["start-stop-daemon", "--start", "--oknodo", "--background",
                        "--exec", "/usr/sbin/mariadbd"], check=False)
        deadline = time.monotonic() + 60
        while code is not None and code not in ACCESS_DENIED and time.monotonic() < deadline:
            time.sleep(1)
            code = try_connect(url)
    if code in ACCESS_DENIED and local(url) and shutil.which("mariadb"):
        print("root over TCP was refused; restoring its empty password", file=sys.stderr, flush=True)
        subprocess.run(["mariadb", "-uroot", "-e",
                        "ALTER USER root@localhost IDENTIFIED VIA mysql_native_password "
                        "USING PASSWORD('') OR unix_socket"], check=False)
        code = try_connect(url)
    return code


def create_database(url: str) -> None:
    database = urlparse(url).path.lstrip("/")
    if database:
        connection = pymysql.connect(**params(url, timeout=30))
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE DATABASE IF NOT EXISTS `{database}` CHARACTER SET utf8mb4")
        connection.close()


def main(argv: list[str]) -> int:
    given = os.environ.get("TEST_DATABASE_URL", "").strip()
    local_url = argv[0] if argv else LOCAL_URL
    if os.environ.get("CI", "").lower() == "true":
        url = given or local_url
        code = bring_up(url)
    elif given:
        url, code = given, try_connect(given)
    else:
        url, code = local_url, try_connect(local_url, timeout=1)
        if code is not None:
            print(f"MySQL: nothing usable at {where(url)} (error {code}); running on SQLite only",
                  file=sys.stderr, flush=True)
            return 0
    if code is not None:
        print(f"MySQL at {where(url)} is unreachable (error {code})", file=sys.stderr, flush=True)
        return 1
    create_database(url)
    print(f"MySQL: running on SQLite and on {where(url)}", file=sys.stderr, flush=True)
    print(url)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
