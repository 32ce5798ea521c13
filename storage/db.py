"""The database: declared once, configured late from DATABASE_URL by `playhouse.db_url`.

`sqlite:///agendador.db` is the embedded default; `mysql://user:pass@host:3306/db` is pooled and
reconnecting. Work that must be atomic runs through `run_in_transaction`, which runs it again
when the database rolled it back (a deadlock, a lost connection).
"""
from __future__ import annotations

import datetime as dt
import logging
import random
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

import peewee
from playhouse import db_url
from playhouse.pool import MaxConnectionsExceeded, PooledMySQLDatabase
from playhouse.shortcuts import ReconnectMixin
from pymysql.constants import CR, ER

logger = logging.getLogger(__name__)

database = peewee.DatabaseProxy()

T = TypeVar("T")

# MySQL errors after which the server has rolled the transaction back: running it again is safe.
ROLLED_BACK = {ER.LOCK_DEADLOCK, ER.LOCK_WAIT_TIMEOUT}
# The connection is gone; a new one may work.
CLIENT_INTERACTION_TIMEOUT = 4031
DISCONNECTED = {CR.CR_SERVER_GONE_ERROR, CR.CR_SERVER_LOST, CR.CR_COMMANDS_OUT_OF_SYNC, CR.CR_CONN_HOST_ERROR,
                CR.CR_SERVER_LOST_EXTENDED, CLIENT_INTERACTION_TIMEOUT}
# The server cannot be used at all right now.
UNREACHABLE = DISCONNECTED | {CR.CR_CONNECTION_ERROR, CR.CR_UNKNOWN_HOST, ER.CON_COUNT_ERROR,
                              ER.ACCESS_DENIED_ERROR, ER.BAD_DB_ERROR, ER.SERVER_SHUTDOWN}


class MySQLDatabase(ReconnectMixin, PooledMySQLDatabase):
    """peewee's pool (a connection is pinged when taken from it, recycled after `stale_timeout`)
    with its reconnect mixin, and the session every connection needs.

    READ COMMITTED: every statement sees the latest committed rows, so a check made after taking
    a row lock is exact, and InnoDB takes no gap locks (fewer deadlocks). UTC session time zone.
    A short lock wait, so a stuck lock fails fast instead of holding a webhook for 50 s.
    """

    session = ("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED",
               "SET SESSION time_zone = '+00:00', innodb_lock_wait_timeout = 5")

    def _connect(self):
        conn = super()._connect()
        with conn.cursor() as cursor:
            for statement in self.session:
                cursor.execute(statement)
        return conn


class SqliteDatabase(peewee.SqliteDatabase):
    """SQLite where every transaction takes the write lock up front (BEGIN IMMEDIATE).

    A deferred transaction that reads and then writes can fail with SQLITE_BUSY when another
    connection wrote in between, and the busy timeout does not help it; IMMEDIATE serialises
    writers instead, which is what the booking rules and the conversation turn rely on.
    """

    def __init__(self, database, **kwargs):
        kwargs.setdefault("lock_type", "IMMEDIATE")
        super().__init__(database, **kwargs)

    def _connect(self):
        # Switching a new database file to WAL needs a lock the busy timeout does not wait
        # for, so two processes opening the same new file can collide once: try again.
        for attempt in range(50):
            try:
                return super()._connect()
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or attempt == 49:
                    raise
                time.sleep(0.02)


db_url.register_database(MySQLDatabase, "mysql", "mariadb")
db_url.register_database(SqliteDatabase, "sqlite")


def make_database(url: str, *, pool_size: int = 10, pool_wait: float = 5.0, stale_timeout: int = 280,
                  timeout: float = 5.0) -> peewee.Database:
    """The database for a `sqlite:///path` or `mysql://user:pass@host:port/db` URL. Options in
    the URL's query (`?max_connections=20`) win over the settings passed here."""
    scheme = url.split("://", 1)[0]
    if scheme == "sqlite":
        defaults = {
            "timeout": timeout,
            "check_same_thread": False,
            # WAL: readers never wait for the writer. synchronous=FULL: a commit is on disk
            # before the customer is told "Agendado!", even across a power cut (NORMAL would
            # only survive a crash of the app). RELIABILITY.md has the cost: ~60 µs a commit.
            "pragmas": {"journal_mode": "wal", "synchronous": "full", "foreign_keys": 1,
                        "busy_timeout": int(timeout * 1000)},
        }
    elif scheme in ("mysql", "mariadb"):
        defaults = {
            "charset": "utf8mb4",
            "max_connections": pool_size,
            "timeout": pool_wait,  # seconds to wait for a free pooled connection
            "stale_timeout": stale_timeout,  # below the server's wait_timeout
            # Bounded waits: a request facing a dead or hung server gives up in seconds.
            "connect_timeout": max(1, min(3, int(timeout))),
            "read_timeout": max(5, int(timeout)),
            "write_timeout": max(5, int(timeout)),
        }
    else:
        raise ValueError(f"DATABASE_URL must start with sqlite:// or mysql:// (got {scheme}://)")
    given = db_url.parse(url)
    return db_url.connect(url, unquote_password=True, unquote_user=True,
                          **{key: value for key, value in defaults.items() if key not in given})


