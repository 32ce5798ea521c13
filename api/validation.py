"""How the API reads a request: webargs (under flask-smorest) with the answers the contract names.

A body must be a JSON object (415 when it is not JSON at all, 413 past MAX_BODY), and an
invalid field is a 400 `{"error": "<field> <what is wrong>"}` rather than webargs' 422."""
from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, NoReturn

import flask
import flask_smorest
from marshmallow import Schema, ValidationError
from webargs.flaskparser import FlaskParser

from api.errors import ApiError

# A user or an appointment is a few hundred bytes. The bound still leaves room for the JSON
# nesting that json.loads refuses (RecursionError), so that it is answered as invalid JSON.
MAX_BODY = 128 * 1024


class ApiParser(FlaskParser):
    """webargs' Flask parser, answering bad input the API's way."""

    DEFAULT_VALIDATION_STATUS = 400

    def load_json(self, req: flask.Request, schema: Schema) -> Any:
        """The body as a JSON object; 415, 413 or 400 otherwise."""
        if not req.is_json:
            raise ApiError(415, "Send JSON with Content-Type: application/json")
        req.max_content_length = MAX_BODY  # werkzeug raises 413 rather than read past it
        try:
            data = json.loads(req.get_data(cache=True))
        except (ValueError, RecursionError):  # RecursionError: nested too deep to parse
            raise ApiError(400, "Body is not valid JSON") from None
        if not isinstance(data, dict):
            raise ApiError(400, "Body must be a JSON object")
        return data

    def handle_error(self, error: ValidationError, req: flask.Request, schema: Schema, *,
                     error_status_code: int | None, error_headers: Mapping[str, str] | None) -> NoReturn:
        """Answers 400 with the first problem, in the order the schema declares its fields."""
        (by_field,) = error.messages.values()  # webargs files them under the location: {"json": {...}}
        raise ApiError(400, first_message(by_field, schema))


def first_message(messages: Any, schema: Schema) -> str:
    """One short message from marshmallow's error dict: the field's name, then what is wrong."""
    if not isinstance(messages, dict):
        return _text(messages)
    keys = [field.data_key or name for name, field in schema.fields.items()]
    for key in keys + [k for k in messages if k not in keys and k != "_schema"]:
        if key in messages:
            return f"{key} {_text(messages[key])}"
    return _text(messages.get("_schema", "is invalid"))


def _text(message: Any) -> str:
    while isinstance(message, (list, dict)) and message:
        message = message[0] if isinstance(message, list) else next(iter(message.values()))
    return str(message) if message else "is invalid"


class Blueprint(flask_smorest.Blueprint):
    """flask-smorest's Blueprint, reading requests with ApiParser."""

    ARGUMENTS_PARSER = ApiParser()
