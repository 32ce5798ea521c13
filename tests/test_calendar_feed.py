"""Calendar feeds: `agenda link` sends the owner (or a professional) a secret iCalendar URL; the
feed, parsed back with the `icalendar` library, matches the database."""
from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import icalendar
import pytest

from bot import texts
from storage import booking, calendar_feeds, clock
from storage.availability import Rules
from storage.db import database
from storage.demo import seed_demo
from storage.models import Appointment, AppointmentStatus, AuditLog, CalendarFeed, Professional, Service, User
from tests.helpers import ADMIN_PHONE, SAO_PAULO, freeze, local, sign
from tests.helpers import WhatsApp as Twilio

PUBLIC_URL = "https://agenda.example.com"
ANA = "+5511988887777"
BIA = "+5511977776666"
JOAO_PHONE = "+5511955554444"
MONDAY = local(2026, 12, 7, 8, 0)
URL = re.compile(r"https://agenda\.example\.com(/calendar/[A-Za-z0-9_-]+\.ics)")


class WhatsApp(Twilio):
    """Signed as Twilio signs behind PUBLIC_URL."""

    def post(self, form: dict, signature: str | None = None):
        return super().post(form, sign(PUBLIC_URL + "/whatsapp", form) if signature is None else signature)


@pytest.fixture
def config(config):
    config["public_url"] = PUBLIC_URL
    return config


@pytest.fixture
def shop(app, db):
    freeze(MONDAY)
    seed_demo()
    return app


@pytest.fixture
def owner(shop, client):
    return WhatsApp(client, ADMIN_PHONE)


def person(phone: str, name: str) -> User:
    return User.get_or_none(User.phone == phone) or User.create(name=name, phone=phone)


def book(user: User, start: dt.datetime, service: str = "Corte", professional: Professional | None = None,
         tz: ZoneInfo = SAO_PAULO) -> Appointment:
    return booking.book(user_id=user.id, service=Service.get(Service.name == service), start=start,
                        rules=Rules(tz=tz), now=clock.now(), policy=booking.API,
                        professional_id=professional.id if professional else None)


def book_past(user: User, start: dt.datetime, **kwargs) -> Appointment:
    """An appointment that has already happened: booked with the clock set before it."""
    now = clock.now()
    freeze(start - dt.timedelta(days=1))
    try:
        return book(user, start, **kwargs)
    finally:
        freeze(now)


def link_path(reply: str) -> str:
    match = URL.search(reply)
    assert match, reply
    return match.group(1)


def parse(client, path: str) -> icalendar.Calendar:
    response = client.get(path)
    assert response.status_code == 200, response.data
    assert response.mimetype == "text/calendar"
    return icalendar.Calendar.from_ical(response.data)


def events(calendar: icalendar.Calendar) -> dict[int, icalendar.Event]:
    found = {}
    for event in calendar.walk("VEVENT"):
        match = re.fullmatch(r"appointment-(\d+)@agendador-whatsapp", str(event["uid"]))
        assert match, event["uid"]
        found[int(match.group(1))] = event
    return found


def check_against_database(event: icalendar.Event, appointment: Appointment, tz: ZoneInfo, named: bool) -> None:
    appointment = Appointment.get_by_id(appointment.id)
    start, end = event.decoded("dtstart"), event.decoded("dtend")
    assert start == appointment.date and end == appointment.end  # the same moments
    assert start.tzinfo.key == tz.key and event["dtstart"].params["TZID"] == tz.key
    customer = User.get_by_id(appointment.user_id)
    professional = Professional.get_by_id(appointment.professional_id)
    assert str(event["summary"]) == texts.calendar_event_summary(
        customer.name.split()[0], appointment.type, appointment.id, professional.name if named else None)
    cancelled = appointment.status == AppointmentStatus.CANCELLED
    assert str(event["status"]) == ("CANCELLED" if cancelled else "CONFIRMED")
    assert int(event["sequence"]) == appointment.revision - 1 + (appointment.status != AppointmentStatus.BOOKED)


# --- the business feed -------------------------------------------------------------------------------------

