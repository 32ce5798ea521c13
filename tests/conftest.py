"""Shared fixtures. Every database test runs on SQLite, and on MySQL when TEST_DATABASE_URL is
set (required under CI=true). Each test starts from a freshly migrated, empty schema."""
from __future__ import annotations

import datetime as dt
import logging
import os
import shutil

import peewee
import pytest

from config import Settings
from storage import clock
from storage.db import database, make_database
from tests.helpers import API_TOKEN, base_config

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "").strip()
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
BACKENDS = ["sqlite"] + (["mysql"] if TEST_DATABASE_URL else [])




class LogRecorder(logging.Handler):
    """Keeps every INFO-or-louder record of the run, for tests/test_zz_log_secrets.py."""

    records: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        if record.exc_info:
            text += "\n" + logging.Formatter().formatException(record.exc_info)
        self.records.append(f"{record.name}: {text}")


def pytest_configure(config):
    if IN_CI and not TEST_DATABASE_URL:
        pytest.exit("CI=true needs TEST_DATABASE_URL (the Makefile sets it)", returncode=3)
    root = logging.getLogger()
    root.setLevel(logging.INFO)  # what production logs; DEBUG is never on in production
    root.addHandler(LogRecorder(level=logging.INFO))


@pytest.fixture(scope="session", autouse=True)
def clean_environment():
    with pytest.MonkeyPatch.context() as patch:
        for name in Settings.env_names():  # the developer's environment must not leak in
            patch.delenv(name, raising=False)
        yield


@pytest.fixture(autouse=True)
def reset_clock():
    clock.reset()
    yield
    clock.reset()


def _use(url: str) -> None:
    previous = database.obj
    if previous is not None:
        getattr(previous, "close_all", previous.close)()
    database.initialize(make_database(url))


def _migrate(url: str) -> None:
    from storage.migrate import upgrade

    _use(url)
    upgrade()
    database.close()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("template") / "template.db"
    _migrate(f"sqlite:///{path}")
    getattr(database.obj, "close_all", database.obj.close)()
    return str(path)


def drop_all_tables(url: str) -> None:
    _use(url)
    db = database.obj
    db.connect(reuse_if_open=True)
    db.execute_sql("SET FOREIGN_KEY_CHECKS = 0")
    for table in db.get_tables():
        db.execute_sql(f"DROP TABLE `{table}`")
    db.execute_sql("SET FOREIGN_KEY_CHECKS = 1")
    db.close()


@pytest.fixture(scope="session")
def mysql_schema() -> str:
    try:
        drop_all_tables(TEST_DATABASE_URL)
    except peewee.OperationalError as exc:
        pytest.exit(f"MySQL at TEST_DATABASE_URL is unreachable: {exc}", returncode=3)
    _migrate(TEST_DATABASE_URL)
    return TEST_DATABASE_URL


def empty_mysql(url: str) -> None:
    """Deletes every row, then restores what the migrations seed (the default professional)."""
    _use(url)
    db = database.obj
    db.connect(reuse_if_open=True)
    db.execute_sql("SET FOREIGN_KEY_CHECKS = 0")
    for table in db.get_tables():
        if table != "schema_migration":
            db.execute_sql(f"DELETE FROM `{table}`")
    db.execute_sql("SET FOREIGN_KEY_CHECKS = 1")
    db.execute_sql("INSERT INTO professionals (name, active, created_at) VALUES ('Equipe', 1, %s)",
                   (dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0),))
    db.close()


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    return request.param


@pytest.fixture
def database_url(backend, request, tmp_path) -> str:
    """A migrated, empty database on the backend under test."""
    if backend == "sqlite":
        template = request.getfixturevalue("sqlite_template")
        path = tmp_path / "test.db"
        shutil.copy(template, path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("mysql_schema")
    empty_mysql(url)
    return url


@pytest.fixture
def config(database_url) -> dict:
    """Settings overrides for the app under test; a test may change them before using `app`."""
    return base_config(database_url)


@pytest.fixture
def app(config):
    from app import create_app

    application = create_app(config)
    yield application
    if not database.is_closed():
        database.close()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def db(app):
    """An open connection for the test body itself (outside any request)."""
    database.connect(reuse_if_open=True)
    yield database
    if not database.is_closed():
        database.close()


class Api:
    """Calls the REST API with the bearer token."""

    def __init__(self, client):
        self.client = client
        self.headers = {"Authorization": f"Bearer {API_TOKEN}"}

    def get(self, path, **kwargs):
        return self.client.get(path, headers=self.headers, **kwargs)

    def post(self, path, json=None, **kwargs):
        return self.client.post(path, json=json, headers=self.headers, **kwargs)

    def delete(self, path, **kwargs):
        return self.client.delete(path, headers=self.headers, **kwargs)


@pytest.fixture
def api(client) -> Api:
    return Api(client)



@pytest.fixture
def whatsapp(client):
    """whatsapp(phone, profile_name=None) -> a WhatsApp conversation for that phone."""
    from tests.helpers import WhatsApp

    return lambda phone, profile_name=None: WhatsApp(client, phone, profile_name)


@pytest.fixture
def fake_twilio():
    """A fake Twilio REST API on loopback, for the real `twilio` client."""
    from tests import fake_twilio as fake
    from tests.helpers import ACCOUNT_SID, AUTH_TOKEN

    server = fake.start(ACCOUNT_SID, AUTH_TOKEN)
    yield server
    server.stop()


@pytest.fixture
def twilio_config(config, fake_twilio) -> dict:
    """Settings that send through the real Twilio client to the fake server."""
    config.update(sender="twilio", twilio_api_url=fake_twilio.url, outbox_rate=None)
    return config
