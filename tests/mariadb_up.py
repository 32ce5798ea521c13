"""Makes sure the MySQL/MariaDB server at TEST_DATABASE_URL answers before the suite runs.

On our machines and in CI that is the local MariaDB; if it is down it is started, and if root
over TCP is refused, root is given its empty password back (see the developers' guide)."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from urllib.parse import unquote, urlparse

import pymysql

ACCESS_DENIED = (1045, 1698)


def params(url: str) -> dict:
    parsed = urlparse(url)
    return dict(host=parsed.hostname or "127.0.0.1", port=parsed.port or 3306,
                user=unquote(parsed.username or "root"), password=unquote(parsed.password or ""),
                connect_timeout=3)


def try_connect(url: str) -> int | None:
    """None when the server answers, else the MySQL error code."""
    try:
        pymysql.connect(**params(url)).close()
        return None
    except pymysql.err.OperationalError as exc:
        return exc.args[0] if exc.args else -1


def local(url: str) -> bool:
    return (urlparse(url).hostname or "127.0.0.1") in ("127.0.0.1", "localhost", "::1")


def main() -> int:
    url = os.environ["TEST_DATABASE_URL"]
    code = try_connect(url)
    if code is not None and code not in ACCESS_DENIED and local(url) and os.path.exists("/usr/sbin/mariadbd"):
        print("MariaDB is not answering; starting it", flush=True)
        subprocess.run(["start-stop-daemon", "--start", "--oknodo", "--background",
                        "--exec", "/usr/sbin/mariadbd"], check=False)
        deadline = time.monotonic() + 60
        while code is not None and code not in ACCESS_DENIED and time.monotonic() < deadline:
            time.sleep(1)
            code = try_connect(url)
    if code in ACCESS_DENIED and local(url) and shutil.which("mariadb"):
        print("root over TCP was refused; restoring its empty password", flush=True)
        subprocess.run(["mariadb", "-uroot", "-e",
                        "ALTER USER root@localhost IDENTIFIED VIA mysql_native_password "
                        "USING PASSWORD('') OR unix_socket"], check=False)
        code = try_connect(url)
    if code is not None:
        print(f"MySQL at TEST_DATABASE_URL is unreachable (error {code})", file=sys.stderr)
        return 1
    database = urlparse(url).path.lstrip("/")
    if database:
        connection = pymysql.connect(**params(url))
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE DATABASE IF NOT EXISTS `{database}` CHARACTER SET utf8mb4")
        connection.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
