"""The database: declared once, configured late from DATABASE_URL, one connection per request."""
from __future__ import annotations

import datetime as dt
import functools
import logging
import random
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar
from urllib.parse import parse_qs, unquote, urlparse

import peewee
from playhouse.pool import MaxConnectionsExceeded, PooledMySQLDatabase, _PooledMySQLDatabase
from playhouse.shortcuts import ReconnectMixin
from pymysql.constants import CLIENT, SERVER_STATUS

logger = logging.getLogger(__name__)

database = peewee.DatabaseProxy()

T = TypeVar("T")

# MySQL error codes worth retrying the whole unit of work for: the server rolled it back.
_DEADLOCK = 1213
_LOCK_WAIT_TIMEOUT = 1205
_DISCONNECTS = (2003, 2006, 2013, 2014, 4031)


class WriteAttempted(Exception):
    """Code running under `read_only()` tried to write or open a transaction."""


_guard = threading.local()
_WRITES = ("insert", "update", "delete", "replace", "begin", "start", "set", "create", "alter", "drop")


@contextmanager
def read_only() -> Iterator[None]:
    """Runs a block that must not write: the first write (or transaction) raises WriteAttempted,
    so the caller can run the block again the careful way, inside a locked transaction."""
    _guard.active = True
    try:
        yield
    finally:
        _guard.active = False


def _check_guard(sql: str) -> None:
    if getattr(_guard, "active", False):
        head = sql.lstrip().split(None, 1)[0].lower() if sql.strip() else ""
        if head in _WRITES or " for update" in sql.lower():
            raise WriteAttempted(head)


class ReadOnlyGuardMixin:
    """Lets `read_only()` stop a write before it reaches the database."""

    def execute_sql(self, sql, params=None):
        _check_guard(sql)
        return super().execute_sql(sql, params)

    def begin(self, *args, **kwargs):
        _check_guard("BEGIN")
        return super().begin(*args, **kwargs)


class DatabaseUnavailable(Exception):
    """The database could not be reached in time; the caller answers with a short apology."""


class SessionMySQLDatabase(peewee.MySQLDatabase):
    """MySQL with the session settings every connection needs, applied once when it is opened.

    READ COMMITTED: every statement sees the latest committed rows, so a check made after taking
    a row lock is exact, and InnoDB takes no gap locks (fewer deadlocks). UTC session time zone.
    A short lock wait, so a stuck lock fails fast instead of holding a webhook for 50 s.
    """

    session_statements = (
        "SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED",
        "SET SESSION time_zone = '+00:00', innodb_lock_wait_timeout = 5, group_concat_max_len = 1048576",
    )

    def _connect(self):
        conn = super()._connect()
        with conn.cursor() as cursor:
            for statement in self.session_statements:
                cursor.execute(statement)
        return conn


class ReconnectingPooledMySQLDatabase(ReadOnlyGuardMixin, ReconnectMixin, _PooledMySQLDatabase,
                                      SessionMySQLDatabase):
    """Pooled MySQL that reconnects when the server dropped an idle connection.

    Like SQLAlchemy's pool_pre_ping and pool_recycle: a connection idle in the pool for more
    than `ping_after` seconds is pinged before it is handed out, and connections older than the
    stale timeout are closed, so one that outlived the server's wait_timeout is never used. A
    connection back from a request a moment ago is handed out without a ping: if the server
    killed it meanwhile, the work fails with a disconnect and `run_in_transaction` runs it again
    on a fresh one. Connections come back to the pool without a ROLLBACK unless one is open.
    """

    ping_after = 2.0

    def __init__(self, *args, **kwargs):
        self._returned_at: dict[int, float] = {}
        super().__init__(*args, **kwargs)

    def _is_closed(self, conn) -> bool:
        returned = self._returned_at.get(id(conn))
        if returned is not None and time.monotonic() - returned < self.ping_after and conn.open:
            return False
        return super()._is_closed(conn)

    def _can_reuse(self, conn) -> bool:
        try:
            if conn.server_status & SERVER_STATUS.SERVER_STATUS_IN_TRANS:
                conn.rollback()
        except Exception:  # a broken connection is not reused
            return False
        return conn.open

    def _close(self, conn, close_conn=False):
        self._returned_at[id(conn)] = time.monotonic()
        if close_conn:
            self._returned_at.pop(id(conn), None)
        return super()._close(conn, close_conn)


