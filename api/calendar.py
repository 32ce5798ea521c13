"""GET /calendar/<token>.ics: the iCalendar (RFC 5545) feed of the business's appointments, or of
one professional's, built with the `icalendar` library. The token is the secret (storage/calendar_feeds.py);
an unknown one is a bare 404.

Each appointment is one VEVENT whose UID never changes, timed in the business time zone (TZID
with its VTIMEZONE, so calendar apps show local time across daylight-saving changes), with a
SEQUENCE that grows with each reschedule and with the final status, and STATUS:CANCELLED once
cancelled, so subscribed calendars update or drop it. The business feed names each event's
professional when there are several.
"""
from __future__ import annotations

import datetime as dt
import logging

import icalendar
from flask import Blueprint, Response, current_app

from bot import texts
from storage import calendar_feeds, clock
from storage.models import Appointment, AppointmentStatus, CalendarFeed, Professional

logger = logging.getLogger(__name__)

bp = Blueprint("calendar", __name__)

PRODID = "-//Agendador WhatsApp//Agenda//PT"
UID_DOMAIN = "agendador-whatsapp"
REFRESH = dt.timedelta(minutes=15)  # how often calendar apps are asked to read the feed again


def uid(appointment_id: int) -> str:
    """The event's UID: the same in every feed and for the appointment's whole life."""
    return f"appointment-{appointment_id}@{UID_DOMAIN}"


def sequence(appointment: Appointment) -> int:
    """RFC 5545 SEQUENCE: 0 when booked, +1 per reschedule (revision), +1 once it is no longer booked."""
    return appointment.revision - 1 + (appointment.status != AppointmentStatus.BOOKED)


def first_name(name: str | None) -> str:
    return (name or texts.NO_NAME).split()[0]


def render(feed: CalendarFeed, now: dt.datetime) -> bytes:
    """The feed as iCalendar bytes (one database query for the appointments)."""
    settings = current_app.config["SETTINGS"]
    tz = settings.timezone
    business_feed = feed.professional_id is None
    named = business_feed and Professional.several()  # "com João" only where there is a choice
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    owner = None if business_feed else feed.professional.name
    calendar.add("x-wr-calname", texts.calendar_name(settings.business_name, owner))
    calendar.add("x-wr-timezone", tz.key)
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", REFRESH)
    for appointment in calendar_feeds.appointments(feed, now):
        event = icalendar.Event()
        event.add("uid", uid(appointment.id))
        event.add("dtstamp", appointment.updated_at)
        event.add("created", appointment.created_at)
        event.add("last-modified", appointment.updated_at)
        event.add("dtstart", appointment.date.astimezone(tz))
        event.add("dtend", appointment.end.astimezone(tz))
        event.add("summary", texts.calendar_event_summary(
            first_name(appointment.user.name), appointment.type, appointment.id,
            appointment.professional.name if named else None))
        event.add("status", "CANCELLED" if appointment.status == AppointmentStatus.CANCELLED else "CONFIRMED")
        event.add("sequence", sequence(appointment))
        event.add("transp", "TRANSPARENT" if appointment.status == AppointmentStatus.CANCELLED else "OPAQUE")
        calendar.add_component(event)
    first, last = (now - calendar_feeds.PAST).date(), (now + calendar_feeds.AHEAD).date()
    calendar.add_missing_timezones(first_date=first - dt.timedelta(days=366), last_date=last + dt.timedelta(days=366))
    return calendar.to_ical()


@bp.get("/calendar/<token>.ics")
def feed(token: str):
    found = calendar_feeds.find(token)
    if found is None:
        return Response("Not Found", status=404, mimetype="text/plain")
    body = render(found, clock.now())
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Disposition"] = 'inline; filename="agenda.ics"'
    response.headers["Cache-Control"] = "private, max-age=60"
    return response
