"""GET /openapi.json: flask-smorest builds the OpenAPI 3.1 document from the routes and schemas.

Nothing here describes a field or a path by hand; this module only names the document, declares
the bearer scheme and documents the error answers (api/errors.py), which flask-smorest cannot see."""
from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import flask_smorest
from flask import Flask

from api.schemas import ErrorSchema

DESCRIPTION = ("Users, services, professionals and appointments of the business. "
               "Every call but this description needs `Authorization: Bearer <API_TOKEN>`. "
               "Dates are ISO 8601; without an offset they are business local time.")

UNAUTHORIZED_HEADERS = {"WWW-Authenticate": {"description": "Bearer", "schema": {"type": "string"}}}


class Api(flask_smorest.Api):
    """flask-smorest's Api, documenting errors as the `{"error": "..."}` that api/errors.py answers."""

    ERROR_SCHEMA = ErrorSchema
    # No catch-all "default" answer: each operation lists every status it can give.
    DEFAULT_ERROR_RESPONSE_NAME = None


def init_app(app: Flask) -> Api:
    """Serves the document at /openapi.json (public) and returns the Api to register blueprints on."""
    app.config.update(
        API_TITLE="Agendador WhatsApp API", API_VERSION="1.0.0", OPENAPI_VERSION="3.1.0",
        OPENAPI_URL_PREFIX="/", OPENAPI_JSON_PATH="openapi.json",
        API_SPEC_OPTIONS={"info": {"description": DESCRIPTION}, "security": [{"bearer": []}]},
    )
    api = Api(app)
    api.spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    return api


def errors(blueprint: flask_smorest.Blueprint, described: Mapping[int, str]) -> Callable[[Any], Any]:
    """Documents an operation's error answers; 401 (no token) and 503 (no database) go on every one."""
    answers = {401: "Missing or wrong bearer token", **described, 503: "The database is unreachable"}

    def decorate(view: Any) -> Any:
        for status, description in sorted(answers.items()):
            headers = UNAUTHORIZED_HEADERS if status == 401 else None
            view = blueprint.alt_response(status, schema=ErrorSchema, description=description, headers=headers)(view)
        return view

    return decorate
