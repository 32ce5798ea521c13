"""`flask --app app understand "TEXT" [--now ISO-8601]`: the contract's command, on a real database.

It prints one JSON object with the keys intent, service, professional, date, time and window, read
against the business's own services, professionals and opening hours."""
from __future__ import annotations

import datetime as dt
import json

import pytest

from storage import clock
from storage.models import BusinessHours, Professional, Service

MONDAY_MORNING = "2026-03-09T10:00:00-03:00"
KEYS = ["intent", "service", "professional", "date", "time", "window"]


@pytest.fixture
def understand(app):
    """understand(text, *options) -> the JSON object printed, after checking it is the only line."""
    runner = app.test_cli_runner()

    def run(text: str, *options: str) -> dict:
        result = runner.invoke(args=["understand", text, *options])
        assert result.exit_code == 0, result.output
        lines = result.output.strip().splitlines()
        assert len(lines) == 1, result.output
        return json.loads(lines[0])

    return run


@pytest.fixture
def demo(app):
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output


def test_a_one_message_request_on_the_demo_business(demo, understand):
    reading = understand("quero marcar corte amanhã às 3", "--now", MONDAY_MORNING)
    assert list(reading) == KEYS
    assert reading == {"intent": "book", "service": "Corte", "professional": None, "date": "2026-03-10",
                       "time": "15:00", "window": None}


def test_a_part_of_the_day_is_a_window(demo, understand):
    reading = understand("sexta à tarde", "--now", MONDAY_MORNING)
    assert (reading["date"], reading["time"], reading["window"]) == ("2026-03-13", None, ["12:00", "18:00"])


def test_nothing_read_is_all_nulls(demo, understand):
    assert understand("sexta que vem", "--now", MONDAY_MORNING) == dict.fromkeys(KEYS)


def test_now_is_read_in_the_business_time_zone(demo, understand):
    # 02:00 UTC on Tuesday is still Monday 23:00 in São Paulo: "amanhã" is Tuesday
    assert understand("amanhã", "--now", "2026-03-10T02:00:00+00:00")["date"] == "2026-03-10"
    assert understand("amanhã", "--now", "2026-03-09T23:00:00")["date"] == "2026-03-10"  # naive: local


def test_now_defaults_to_the_current_time(demo, understand):
    clock.set_now(dt.datetime(2026, 3, 9, 13, 0, tzinfo=dt.UTC))  # 10:00 in São Paulo
    assert understand("hoje")["date"] == "2026-03-09"


def test_a_bad_now_is_refused(app):
    result = app.test_cli_runner().invoke(args=["understand", "amanhã", "--now", "ontem à noite"])
    assert result.exit_code == 2
    assert "--now" in result.output


def test_the_business_own_names_and_hours_are_read(db, understand):
    Service.create(name="Pigmentação", duration=45, active=True)
    Service.create(name="Luzes", duration=90, active=False)
    Professional.create(name="Thiago", active=True)
    BusinessHours.insert_many([dict(professional=None, weekday=w, start_minute=18 * 60, end_minute=23 * 60)
                               for w in range(7)]).execute()
    reading = understand("pigmentasao com o tiago às 9", "--now", MONDAY_MORNING)
    assert (reading["service"], reading["professional"], reading["time"]) == ("Pigmentação", "Thiago", "21:00")
    assert understand("luzes", "--now", MONDAY_MORNING)["service"] is None  # not offered


def test_an_empty_business_still_reads_days_and_times(app, understand):
    reading = understand("amanhã às 15h", "--now", MONDAY_MORNING)
    assert (reading["date"], reading["time"]) == ("2026-03-10", "15:00")
    assert understand("às 3", "--now", MONDAY_MORNING)["time"] is None  # no hours to tell 03:00 from 15:00


def test_explain_adds_what_was_left_unsure(demo, app):
    result = app.test_cli_runner().invoke(args=["understand", "crote às 8", "--now", MONDAY_MORNING, "--explain"])
    reading = json.loads(result.output)
    assert reading["service"] is None and reading["service_guess"] == "Corte"
    assert reading["time_options"] == ["08:00", "20:00"]
