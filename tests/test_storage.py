"""Storage: migrations, configuration, reconnection and the booking rules under concurrency."""
from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import subprocess
import sys

import pymysql
import pytest
from playhouse.schema_diff import diff_models

from config import ConfigError, Settings
from storage import booking, clock
from storage.availability import Rules
from storage.db import database
from storage.migrate import pending, upgrade
from storage.models import MODELS, Appointment, AppointmentStatus, BusinessHours, Service, User
from tests import workers
from tests.helpers import SAO_PAULO, freeze, local

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


# --- configuration -------------------------------------------------------------------------------

@pytest.mark.parametrize("missing", ["TWILIO_AUTH_TOKEN", "API_TOKEN", "TWILIO_ACCOUNT_SID",
                                     "TWILIO_WHATSAPP_FROM"])
def test_production_refuses_to_start_without_each_secret(missing):
    values = {"app_env": "production", "twilio_auth_token": "t", "api_token": "a",
              "twilio_account_sid": "AC1", "twilio_whatsapp_from": "whatsapp:+5511940000000"}
    values[missing.lower()] = None
    with pytest.raises(ConfigError, match=f"^{missing} is required when APP_ENV=production$"):
        Settings.load(environ={}, overrides=values).require_secrets()


def _run(args, env_extra, timeout=60):
    env = {k: v for k, v in os.environ.items() if k not in Settings.env_names()}
    env.update(env_extra)
    return subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)


def test_production_processes_print_one_clear_line(tmp_path):
    env = {"APP_ENV": "production", "DATABASE_URL": f"sqlite:///{tmp_path}/x.db", "API_TOKEN": "a"}
    worker = _run([sys.executable, "-m", "scheduler", "--once"], env)
    assert worker.returncode != 0
    assert worker.stderr.strip().splitlines()[-1] == \
        "error: TWILIO_AUTH_TOKEN is required when APP_ENV=production"
    web = _run([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "--bind", "127.0.0.1:0",
                "app:create_app()"], env)
    assert web.returncode != 0
    assert "error: TWILIO_AUTH_TOKEN is required when APP_ENV=production" in web.stderr.splitlines()
    assert "Traceback" not in web.stderr


def test_flask_commands_print_a_bad_setting_as_one_line_not_a_traceback(tmp_path):
    env = {"APP_ENV": "production", "DATABASE_URL": f"sqlite:///{tmp_path}/x.db"}
    routes = _run([sys.executable, "-m", "flask", "--app", "app", "routes"], env)
    assert routes.returncode == 0 and "/whatsapp" in routes.stdout and "Traceback" not in routes.stderr
    bad = _run([sys.executable, "-m", "flask", "--app", "app", "routes"], {**env, "TIMEZONE": "Mars/Olympus"})
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert bad.stderr.strip().splitlines() == ["Error: TIMEZONE is not a known time zone: 'Mars/Olympus'"]


def test_migrations_need_only_the_database_url_in_production(tmp_path):
    result = _run([sys.executable, "-m", "flask", "--app", "app", "db", "upgrade"],
                  {"APP_ENV": "production", "DATABASE_URL": f"sqlite:///{tmp_path}/prod.db"})
    assert result.returncode == 0, result.stderr
    assert "applied: 0001_initial" in result.stdout


@pytest.mark.parametrize("env, message", [
    ({"TIMEZONE": "Mars/Olympus"}, "TIMEZONE"),
    ({"REMINDER_LEADS": "soon"}, "REMINDER_LEADS"),
    ({"CONVERSATION_TIMEOUT": "30"}, "CONVERSATION_TIMEOUT"),
    ({"ADMIN_PHONES": "+5511900000001,12"}, "ADMIN_PHONES"),
    ({"APP_ENV": "staging"}, "APP_ENV"),
])
def test_malformed_settings_are_named(env, message):
    with pytest.raises(ConfigError, match=message):
        Settings.load(environ=env)


def test_settings_from_the_environment():
    settings = Settings.load(environ={"REMINDER_LEADS": "2h, 24h,30m", "ADMIN_PHONES": "11 98888-7777, +5521999990000",
                                      "CONVERSATION_TIMEOUT": "45m", "TIMEZONE": "America/Manaus"})
    assert settings.reminder_leads == (dt.timedelta(hours=24), dt.timedelta(hours=2), dt.timedelta(minutes=30))
    assert settings.admin_phones == ("+5511988887777", "+5521999990000")
    assert settings.conversation_timeout == dt.timedelta(minutes=45)
    assert str(settings.timezone) == "America/Manaus"
    assert settings.database_url == "sqlite:///agendador.db" and settings.app_env == "development"


