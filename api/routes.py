"""The REST API: users, services, professionals and appointments (see CONTRACT.md, HTTP).

Requests are read and answers written by the schemas in api/schemas.py, which also make the
OpenAPI document; the views hold what needs the database."""
from __future__ import annotations

import hmac
import logging
from typing import Any

from flask import current_app, request
from flask.views import MethodView

from api.errors import ApiError, error
from api.fields import MAX_ID
from api.openapi import errors
from api.schemas import (
    MAX_PAGE,
    AppointmentFiltersSchema,
    AppointmentSchema,
    NewAppointmentSchema,
    NewUserSchema,
    ProfessionalSchema,
    ResultSchema,
    ServiceSchema,
    UserSchema,
)
from api.validation import Blueprint
from storage import booking, clock, people
from storage.availability import Rules
from storage.db import run_in_transaction
from storage.folding import fold
from storage.models import Appointment, AppointmentStatus, Professional, Service, User

logger = logging.getLogger(__name__)

bp = Blueprint("api", __name__, description="Users, services, professionals and appointments")

# Larger ids match no route (404) rather than overflow the database. One view class per path keeps
# it 404 for every method: werkzeug answers 405 when a path has rules for other methods.
ID = f"int(min=1, max={MAX_ID})"


@bp.before_request
def require_token():
    """Answers 401 (with WWW-Authenticate) before anything else unless the bearer token is right."""
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


# --- users ------------------------------------------------------------------------------------

@bp.route("/users")
class Users(MethodView):
    @errors(bp, {})
    @bp.response(200, UserSchema(many=True), description="All users")
    @bp.doc(operationId="listUsers")
    def get(self):
        """List users"""
        return User.registered_ones().order_by(User.id)

    @bp.arguments(NewUserSchema)
    @errors(bp, {400: "A field is missing or invalid", 409: "The phone is already registered",
                 413: "The body is too large", 415: "The body is not JSON"})
    @bp.response(201, ResultSchema, description="Created")
    @bp.doc(operationId="createUser")
    def post(self, new: dict[str, Any]):
        """Create a user"""
        def register() -> int | None:
            # Someone who wrote without giving a name is registered under the name given here.
            person = User.identify(new["phone"], None, clock.now())
            return person.id if people.register(person.id, new["name"], clock.now()) else None

        user_id = run_in_transaction(register)
        if user_id is None:
            raise ApiError(409, "A user with this phone already exists")
        return {"message": "User created", "id": user_id}


@bp.route(f"/users/<{ID}:user_id>")
class UserById(MethodView):
    @errors(bp, {404: "No such user"})
    @bp.response(200, UserSchema, description="The user")
    @bp.doc(operationId="getUser")
    def get(self, user_id: int):
        """Get a user"""
        user = User.registered_ones().where(User.id == user_id).first()
        if user is None:
            raise ApiError(404, "User not found")
        return user


# --- services and professionals ------------------------------------------------------------------

@bp.route("/services")
class Services(MethodView):
    @errors(bp, {})
    @bp.response(200, ServiceSchema(many=True), description="Active services")
    @bp.doc(operationId="listServices")
    def get(self):
        """List active services"""
        return Service.select().where(Service.active == True).order_by(Service.id)  # noqa: E712


@bp.route("/professionals")
class Professionals(MethodView):
    @errors(bp, {})
    @bp.response(200, ProfessionalSchema(many=True), description="Professionals")
    @bp.doc(operationId="listProfessionals")
    def get(self):
        """List professionals"""
        return Professional.select().order_by(Professional.id)


# --- appointments --------------------------------------------------------------------------------

