"""marshmallow fields of the REST API: each one parses, validates and documents one kind of value.

Error messages are fragments ("is required", "must be ..."): api.validation puts the field's
name in front of the first one."""
from __future__ import annotations

import datetime as dt
from typing import Any

from flask import current_app
from marshmallow import fields
from marshmallow.validate import Range

from storage import money, phones
from storage.names import clean_name

MAX_ID = 2**31 - 1  # the database's INT
# Every moment the API takes stays inside MySQL's DATETIME range, with room for an appointment's
# end and a filter's next day.
EARLIEST = dt.datetime(1000, 1, 1, tzinfo=dt.UTC)
LATEST = dt.datetime(9999, 1, 1, tzinfo=dt.UTC)

REQUIRED = {"required": "is required", "null": "is required"}


def business_timezone() -> dt.tzinfo:
    """The time zone of dates given without an offset, and of every date the API returns."""
    return current_app.config["SETTINGS"].timezone


class Text(fields.String):
    """A string of real characters: JSON escapes can spell a lone surrogate, which no database stores."""

    default_error_messages = {**REQUIRED, "invalid": "must be a string", "surrogate": "must be valid Unicode text"}

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        if any("\ud800" <= char <= "\udfff" for char in text):
            raise self.make_error("surrogate")
        return text


class Id(fields.Integer):
    """A database id: a JSON integer from 1 to 2**31 - 1."""

    default_error_messages = {**REQUIRED, "invalid": "must be a positive integer"}

    def __init__(self, **kwargs: Any):
        super().__init__(strict=True, validate=Range(1, MAX_ID, error="must be a positive integer"), **kwargs)


class Count(fields.Integer):
    """A whole number within [low, high]; the message says so."""

    def __init__(self, low: int, high: int, *, message: str, **kwargs: Any):
        super().__init__(strict=True, validate=Range(low, high, error=message),
                         error_messages={**REQUIRED, "invalid": message}, **kwargs)


class Name(Text):
    """A person's name under storage.names' rule, stored with its spaces collapsed."""

    def __init__(self, max_len: int, **kwargs: Any):
        self.max_len = max_len
        metadata = {"minLength": 2, "maxLength": max_len, **kwargs.pop("metadata", {})}
        super().__init__(metadata=metadata, error_messages={
            "name": f"must be 2 to {max_len} characters with at least two letters, "
                    "and no control or invisible characters"}, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        name = clean_name(super()._deserialize(value, attr, data, **kwargs), self.max_len)
        if name is None:
            raise self.make_error("name")
        return name


class Phone(Text):
    """A phone number as people write it (a national one reads as Brazilian), loaded as E.164."""

    MIN, MAX = 8, 32

    def __init__(self, **kwargs: Any):
        metadata = {"minLength": self.MIN, "maxLength": self.MAX, **kwargs.pop("metadata", {})}
        super().__init__(metadata=metadata, error_messages={
            "phone": "must be a phone number, like +5511999999999"}, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        e164 = phones.normalize(text) if self.MIN <= len(text) <= self.MAX else None
        if e164 is None:
            raise self.make_error("phone")
        return e164


class When(Text):
    """An ISO 8601 date-time, in business local time when it has no offset, loaded as an aware UTC datetime.

    `bare_date` says what a date without a time means: refused (None), that day's start
    ("start"), or the next day's start ("end", so that `to=2026-12-08` includes that day)."""

    default_error_messages = {
        "when": "must be an ISO 8601 date-time",
        "time": "must include a time, like 2026-12-24T14:30",
        "range": "is out of range",
    }

    def __init__(self, *, bare_date: str | None = None, **kwargs: Any):
        if bare_date not in (None, "start", "end"):
            raise ValueError(f"bare_date: {bare_date!r}")
        self.bare_date = bare_date
        shape = ({"format": "date-time"} if bare_date is None else
                 {"anyOf": [{"format": "date"}, {"format": "date-time"}]})
        super().__init__(metadata={**shape, **kwargs.pop("metadata", {})}, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> dt.datetime:
        text = super()._deserialize(value, attr, data, **kwargs).strip()
        if not text or len(text) > 40:
            raise self.make_error("when")
        try:
            moment = self._parse(text)
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=business_timezone())
            moment = moment.astimezone(dt.UTC)
        except (OverflowError, ValueError):
            raise self.make_error("range") from None
        if not EARLIEST <= moment < LATEST:
            raise self.make_error("range")
        return moment

    def _parse(self, text: str) -> dt.datetime:
        if len(text) == 10:  # YYYY-MM-DD
            if self.bare_date is None:
                raise self.make_error("time")
            try:
                day = dt.date.fromisoformat(text)
            except ValueError:
                raise self.make_error("when") from None
            if self.bare_date == "end":
                day += dt.timedelta(days=1)  # OverflowError on 9999-12-31
            return dt.datetime.combine(day, dt.time(0))
        try:
            return dt.datetime.fromisoformat(text)
        except ValueError:
            raise self.make_error("when") from None


class LocalTime(fields.DateTime):
    """A stored UTC moment, written in ISO 8601 with the business offset."""

    def _serialize(self, value: dt.datetime | None, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        return None if value is None else value.astimezone(business_timezone()).isoformat()


class Amount(fields.Field):
    """Centavos (an int) written as a decimal string in reais, `"45.00"`, or null when unknown:
    exact, and never read as a float by a client."""

    def __init__(self, **kwargs: Any):
        metadata = {"type": "string", "pattern": r"^[0-9]+\.[0-9]{2}$", "example": "45.00",
                    **kwargs.pop("metadata", {})}
        super().__init__(metadata=metadata, **kwargs)

    def _serialize(self, value: int | None, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        return money.decimal_point(value)


class Percent(fields.Field):
    """Basis points (an int) written as a decimal string, `"37.50"`, or null when none is set."""

    def __init__(self, **kwargs: Any):
        metadata = {"type": "string", "pattern": r"^[0-9]{1,3}\.[0-9]{2}$", "example": "40.00",
                    **kwargs.pop("metadata", {})}
        super().__init__(metadata=metadata, **kwargs)

    def _serialize(self, value: int | None, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        return money.percent_point(value)