def test_the_owners_feed_matches_the_database_with_cancellations_and_reschedules(owner, client):
    equipe = Professional.get()
    joao = Professional.create(name="João", active=True)
    ana, bia = person(ANA, "Ana Souza"), person(BIA, "Bia")
    kept = book(ana, local(2026, 12, 8, 9, 0), professional=equipe)
    cancelled = book(bia, local(2026, 12, 8, 10, 0), "Barba", professional=joao)
    moved = book(bia, local(2026, 12, 9, 15, 0), professional=equipe)
    old = book_past(ana, local(2026, 10, 1, 9, 0), professional=joao)  # history
    rules = Rules(tz=SAO_PAULO)
    booking.cancel(cancelled.id, rules=rules, now=clock.now(), policy=booking.ADMIN)
    booking.reschedule(moved.id, local(2026, 12, 10, 16, 0), rules=rules, now=clock.now(), policy=booking.ADMIN)
    booking.reschedule(moved.id, local(2026, 12, 11, 11, 0), rules=rules, now=clock.now(), policy=booking.ADMIN)

    reply = owner.send("agenda link")
    path = link_path(reply)
    assert reply == texts.calendar_link(PUBLIC_URL + path, None, rotated=False)
    calendar = parse(client, path)
    assert str(calendar["x-wr-calname"]) == "Barbearia Teste"
    assert [tz["tzid"] for tz in calendar.walk("VTIMEZONE")] == ["America/Sao_Paulo"]
    found = events(calendar)
    # Every appointment of the window, each once, whatever its status.
    assert set(found) == {kept.id, cancelled.id, moved.id, old.id}
    for appointment in (kept, cancelled, moved, old):
        check_against_database(found[appointment.id], appointment, SAO_PAULO, named=True)
    assert str(found[cancelled.id]["status"]) == "CANCELLED"
    assert int(found[moved.id]["sequence"]) == 2  # rescheduled twice
    assert found[moved.id].decoded("dtstart") == local(2026, 12, 11, 11, 0)
    assert str(found[kept.id]["summary"]) == f"Ana - Corte com Equipe #{kept.id}"
    # The same link every time it is asked for, and every ask is audited.
    assert link_path(owner.send("agenda link")) == path
    assert AuditLog.select().where((AuditLog.action == "agenda") & (AuditLog.actor == ADMIN_PHONE)).count() == 2


def test_the_feed_keeps_a_bounded_window(owner, client):
    ana = person(ANA, "Ana")
    inside = [book_past(ana, MONDAY - calendar_feeds.PAST + dt.timedelta(days=1)),
              book(ana, MONDAY + calendar_feeds.AHEAD - dt.timedelta(days=1))]
    outside = [book_past(ana, MONDAY - calendar_feeds.PAST - dt.timedelta(days=1)),
               book(ana, MONDAY + calendar_feeds.AHEAD + dt.timedelta(days=1))]
    found = events(parse(client, link_path(owner.send("agenda link"))))
    assert set(found) == {a.id for a in inside} and not set(found) & {a.id for a in outside}


def test_a_year_of_a_busy_shop_is_one_query(owner, client, monkeypatch):
    ana = person(ANA, "Ana")
    corte = Service.get(Service.name == "Corte")
    equipe = Professional.get()
    start = MONDAY - dt.timedelta(days=80)
    rows = []
    for day in range(440):  # 80 days back, 360 ahead: 12 a day
        for slot in range(12):
            begins = start + dt.timedelta(days=day, minutes=40 * slot)
            rows.append(dict(user=ana.id, professional=equipe.id, service=corte.id, date=begins,
                             end=begins + dt.timedelta(minutes=30), type="Corte", duration=30,
                             status=AppointmentStatus.BOOKED, revision=1, scheduled_at=MONDAY, source="api",
                             created_at=MONDAY, updated_at=MONDAY))
    with database.atomic():
        for i in range(0, len(rows), 500):
            Appointment.insert_many(rows[i:i + 500]).execute()
    path = link_path(owner.send("agenda link"))
    statements = []
    real = database.obj.execute_sql

    def counting(sql, params=None, *args, **kwargs):
        statements.append(sql)
        return real(sql, params, *args, **kwargs)

    monkeypatch.setattr(database.obj, "execute_sql", counting)
    found = events(parse(client, path))
    monkeypatch.undo()
    assert len(found) == len(rows)
    appointment_queries = [s for s in statements if "appointments" in s]
    assert len(appointment_queries) == 1, statements  # no query per appointment
    assert len(statements) <= 3, statements  # the token, the appointments with their joins


# --- time zones ---------------------------------------------------------------------------------------------

NEW_YORK = ZoneInfo("America/New_York")


@pytest.fixture
def new_york(config):
    config["timezone"] = NEW_YORK
    return config


