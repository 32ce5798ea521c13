"""The REST API's bodies, query arguments and answers, written once: flask-smorest validates
requests with these schemas and builds /openapi.json from them."""
from __future__ import annotations

import datetime as dt
import re
from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields, pre_load, validates, validates_schema
from marshmallow.validate import Length

from api.fields import MAX_ID, Amount, Count, Id, LocalTime, Name, Percent, Phone, Text, When
from storage import clock, revenue
from storage.models import MAX_DURATION, AppointmentStatus, Service, User

MAX_PAGE = 1000
MAX_MINUTES = int(MAX_DURATION.total_seconds() // 60)
REPORT_EARLIEST, REPORT_LATEST = dt.date(1900, 1, 1), dt.date(9000, 12, 31)
_DIGITS = re.compile(r"[0-9]{1,10}")  # ASCII only: str.isdigit() also takes "²", which int() refuses


class ErrorSchema(Schema):
    """Every error answer: a short message, never an internal detail."""

    error = fields.String(required=True)


class ResultSchema(Schema):
    """What a write did, and to which row."""

    message = fields.String(required=True)
    id = fields.Integer(required=True)


# --- requests ----------------------------------------------------------------------------------

class _Body(Schema):
    class Meta:
        unknown = EXCLUDE  # integrators may send more than we read


class NewUserSchema(_Body):
    """POST /users."""

    name = Name(User.name.max_length, required=True,
                metadata={"description": "At least two letters; no control or invisible characters. "
                                         "Runs of spaces are stored as one."})
    phone = Phone(required=True, metadata={"description": "E.164, or a Brazilian national number; "
                                                          "it must be a real number (400 otherwise)"})


class NewAppointmentSchema(_Body):
    """POST /appointments. A null optional field counts as absent."""

    user_id = Id(required=True)
    date = When(required=True, metadata={"description": "ISO 8601 date-time; without an offset, business local "
                                                        "time. A date in the past is refused (400)."})
    type = Text(allow_none=True, validate=Length(1, Service.name.max_length, error="must name a service"),
                metadata={"description": "A service's name (or give service_id)"})
    service_id = Id(allow_none=True)
    duration = Count(1, MAX_MINUTES, allow_none=True,
                     message=f"must be a whole number of minutes, from 1 to {MAX_MINUTES}",
                     metadata={"description": "minutes; the service's duration when absent"})
    professional_id = Id(allow_none=True, metadata={
        "description": "Absent: any professional who performs the service and is free, "
                       "the one with the fewest bookings that day"})

    @validates("date")
    def _not_past(self, value: Any, **kwargs: Any) -> None:
        if value <= clock.now():
            raise ValidationError("is in the past")

    @validates_schema
    def _names_a_service(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data.get("type") is None and data.get("service_id") is None:
            raise ValidationError("type or service_id is required")


class AppointmentFiltersSchema(Schema):
    """GET /appointments query arguments."""

    user_id = Id()
    since = When(data_key="from", bare_date="start", metadata={"description": "Starts at or after (date or date-time)"})
    until = When(data_key="to", bare_date="end",
                 metadata={"description": "Starts before (a bare date includes that day)"})
    status = fields.Enum(AppointmentStatus, by_value=fields.String,
                         error_messages={"unknown": "must be one of: {choices}"})
    limit = Count(1, MAX_ID, load_default=MAX_PAGE,
                  message="must be a positive integer",
                  metadata={"description": f"At most {MAX_PAGE} are returned per call"})
    offset = Count(0, 999_999_999, load_default=0, message="must be a non-negative integer")

    @pre_load
    def _digits_are_numbers(self, data: Any, **kwargs: Any) -> dict[str, Any]:
        """A query string has only text: its whole-number arguments are read here, digits only."""
        numbers = {field.data_key or name for name, field in self.fields.items() if isinstance(field, fields.Integer)}
        return {key: int(value) if key in numbers and isinstance(value, str) and _DIGITS.fullmatch(value) else value
                for key, value in data.items()}


# --- answers -----------------------------------------------------------------------------------

class UserSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    phone = fields.String(required=True, allow_none=True, metadata={
        "description": "E.164, or null when WhatsApp hides the number behind a username",
        "pattern": r"^\+[1-9][0-9]{6,15}$"})
    whatsapp_id = fields.String(required=True, allow_none=True, metadata={
        "description": "the WhatsApp user id (business-scoped, like BR.1A2B3C), or null when unknown",
        "pattern": r"^[A-Z]{2}\.(ENT\.)?[A-Za-z0-9]{1,128}$"})


class ServiceSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    duration = fields.Integer(required=True, metadata={"description": "minutes"})
    active = fields.Boolean(required=True)
    price = Amount(attribute="price_cents", allow_none=True,
                   metadata={"description": "Price in reais as a decimal string (\"45.00\"), null when none is set"})


class ProfessionalSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    active = fields.Boolean(required=True)


class AppointmentSchema(Schema):
    id = fields.Integer(required=True)
    user_id = fields.Integer(required=True)
    date = LocalTime(required=True, metadata={"description": "Start, ISO 8601 with the business offset"})
    end = LocalTime()
    type = fields.String(required=True, metadata={"description": "The service's name"})
    duration = fields.Integer(required=True, metadata={"description": "minutes"})
    status = fields.Enum(AppointmentStatus, by_value=fields.String, required=True)
    service_id = fields.Integer()
    professional_id = fields.Integer()
    confirmed = fields.Function(lambda appointment: appointment.confirmed_at is not None,
                                metadata={"type": "boolean", "description": "The customer confirmed it"})
    price = Amount(attribute="price_cents", allow_none=True, metadata={
        "description": "The service's price when it was booked (a later change of price leaves it), "
                       "in reais as a decimal string; null when the service had none"})
    charged = Amount(attribute="charged_cents", allow_none=True, metadata={
        "description": "What the owner recorded as actually charged (`cobrado`), null until then"})


# --- the revenue report -------------------------------------------------------------------------

class RevenueQuerySchema(Schema):
    """GET /reports/revenue query arguments: local days, both included."""

    first = fields.Date(data_key="from", required=True, error_messages={
        "required": "is required", "invalid": "must be a date like 2026-11-01"},
        metadata={"description": "First local day (YYYY-MM-DD), included"})
    last = fields.Date(data_key="to", required=True, error_messages={
        "required": "is required", "invalid": "must be a date like 2026-11-30"},
        metadata={"description": f"Last local day (YYYY-MM-DD), included; at most {revenue.MAX_DAYS} days "
                                 "after `from`"})

    @validates_schema
    def _bounded(self, data: dict[str, Any], **kwargs: Any) -> None:
        for key, name in (("first", "from"), ("last", "to")):
            if not REPORT_EARLIEST <= data[key] <= REPORT_LATEST:
                raise ValidationError({name: ["is out of range"]})
        if data["first"] > data["last"]:
            raise ValidationError({"to": ["must not be before from"]})
        if (data["last"] - data["first"]).days + 1 > revenue.MAX_DAYS:
            raise ValidationError({"to": [f"must be at most {revenue.MAX_DAYS} days from from"]})


class RevenueRowSchema(Schema):
    """One attended appointment or no-show."""

    id = fields.Integer(required=True)
    start = LocalTime(required=True, metadata={"description": "ISO 8601 with the business offset"})
    customer = fields.String(required=True, allow_none=True)
    service = fields.String(required=True)
    professional_id = fields.Integer(required=True)
    professional = fields.String(required=True)
    status = fields.Enum(AppointmentStatus, by_value=fields.String, required=True,
                         metadata={"description": "`done` (attended) or `no_show`"})
    price = Amount(attribute="price_cents", required=True, allow_none=True,
                   metadata={"description": "The price when booked"})
    charged = Amount(attribute="charged_cents", required=True, allow_none=True,
                     metadata={"description": "The amount recorded as charged"})
    revenue = Amount(attribute="revenue_cents", required=True,
                     metadata={"description": "Attended: charged, else the price, else 0.00; a no-show: 0.00"})
    lost = Amount(attribute="lost_cents", required=True, metadata={"description": "A no-show's price"})
    commission_percent = Percent(attribute="commission_bp", required=True, allow_none=True,
                                 metadata={"description": "The professional's commission now"})
    commission = Amount(attribute="commission_cents", required=True,
                        metadata={"description": "Of the revenue, rounded half up to the centavo"})


class RevenueFiguresSchema(Schema):
    attended = fields.Integer(required=True)
    revenue = Amount(attribute="revenue_cents", required=True)
    no_shows = fields.Integer(required=True)
    lost = Amount(attribute="lost_cents", required=True)
    commission = Amount(attribute="commission_cents", required=True)
    unpriced = fields.Integer(required=True, metadata={"description": "Attended with neither price nor charge"})


class RevenueTotalsSchema(RevenueFiguresSchema):
    unmarked = fields.Integer(required=True, metadata={
        "description": "Booked appointments already started, marked neither attended nor no-show"})


class RevenueProfessionalSchema(RevenueFiguresSchema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    commission_percent = Percent(attribute="commission_bp", required=True, allow_none=True)


class RevenueReportSchema(Schema):
    """GET /reports/revenue. Amounts are decimal strings in reais (BRL)."""

    first = fields.Date(data_key="from", required=True)
    last = fields.Date(data_key="to", required=True)
    currency = fields.Constant("BRL", required=True)
    rows = fields.List(fields.Nested(RevenueRowSchema), required=True)
    totals = fields.Nested(RevenueTotalsSchema, required=True)
    professionals = fields.List(fields.Nested(RevenueProfessionalSchema), required=True)
