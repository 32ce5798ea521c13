"""Schema migrations with peewee's own runner (playhouse.migrations), serialised across processes.

Each file in storage/migrations is applied once, in numeric order, and recorded in the
`schema_migration` table. Two processes upgrading at once take turns: MySQL through a named
lock (its DDL is not transactional), SQLite through one write transaction around the run.
"""
from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager

import peewee
from playhouse.migrations import Runner

from storage.db import database

logger = logging.getLogger(__name__)

MIGRATIONS_DIR = os.path.join(os.path.dirname(__file__), "migrations")
LOCK_NAME = "agendador.schema_migration"
LOCK_TIMEOUT = 120


class MigrationLockTimeout(Exception):
    """Another process held the migration lock for too long."""


@contextmanager
def _exclusive(db: peewee.Database) -> Iterator[None]:
    if isinstance(db, peewee.MySQLDatabase):
        got = db.execute_sql("SELECT GET_LOCK(%s, %s)", (LOCK_NAME, LOCK_TIMEOUT)).fetchone()[0]
        if got != 1:
            raise MigrationLockTimeout(f"could not take the migration lock in {LOCK_TIMEOUT}s")
        try:
            yield
        finally:
            db.execute_sql("SELECT RELEASE_LOCK(%s)", (LOCK_NAME,))
    else:
        with db.atomic():  # BEGIN IMMEDIATE: other upgraders wait here, then see our history
            yield


def runner() -> Runner:
    return Runner(database.obj, MIGRATIONS_DIR, table_name="schema_migration")


def upgrade() -> list[str]:
    """Applies pending migrations; returns the names applied (none when up to date)."""
    db = database.obj
    db.connect(reuse_if_open=True)
    with _exclusive(db):
        applied = runner().up()
    for name in applied:
        logger.info("applied migration %s", name)
    return applied


def pending() -> list[str]:
    """Names of migrations not yet applied."""
    return [m.name for m in runner().status() if m.applied is None and m.path]