@bp.route("/appointments")
class Appointments(MethodView):
    @bp.arguments(AppointmentFiltersSchema, location="query")
    @errors(bp, {400: "A filter is invalid"})
    @bp.response(200, AppointmentSchema(many=True), description="Appointments")
    @bp.doc(operationId="listAppointments")
    def get(self, filters: dict[str, Any]):
        """List appointments, oldest first"""
        query = Appointment.select()
        if "user_id" in filters:
            query = query.where(Appointment.user == filters["user_id"])
        if "since" in filters:
            query = query.where(Appointment.date >= filters["since"])
        if "until" in filters:
            query = query.where(Appointment.date < filters["until"])
        if "status" in filters:
            query = query.where(Appointment.status == filters["status"])
        return (query.order_by(Appointment.date, Appointment.id)
                .limit(min(filters["limit"], MAX_PAGE)).offset(filters["offset"]))

    @bp.arguments(NewAppointmentSchema)
    @errors(bp, {400: "A field is missing or invalid, the date is past, or the type names no service",
                 404: "Unknown user, service or professional",
                 409: "Overlaps another booked appointment of the professional "
                      "(or, with no professional_id, no one who performs the service is free)",
                 413: "The body is too large", 415: "The body is not JSON"})
    @bp.response(201, ResultSchema, description="Created")
    @bp.doc(operationId="createAppointment",
            description="Not bound by opening hours. Errors are checked in this order: "
                        "400 invalid input, 404 unknown references, 409 overlap.")
    def post(self, new: dict[str, Any]):
        """Book an appointment"""
        return book(new)


@bp.route(f"/appointments/<{ID}:appointment_id>")
class AppointmentById(MethodView):
    @errors(bp, {404: "No such appointment"})
    @bp.response(200, AppointmentSchema, description="The appointment")
    @bp.doc(operationId="getAppointment")
    def get(self, appointment_id: int):
        """Get an appointment"""
        appointment = Appointment.get_or_none(Appointment.id == appointment_id)
        if appointment is None:
            raise ApiError(404, "Appointment not found")
        return appointment

    @errors(bp, {404: "No such appointment", 409: "Already done or marked as a no-show"})
    @bp.response(200, ResultSchema, description="Cancelled (also when it already was)")
    @bp.doc(operationId="cancelAppointment")
    def delete(self, appointment_id: int):
        """Cancel an appointment (the customer is notified)"""
        return cancel(appointment_id)


def book(new: dict[str, Any]) -> dict[str, Any]:
    """Books a schema-checked NewAppointment: 400, then 404, then 409, as the contract orders them."""
    # 400: the schema checked the input itself; a service name is the last thing that can be wrong.
    service = None
    if new.get("service_id") is None:
        service = _service_named(new["type"])
        if service is None:
            raise ApiError(400, "type names no service")
    # 404: the things it refers to.
    if not User.select().where(User.id == new["user_id"]).exists():
        raise ApiError(404, "User not found")
    if service is None:
        service = Service.get_or_none(Service.id == new["service_id"])
        if service is None:
            raise ApiError(404, "Service not found")
    professional_id = new.get("professional_id")
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
        appointment = booking.book(user_id=new["user_id"], service=service, start=new["date"], rules=rules,
                                   now=clock.now(), professional_id=professional_id, professional_ids=candidates,
                                   duration=new.get("duration"), policy=booking.API, source="api")
    except booking.SlotTaken:
        raise ApiError(409, "The time overlaps another booked appointment") from None
    except booking.InThePast:
        raise ApiError(400, "date is in the past") from None
    except booking.NotFound as exc:
        raise ApiError(404, f"{exc.what.capitalize()} not found") from None
    return {"message": "Appointment created", "id": appointment.id}


def _service_named(name: str) -> Service | None:
    wanted = fold(name)
    services = list(Service.select().order_by(Service.active.desc(), Service.id))
    return next((s for s in services if fold(s.name) == wanted), None)


def cancel(appointment_id: int) -> dict[str, Any]:
    """Cancels an appointment and notifies the customer; cancelling it again changes nothing."""
    cancelled = {"message": "Appointment cancelled", "id": appointment_id}
    appointment = Appointment.get_or_none(Appointment.id == appointment_id)
    if appointment is None:
        raise ApiError(404, "Appointment not found")
    if appointment.status == AppointmentStatus.CANCELLED:
        return cancelled
    try:
        booking.cancel(appointment_id, rules=Rules.from_settings(current_app.config["SETTINGS"]), now=clock.now(),
                       policy=booking.API, notify=True)
    except booking.NotBooked:
        refreshed = Appointment.get_by_id(appointment_id)
        if refreshed.status == AppointmentStatus.CANCELLED:
            return cancelled
        raise ApiError(409, f"Appointment is {refreshed.status.value}, not booked") from None
    return cancelled
