"""The REST API: users, services, professionals and appointments (see CONTRACT.md, HTTP)."""
from __future__ import annotations

import datetime as dt
import hmac
import logging
from typing import Any

import peewee
from flask import Blueprint, current_app, jsonify, request

from api.errors import ApiError, error
from storage import booking, clock, phones
from storage.availability import Rules
from storage.folding import fold
from storage.models import MAX_DURATION, Appointment, AppointmentStatus, Professional, Service, User

logger = logging.getLogger(__name__)

bp = Blueprint("api", __name__)

MAX_PAGE = 1000


@bp.before_request
def require_token():
    if request.endpoint == "api.openapi":
        return None
    expected = current_app.config["SETTINGS"].api_token
    header = request.headers.get("Authorization", "")
    scheme, _, given = header.partition(" ")
    ok = bool(expected) and scheme.lower() == "bearer" and hmac.compare_digest(
        given.strip().encode(), expected.encode())
    if not ok:
        response, status = error(401, "Unauthorized")
        response.headers["WWW-Authenticate"] = 'Bearer realm="agendador"'
        return response, status
    return None


@bp.get("/openapi.json")
def openapi():
    from api.openapi import spec

    return jsonify(spec())


# --- input ---------------------------------------------------------------------------------

def json_body() -> dict[str, Any]:
    if not request.is_json:
        raise ApiError(415, "Send JSON with Content-Type: application/json")
    data = request.get_json(silent=True)
    if data is None:
        raise ApiError(400, "Body is not valid JSON")
    if not isinstance(data, dict):
        raise ApiError(400, "Body must be a JSON object")
    return data


def positive_id(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise ApiError(400, f"{name} must be a positive integer")
    try:
        number = int(value)
    except ValueError:
        raise ApiError(400, f"{name} must be a positive integer") from None
    if not 0 < number < 2**31:
        raise ApiError(400, f"{name} must be a positive integer")
    return number


def parse_moment(value: Any, name: str, *, date_only_end: bool = False,
                 require_time: bool = False) -> dt.datetime:
    """ISO 8601; without an offset it is business local time. A bare date is that day's start
    (or, with `date_only_end`, the next day's start)."""
    if not isinstance(value, str) or not value.strip() or len(value) > 40:
        raise ApiError(400, f"{name} must be an ISO 8601 date-time")
    text = value.strip()
    tz = current_app.config["SETTINGS"].timezone
    try:
        if len(text) == 10:
            if require_time:
                raise ApiError(400, f"{name} must include a time, like 2026-12-24T14:30")
            day = dt.date.fromisoformat(text)
            if date_only_end:
                day += dt.timedelta(days=1)
            return dt.datetime.combine(day, dt.time(0), tzinfo=tz)
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise ApiError(400, f"{name} must be an ISO 8601 date-time") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=tz)
    try:
        return moment.astimezone(dt.UTC)
    except (OverflowError, ValueError):
        raise ApiError(400, f"{name} is out of range") from None


def iso_local(moment: dt.datetime) -> str:
    return moment.astimezone(current_app.config["SETTINGS"].timezone).isoformat()


# --- representations -------------------------------------------------------------------------

def user_json(user: User) -> dict[str, Any]:
    return {"id": user.id, "name": user.name, "phone": user.phone}


def appointment_json(appointment: Appointment) -> dict[str, Any]:
    return {
        "id": appointment.id,
        "user_id": appointment.user_id,
        "date": iso_local(appointment.date),
        "end": iso_local(appointment.end),
        "type": appointment.type,
        "duration": appointment.duration,
        "status": appointment.status.value,
        "service_id": appointment.service_id,
        "professional_id": appointment.professional_id,
        "confirmed": appointment.confirmed_at is not None,
    }


# --- users ------------------------------------------------------------------------------------

@bp.get("/users")
def list_users():
    users = User.select().order_by(User.id)
    return jsonify([user_json(u) for u in users])


@bp.post("/users")
def create_user():
    data = json_body()
    name = data.get("name")
    phone = data.get("phone")
    if name is None or phone is None:
        raise ApiError(400, "name and phone are required")
    if not isinstance(name, str) or not 1 <= len(name.strip()) <= 100:
        raise ApiError(400, "name must be a string of 1 to 100 characters")
    if isinstance(phone, bool) or not isinstance(phone, (str, int)):
        raise ApiError(400, "phone must be a phone number, like +5511999999999")
    e164 = phones.normalize(str(phone))
    if e164 is None:
        raise ApiError(400, "phone is not a valid phone number")
    try:
        user = User.create(name=name.strip(), phone=e164, created_at=clock.now())
    except peewee.IntegrityError:
        raise ApiError(409, "A user with this phone already exists") from None
    return jsonify({"message": "User created", "id": user.id}), 201


@bp.get("/users/<int:user_id>")
def get_user(user_id: int):
    user = User.get_or_none(User.id == user_id)
    if user is None:
        raise ApiError(404, "User not found")
    return jsonify(user_json(user))


# --- services and professionals ------------------------------------------------------------------

@bp.get("/services")
def list_services():
    services = Service.select().where(Service.active == True).order_by(Service.id)  # noqa: E712
    return jsonify([{"id": s.id, "name": s.name, "duration": s.duration, "active": s.active}
                    for s in services])