class SqliteDatabase(ReadOnlyGuardMixin, peewee.SqliteDatabase):
    """SQLite with every transaction taking the write lock up front (BEGIN IMMEDIATE).

    A deferred transaction that reads and then writes can fail with SQLITE_BUSY when another
    connection wrote in between, and the busy timeout does not help it; IMMEDIATE serialises
    writers instead, which is what the booking rules rely on.
    """

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("lock_type", "IMMEDIATE")
        super().__init__(*args, **kwargs)

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


def make_database(url: str, *, pool_size: int = 10, pool_wait: float = 5.0,
                  stale_timeout: int = 280, timeout: float = 5.0) -> peewee.Database:
    """Builds the peewee database for a `sqlite:///path` or `mysql://user:pass@host:port/db` URL."""
    parsed = urlparse(url)
    scheme = parsed.scheme.split("+")[0]
    if scheme == "sqlite":
        path = unquote(url.split("://", 1)[1])
        path = path[1:] if path.startswith("/") else path
        path = path or ":memory:"
        return SqliteDatabase(
            path,
            timeout=timeout,
            check_same_thread=False,
            pragmas={
                "busy_timeout": int(timeout * 1000),
                "journal_mode": "wal",
                "foreign_keys": 1,
                "synchronous": "normal",
            },
        )
    if scheme in ("mysql", "mariadb"):
        options = {k: v[-1] for k, v in parse_qs(parsed.query).items()}
        return ReconnectingPooledMySQLDatabase(
            unquote(parsed.path.lstrip("/")),
            host=parsed.hostname or "127.0.0.1",
            port=parsed.port or 3306,
            user=unquote(parsed.username or "root"),
            password=unquote(parsed.password or ""),
            charset="utf8mb4",
            max_connections=int(options.get("pool_size", pool_size)),
            stale_timeout=int(options.get("stale_timeout", stale_timeout)),
            timeout=float(options.get("pool_wait", pool_wait)),
            # Bounded waits: a request facing a dead or hung server gives up in seconds.
            connect_timeout=max(1, min(3, int(timeout))),
            read_timeout=int(options.get("read_timeout", max(5, int(timeout)))),
            write_timeout=int(options.get("write_timeout", max(5, int(timeout)))),
            # The webhook's hot path sends its final writes and COMMIT in one round trip.
            client_flag=CLIENT.MULTI_STATEMENTS,
        )
    raise ValueError(f"DATABASE_URL must start with sqlite:// or mysql:// (got {scheme or 'nothing'}://)")


def is_mysql() -> bool:
    return isinstance(database.obj, peewee.MySQLDatabase)


def fetch_all(queries: list[tuple[str, tuple]]) -> list[list[tuple]]:
    """The rows of several SELECTs: one round trip on MySQL (a multi-statement query), one query
    after another on SQLite. Each SQL uses `database.param` placeholders."""
    if not is_mysql() or len(queries) == 1:
        return [list(database.execute_sql(sql, params).fetchall()) for sql, params in queries]
    sql = "; ".join(q for q, _ in queries)
    params = tuple(p for _, ps in queries for p in ps)
    cursor = database.execute_sql(sql, params)
    results = [list(cursor.fetchall())]
    while cursor.nextset():
        results.append(list(cursor.fetchall()))
    return results


def execute_multi(sql: str, params: list) -> list[int]:
    """Runs a MySQL multi-statement on the current connection in one round trip and returns
    each statement's row count. On any error it rolls back what it began and re-raises (as
    peewee's exceptions)."""
    connection = database.connection()
    cursor = connection.cursor()
    try:
        with peewee.__exception_wrapper__:
            cursor.execute(sql, params)
            counts = [cursor.rowcount]
            while cursor.nextset():
                counts.append(cursor.rowcount)
        return counts
    except BaseException:
        if connection.open:
            connection.rollback()
        raise
    finally:
        cursor.close()


def execute_batch(statements: list[tuple[str, list]]) -> None:
    """Writes several statements atomically in one round trip (MySQL multi-statement):
    `BEGIN; ...; COMMIT`. If the connection breaks midway the server rolls it all back."""
    execute_multi("BEGIN; " + "; ".join(text for text, _ in statements) + "; COMMIT",
                  [p for _, ps in statements for p in ps])


def naive_utc(value: dt.datetime) -> dt.datetime:
    """How a moment is stored: naive UTC, whole seconds."""
    return value.astimezone(dt.UTC).replace(tzinfo=None, microsecond=0)