def test_times_stay_local_across_a_daylight_saving_change(new_york, owner, client):
    # New York moves its clocks forward on Sunday 14/03/2027 at 02:00.
    freeze(dt.datetime(2027, 3, 10, 12, 0, tzinfo=NEW_YORK))
    ana = person(ANA, "Ana")
    before = book(ana, dt.datetime(2027, 3, 13, 10, 0, tzinfo=NEW_YORK), tz=NEW_YORK)  # EST, UTC-5
    after = book(ana, dt.datetime(2027, 3, 15, 10, 0, tzinfo=NEW_YORK), tz=NEW_YORK)  # EDT, UTC-4
    assert Appointment.get_by_id(before.id).date.hour == 15 and Appointment.get_by_id(after.id).date.hour == 14
    calendar = parse(client, link_path(owner.send("agenda link")))
    found = events(calendar)
    for appointment in (before, after):
        event = found[appointment.id]
        check_against_database(event, appointment, NEW_YORK, named=False)
        assert event.decoded("dtstart").replace(tzinfo=None) == dt.datetime(2027, 3, 13 if appointment is before else 15, 10, 0)
    assert found[before.id].decoded("dtstart").utcoffset() == dt.timedelta(hours=-5)
    assert found[after.id].decoded("dtstart").utcoffset() == dt.timedelta(hours=-4)
    # The VTIMEZONE the feed carries (what a calendar app without the zone database reads) agrees.
    (vtimezone,) = calendar.walk("VTIMEZONE")
    assert vtimezone["tzid"] == "America/New_York"
    from_feed = vtimezone.to_tz()
    for appointment in (before, after):
        local_wall = found[appointment.id].decoded("dtstart").replace(tzinfo=None)
        assert local_wall.replace(tzinfo=from_feed).astimezone(dt.UTC) == Appointment.get_by_id(appointment.id).date


# --- a professional's own feed ---------------------------------------------------------------------------

def test_a_professional_gets_a_feed_of_only_their_appointments(shop, client):
    equipe = Professional.get()
    joao = Professional.create(name="João Pedro", active=True, phone=JOAO_PHONE)
    ana, bia = person(ANA, "Ana"), person(BIA, "Bia Lima")
    mine = [book(ana, local(2026, 12, 8, 9, 0), professional=joao),
            book(bia, local(2026, 12, 9, 9, 0), professional=joao)]
    book(bia, local(2026, 12, 8, 9, 0), professional=equipe)
    reply = WhatsApp(client, JOAO_PHONE).send("agenda link")
    path = link_path(reply)
    assert reply == texts.calendar_link(PUBLIC_URL + path, "João Pedro", rotated=False)
    calendar = parse(client, path)
    found = events(calendar)
    assert set(found) == {a.id for a in mine}
    for appointment in mine:
        check_against_database(found[appointment.id], appointment, SAO_PAULO, named=False)
    assert str(calendar["x-wr-calname"]) == "Barbearia Teste - João Pedro"
    # Not the owner's feed: a different token.
    owner_path = link_path(WhatsApp(client, ADMIN_PHONE).send("agenda link"))
    assert owner_path != path and len(events(parse(client, owner_path))) == 3
    feed = CalendarFeed.get(CalendarFeed.professional == joao.id)
    assert feed.scope == f"professional:{joao.id}"


def test_a_customer_who_types_agenda_link_gets_no_link(shop, client):
    reply = WhatsApp(client, ANA, "Ana").send("agenda link")
    assert "/calendar/" not in reply and CalendarFeed.select().count() == 0


# --- rotation and refusals ------------------------------------------------------------------------------

def test_agenda_link_novo_rotates_and_the_old_url_stops_working(owner, client):
    book(person(ANA, "Ana"), local(2026, 12, 8, 9, 0))
    old = link_path(owner.send("agenda link"))
    assert client.get(old).status_code == 200
    reply = owner.send("agenda link novo")
    new = link_path(reply)
    assert reply == texts.calendar_link(PUBLIC_URL + new, None, rotated=True)
    assert new != old
    gone = client.get(old)
    assert gone.status_code == 404 and gone.data == b"Not Found"
    assert len(events(parse(client, new))) == 1
    assert link_path(owner.send("agenda link")) == new


def test_unknown_tokens_get_a_bare_404(shop, client):
    for path in ("/calendar/nope.ics", "/calendar/" + "a" * 500 + ".ics", "/calendar/%00.ics", "/calendar/.ics"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert b"calendar" not in response.data.lower() and b"token" not in response.data.lower()


def test_agenda_link_without_public_url_explains_how_to_set_it(owner, client, app):
    app.config["SETTINGS"].public_url = None
    reply = Twilio(client, ADMIN_PHONE).send("agenda link")  # signed for the URL called, as without a proxy
    token = CalendarFeed.get(CalendarFeed.scope == "business").token
    assert reply == texts.calendar_link_no_public_url(f"/calendar/{token}.ics")
    assert "PUBLIC_URL" in reply
    assert client.get(f"/calendar/{token}.ics").status_code == 200


def test_the_agenda_command_still_shows_days(owner):
    assert owner.send("agenda amanhã").startswith("📅 *terça-feira, 08/12/2026*")
    assert owner.send("agenda 25/12").startswith("📅 *sexta-feira, 25/12/2026*")
    assert owner.send("agenda link de novo") == texts.admin_usage("agenda")
    assert CalendarFeed.select().count() == 0
    assert [a.detail.split(":")[0] for a in AuditLog.select().order_by(AuditLog.id)] == ["ok", "ok", "usage"]