# --- migrations ------------------------------------------------------------------------------------

def test_migrations_applied_twice_change_nothing_the_second_time(app, db):
    assert pending() == []
    assert upgrade() == []
    assert diff_models(database.obj, list(MODELS)).create_tables == []


def test_the_schema_matches_the_models(app, db):
    diff = diff_models(database.obj, list(MODELS))
    assert not diff.create_tables and not diff.add_columns and not diff.drop_columns
    assert not diff.add_indexes, diff.add_indexes


def test_two_processes_upgrading_at_once_apply_each_migration_once(backend, tmp_path, request):
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path}/fresh.db"
    else:
        url = request.getfixturevalue("mysql_schema")
        from tests.conftest import drop_all_tables
        drop_all_tables(url)
    processes = [subprocess.Popen([sys.executable, "-m", "flask", "--app", "app", "db", "upgrade"], cwd=ROOT,
                                  env={**os.environ, "DATABASE_URL": url}, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [p.communicate(timeout=120) for p in processes]
    assert [p.returncode for p in processes] == [0, 0], outputs
    stdouts = sorted(out for out, _ in outputs)
    assert stdouts[0].startswith("applied: 0001_initial") or stdouts[1].startswith("applied: 0001_initial")
    assert "schema is up to date\n" in stdouts
    from tests.conftest import _use

    _use(url)
    rows = database.execute_sql("SELECT name FROM schema_migration").fetchall()
    assert sorted(r[0] for r in rows) == sorted(m for m in os.listdir(os.path.join(ROOT, "storage", "migrations"))
                                                  if m[0].isdigit() for m in [m[:-3]])
    assert database.execute_sql("SELECT COUNT(*) FROM professionals").fetchone()[0] == 1
    database.close()
    if backend == "mysql":  # leave the shared schema as the session fixture built it
        drop_all_tables(url)
        from tests.conftest import _migrate
        _migrate(url)


# --- MySQL connection handling ----------------------------------------------------------------------
# These kill one connection, the test's own (KILL <its CONNECTION_ID()>), on the shared server: that
# is exactly "the server dropped this connection", touches no other client, and needs no proxy.
# Tests never stop, restart or reconfigure a server they did not start; a whole-server outage is
# made at a proxy (test_reliability.py).

def test_a_connection_killed_by_the_server_is_replaced(backend, app, client, api):
    if backend != "mysql":
        pytest.skip("server-side KILL is a MySQL matter")
    with app.app_context():
        conn_id = database.execute_sql("SELECT CONNECTION_ID()").fetchone()[0]
        database.close()  # back to the pool
    killer = pymysql.connect(**workers.mysql_params(app.config["SETTINGS"].database_url))
    with killer.cursor() as cursor:
        cursor.execute(f"KILL {int(conn_id)}")
    killer.close()
    response = api.get("/users")
    assert response.status_code == 200 and response.get_json() == []
    with app.app_context():
        assert database.execute_sql("SELECT CONNECTION_ID()").fetchone()[0] != conn_id


def test_a_connection_killed_mid_request_is_retried_by_the_transaction(backend, app, db):
    if backend != "mysql":
        pytest.skip("server-side KILL is a MySQL matter")
    conn_id = database.execute_sql("SELECT CONNECTION_ID()").fetchone()[0]
    killer = pymysql.connect(**workers.mysql_params(app.config["SETTINGS"].database_url))
    with killer.cursor() as cursor:
        cursor.execute(f"KILL {int(conn_id)}")
    killer.close()
    from storage.db import run_in_transaction

    user_id = run_in_transaction(lambda: User.create(name="Ana", phone="+5511988887777").id)
    assert User.get_by_id(user_id).name == "Ana"


def test_emoji_and_accents_survive_the_round_trip(app, db):
    user = User.create(name="Zé 💈🇧🇷 Ñandú", phone="+5511988887777")
    assert User.get_by_id(user.id).name == "Zé 💈🇧🇷 Ñandú"


# --- booking rules --------------------------------------------------------------------------------------

@pytest.fixture
def salon(app, db):
    """Mon-Sat 09:00-12:00 and 13:00-18:00; clock at Monday 07/12/2026 08:00 local."""
    freeze(local(2026, 12, 7, 8, 0))
    for weekday in range(6):
        BusinessHours.create(weekday=weekday, start_minute=9 * 60, end_minute=12 * 60)
        BusinessHours.create(weekday=weekday, start_minute=13 * 60, end_minute=18 * 60)
    return {
        "rules": Rules(tz=SAO_PAULO),
        "corte": Service.create(name="Corte", duration=30),
        "ana": User.create(name="Ana", phone="+5511988887777"),
        "bia": User.create(name="Bia", phone="+5511977776666"),
    }


def test_the_bot_rules_refuse_closed_times_the_past_and_short_notice(salon):
    rules, corte, ana = salon["rules"], salon["corte"], salon["ana"]
    now = clock.now()
    kwargs = dict(user_id=ana.id, service=corte, rules=rules, now=now)
    with pytest.raises(booking.OutsideHours):
        booking.book(start=local(2026, 12, 7, 12, 0), **kwargs)  # lunch
    with pytest.raises(booking.OutsideHours):
        booking.book(start=local(2026, 12, 7, 17, 45), **kwargs)  # would end after closing
    with pytest.raises(booking.OutsideHours):
        booking.book(start=local(2026, 12, 13, 10, 0), **kwargs)  # Sunday
    with pytest.raises(booking.InThePast):
        booking.book(start=local(2026, 12, 6, 10, 0), **kwargs)
    with pytest.raises(booking.TooSoon):
        booking.book(start=local(2026, 12, 7, 9, 30), **kwargs)  # 1h30 from now, notice is 2h
    appointment = booking.book(start=local(2026, 12, 7, 10, 0), **kwargs)
    assert appointment.date == local(2026, 12, 7, 10, 0).astimezone(dt.UTC)
    # An admin may skip the notice, never the hours.
    booking.book(start=local(2026, 12, 7, 9, 30), policy=booking.ADMIN, **kwargs)
    with pytest.raises(booking.OutsideHours):
        booking.book(start=local(2026, 12, 7, 12, 0), policy=booking.ADMIN, **kwargs)


def test_reschedule_frees_the_old_time_only_when_the_new_one_is_won(salon):
    rules, corte, now = salon["rules"], salon["corte"], clock.now()
    mine = booking.book(user_id=salon["ana"].id, service=corte, start=local(2026, 12, 8, 10, 0), rules=rules, now=now)
    theirs = booking.book(user_id=salon["bia"].id, service=corte, start=local(2026, 12, 8, 11, 0), rules=rules, now=now)
    with pytest.raises(booking.SlotTaken):
        booking.reschedule(mine.id, local(2026, 12, 8, 11, 0), rules=rules, now=now)
    assert Appointment.get_by_id(mine.id).date == mine.date  # untouched
    moved = booking.reschedule(mine.id, local(2026, 12, 8, 10, 30), rules=rules, now=now)  # overlaps only itself
    assert moved.date == local(2026, 12, 8, 10, 30).astimezone(dt.UTC) and moved.revision == 2
    # The old 10:00 is free again for someone else.
    booking.book(user_id=salon["bia"].id, service=corte, start=local(2026, 12, 8, 10, 0), rules=rules, now=now)
    booking.cancel(theirs.id, rules=Rules(tz=SAO_PAULO), policy=booking.ADMIN, now=now)
    with pytest.raises(booking.NotBooked):
        booking.reschedule(theirs.id, local(2026, 12, 9, 10, 0), rules=rules, now=now)
    with pytest.raises(booking.NotBooked):
        booking.cancel(theirs.id, rules=Rules(tz=SAO_PAULO), policy=booking.ADMIN, now=now)
    assert Appointment.get_by_id(theirs.id).status == AppointmentStatus.CANCELLED


def test_ten_processes_racing_for_overlapping_times_one_wins(salon, app, backend):
    """10 processes book overlapping times for the one professional at the same moment, in 8
    rounds (one day each): every round has exactly one winner and nine 409s."""
    url = app.config["SETTINGS"].database_url
    user_ids = [User.create(name=f"Cliente {i}", phone=f"+55119888800{i:02d}").id for i in range(10)]
    database.close()
    days = range(8, 16)
    # Process i asks for 14:00 + 5i minutes, 60 minutes long: every pair in a round overlaps.
    jobs = [(url, user_ids[i], [f"2026-12-{d:02d}T14:{i * 5:02d}" for d in days], salon["corte"].id)
            for i in range(10)]
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Manager().Barrier(10)
    with ctx.Pool(10) as pool:
        results = pool.starmap(workers.post_appointments, [(barrier, *job) for job in jobs])
    for round_statuses in zip(*results, strict=True):
        assert sorted(round_statuses) == [201] + [409] * 9, round_statuses
    rows = list(Appointment.select())
    assert len(rows) == len(days) and {r.status for r in rows} == {AppointmentStatus.BOOKED}
    assert workers.overlapping_pairs() == 0