def upsert(query: peewee.Insert, target: list[peewee.Field], update: dict) -> peewee.Insert:
    """INSERT ... ON CONFLICT (target) DO UPDATE, or MySQL's ON DUPLICATE KEY UPDATE (which
    takes no target)."""
    return query.on_conflict(conflict_target=None if is_mysql() else target, update=update)


def _error_code(exc: BaseException) -> int | None:
    args = getattr(exc, "args", ())
    if args and isinstance(args[0], int):
        return args[0]
    orig = getattr(exc, "orig", None) or exc.__cause__ or exc.__context__
    if orig is not None and orig is not exc:
        args = getattr(orig, "args", ())
        if args and isinstance(args[0], int):
            return args[0]
    return None


def is_retryable(exc: BaseException) -> bool:
    """True when the database rolled the work back and running it again is safe and useful."""
    if isinstance(exc, MaxConnectionsExceeded):
        return False
    code = _error_code(exc)
    if code in (_DEADLOCK, _LOCK_WAIT_TIMEOUT) or code in _DISCONNECTS:
        return True
    if isinstance(exc, peewee.InterfaceError):
        return True
    if isinstance(exc, peewee.OperationalError) and not is_mysql():
        return "locked" in str(exc) or "busy" in str(exc)
    return False


def is_unavailable(exc: BaseException) -> bool:
    """True when the failure means the database cannot be reached (as opposed to a bug)."""
    if isinstance(exc, (MaxConnectionsExceeded, DatabaseUnavailable)):
        return True
    code = _error_code(exc)
    if code in _DISCONNECTS or code in (1040, 1045, 1049, 1053, 2002, 2005, 2055):
        return True
    if isinstance(exc, peewee.InterfaceError):
        return True
    if isinstance(exc, peewee.OperationalError) and not is_mysql():
        text = str(exc)
        return "locked" in text or "busy" in text or "unable to open" in text or "disk I/O" in text
    return False


def reset_connection() -> None:
    """Drops the current connection so the next attempt starts on a fresh one."""
    db = database.obj
    if db is None or db.is_closed():
        return
    try:
        if isinstance(db, PooledMySQLDatabase):
            db.manual_close()
        else:
            db.close()
    except Exception:  # the connection is already broken; nothing more to release
        logger.debug("closing a broken connection failed", exc_info=True)


def retrying(fn: Callable[[], T], *, attempts: int = 4, budget: float = 3.0) -> T:
    """Runs `fn`, one whole transaction, again when the database rolled it back (deadlock,
    lost connection), with a short randomized backoff, but never starting an attempt after
    `budget` seconds."""
    started = time.monotonic()
    for attempt in range(1, attempts + 1):
        try:
            return fn()
        except peewee.PeeweeException as exc:
            if attempt == attempts or not is_retryable(exc) or time.monotonic() - started > budget:
                raise
            logger.warning("transaction rolled back by the database (%s); retrying, attempt %d",
                           type(exc).__name__, attempt + 1)
            if _error_code(exc) in _DISCONNECTS or isinstance(exc, peewee.InterfaceError):
                reset_connection()
            time.sleep(random.uniform(0.005, 0.03) * attempt)
    raise AssertionError("unreachable")


def run_in_transaction(fn: Callable[[], T], *, attempts: int = 4, budget: float = 3.0) -> T:
    """Runs `fn` inside one transaction, `retrying` it. Nested calls join the outer
    transaction."""
    db = database.obj
    if db.in_transaction():
        return fn()

    def attempt() -> T:
        with db.atomic():
            return fn()

    return retrying(attempt, attempts=attempts, budget=budget)


def transactional(fn: Callable[..., T]) -> Callable[..., T]:
    """Decorator form of `run_in_transaction`."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        return run_in_transaction(lambda: fn(*args, **kwargs))

    return wrapper


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
        if value is None:
            return None
        if isinstance(value, dt.datetime):
            if value.tzinfo is None:
                raise ValueError(f"{self.name}: naive datetime {value!r}; pass an aware one")
            return value.astimezone(dt.UTC).replace(tzinfo=None, microsecond=0)
        return value  # SQL expressions

    def python_value(self, value):
        value = super().python_value(value)
        if isinstance(value, dt.datetime) and value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value


def utc(value: dt.datetime) -> dt.datetime:
    """Normalises an aware datetime to UTC with whole seconds (how it is stored)."""
    return value.astimezone(dt.UTC).replace(microsecond=0)