@bp.get("/professionals")
def list_professionals():
    professionals = Professional.select().order_by(Professional.id)
    return jsonify([{"id": p.id, "name": p.name, "active": p.active} for p in professionals])


# --- appointments --------------------------------------------------------------------------------

@bp.get("/appointments")
def list_appointments():
    query = Appointment.select()
    args = request.args
    if "user_id" in args:
        query = query.where(Appointment.user == positive_id(args["user_id"], "user_id"))
    if "from" in args:
        query = query.where(Appointment.date >= parse_moment(args["from"], "from"))
    if "to" in args:
        query = query.where(Appointment.date < parse_moment(args["to"], "to", date_only_end=True))
    if "status" in args:
        try:
            status = AppointmentStatus(args["status"])
        except ValueError:
            raise ApiError(400, "status must be one of: booked, cancelled, done, no_show") from None
        query = query.where(Appointment.status == status)
    limit = positive_id(args.get("limit", MAX_PAGE), "limit")
    offset = args.get("offset", "0")
    if not offset.isdigit() or len(offset) > 9:
        raise ApiError(400, "offset must be a non-negative integer")
    query = query.order_by(Appointment.date, Appointment.id).limit(min(limit, MAX_PAGE)).offset(int(offset))
    return jsonify([appointment_json(a) for a in query])


@bp.get("/appointments/<int:appointment_id>")
def get_appointment(appointment_id: int):
    appointment = Appointment.get_or_none(Appointment.id == appointment_id)
    if appointment is None:
        raise ApiError(404, "Appointment not found")
    return jsonify(appointment_json(appointment))


def _service_named(name: str) -> Service | None:
    wanted = fold(name)
    services = list(Service.select().order_by(Service.active.desc(), Service.id))
    return next((s for s in services if fold(s.name) == wanted), None)


@bp.post("/appointments")
def create_appointment():
    data = json_body()
    # 400: everything about the input itself, before looking anything up.
    for field in ("user_id", "date"):
        if data.get(field) is None:
            raise ApiError(400, f"{field} is required")
    if data.get("service_id") is None and data.get("type") is None:
        raise ApiError(400, "type or service_id is required")
    user_id = positive_id(data["user_id"], "user_id")
    start = parse_moment(data["date"], "date", require_time=True)
    now = clock.now()
    if start <= now:
        raise ApiError(400, "date is in the past")
    duration = data.get("duration")
    if duration is not None and (isinstance(duration, bool) or not isinstance(duration, int)
                                 or not 0 < duration <= MAX_DURATION.total_seconds() // 60):
        raise ApiError(400, "duration must be a whole number of minutes, from 1 to 480")
    professional_id = data.get("professional_id")
    if professional_id is not None:
        professional_id = positive_id(professional_id, "professional_id")
    service = None
    if data.get("service_id") is not None:
        service_id = positive_id(data["service_id"], "service_id")
    else:
        if not isinstance(data["type"], str) or not data["type"].strip():
            raise ApiError(400, "type must name a service")
        service = _service_named(data["type"])
        if service is None:
            raise ApiError(400, "type names no service")
    # 404: the things it refers to.
    if not User.select().where(User.id == user_id).exists():
        raise ApiError(404, "User not found")
    if service is None:
        service = Service.get_or_none(Service.id == service_id)
        if service is None:
            raise ApiError(404, "Service not found")
    if professional_id is not None and not Professional.select().where(
            Professional.id == professional_id).exists():
        raise ApiError(404, "Professional not found")
    # 409: the database decides.
    rules = Rules.from_settings(current_app.config["SETTINGS"])
    candidates = None
    if professional_id is None:  # "any": whoever performs the service and is free, fairly
        candidates = [p.id for p in Professional.performing(service.id)]
        if not candidates:
            raise ApiError(409, "No active professional performs this service")
    try:
        appointment = booking.book(user_id=user_id, service=service, start=start, rules=rules,
                                   now=now, professional_id=professional_id, professional_ids=candidates,
                                   duration=duration, policy=booking.API, source="api")
    except booking.SlotTaken:
        raise ApiError(409, "The time overlaps another booked appointment") from None
    except booking.InThePast:
        raise ApiError(400, "date is in the past") from None
    except booking.NotFound as exc:
        raise ApiError(404, f"{exc.what.capitalize()} not found") from None
    return jsonify({"message": "Appointment created", "id": appointment.id}), 201


@bp.delete("/appointments/<int:appointment_id>")
def cancel_appointment(appointment_id: int):
    appointment = Appointment.get_or_none(Appointment.id == appointment_id)
    if appointment is None:
        raise ApiError(404, "Appointment not found")
    if appointment.status == AppointmentStatus.CANCELLED:
        return jsonify({"message": "Appointment cancelled", "id": appointment_id})
    try:
        booking.cancel(appointment_id, rules=Rules.from_settings(current_app.config["SETTINGS"]), now=clock.now(),
                       policy=booking.API, notify=True)
    except booking.NotBooked:
        refreshed = Appointment.get_by_id(appointment_id)
        if refreshed.status == AppointmentStatus.CANCELLED:
            return jsonify({"message": "Appointment cancelled", "id": appointment_id})
        raise ApiError(409, f"Appointment is {refreshed.status.value}, not booked") from None
    return jsonify({"message": "Appointment cancelled", "id": appointment_id})