def is_mysql() -> bool:
    return isinstance(database.obj, peewee.MySQLDatabase)


def locking(query: peewee.Select) -> peewee.Select:
    """The query as SELECT ... FOR UPDATE where the database has row locks. On SQLite the
    transaction already holds the database's write lock (BEGIN IMMEDIATE)."""
    return query.for_update() if is_mysql() else query


def upsert(query: peewee.Insert, target: list[peewee.Field], update: dict) -> peewee.Insert:
    """INSERT ... ON CONFLICT (target) DO UPDATE, or MySQL's ON DUPLICATE KEY UPDATE (which
    takes no target)."""
    return query.on_conflict(conflict_target=None if is_mysql() else target, update=update)


def error_code(exc: BaseException) -> int | None:
    """The MySQL error number behind a peewee exception, if any."""
    for candidate in (exc, exc.__cause__, exc.__context__, getattr(exc, "orig", None)):
        args = getattr(candidate, "args", ())
        if args and isinstance(args[0], int):
            return args[0]
    return None


def _sqlite_busy(exc: BaseException) -> bool:
    text = str(exc)
    return "locked" in text or "busy" in text


def is_retryable(exc: BaseException) -> bool:
    """True when the database rolled the work back and running it again is safe and useful."""
    if isinstance(exc, MaxConnectionsExceeded):
        return False
    if isinstance(exc, peewee.InterfaceError) or error_code(exc) in ROLLED_BACK | DISCONNECTED:
        return True
    return isinstance(exc, peewee.OperationalError) and not is_mysql() and _sqlite_busy(exc)


def is_unavailable(exc: BaseException) -> bool:
    """True when the failure means the database cannot be reached (as opposed to a bug)."""
    if isinstance(exc, (MaxConnectionsExceeded, peewee.InterfaceError)) or error_code(exc) in UNREACHABLE:
        return True
    if isinstance(exc, peewee.OperationalError) and not is_mysql():
        return _sqlite_busy(exc) or "unable to open" in str(exc) or "disk I/O" in str(exc)
    return False


def reset_connection() -> None:
    """Drops the current connection, so the next attempt starts on a fresh one."""
    db = database.obj
    if db is None or db.is_closed():
        return
    try:
        db.manual_close() if isinstance(db, PooledMySQLDatabase) else db.close()
    except Exception:  # the connection is already broken; nothing more to release
        logger.debug("closing a broken connection failed", exc_info=True)


def run_in_transaction(fn: Callable[[], T], *, attempts: int = 4, budget: float = 3.0) -> T:
    """Runs `fn` inside one transaction; when the database rolls it back (deadlock, lost
    connection), runs it again after a short randomized pause, but never starts an attempt after
    `budget` seconds. A call inside a transaction joins it."""
    db = database.obj
    if db.in_transaction():
        return fn()
    started = time.monotonic()
    for attempt in range(1, attempts + 1):
        try:
            with db.atomic():
                return fn()
        except peewee.PeeweeException as exc:
            if attempt == attempts or not is_retryable(exc) or time.monotonic() - started > budget:
                raise
            logger.warning("transaction rolled back by the database (%s); retrying, attempt %d",
                           type(exc).__name__, attempt + 1)
            if isinstance(exc, peewee.InterfaceError) or error_code(exc) in DISCONNECTED:
                reset_connection()
            time.sleep(random.uniform(0.005, 0.03) * attempt)
    raise AssertionError("unreachable")


@contextmanager
def connection() -> Iterator[peewee.Database]:
    """Opens a connection for work outside a request (CLI, worker) and releases it after."""
    db = database.obj
    opened = db.connect(reuse_if_open=True)
    try:
        yield db
    finally:
        if opened and not db.is_closed():
            db.close()


class UTCDateTimeField(peewee.DateTimeField):
    """A moment in time, stored as naive UTC with whole seconds on every backend.

    Python code always sees timezone-aware UTC datetimes; naive values are refused so local
    time can never be stored by mistake.
    """

    formats = ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M:%S.%f"]

    def db_value(self, value):
        if isinstance(value, dt.datetime):
            if value.tzinfo is None:
                raise ValueError(f"{self.name}: naive datetime {value!r}; pass an aware one")
            return value.astimezone(dt.UTC).replace(tzinfo=None, microsecond=0)
        return value  # None, or an SQL expression

    def python_value(self, value):
        value = super().python_value(value)
        if isinstance(value, dt.datetime) and value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value


def utc(value: dt.datetime) -> dt.datetime:
    """Normalises an aware datetime to UTC with whole seconds (how it is stored)."""
    return value.astimezone(dt.UTC).replace(microsecond=0)
