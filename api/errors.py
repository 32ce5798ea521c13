"""JSON errors for the API: a short message, never an internal detail."""
from __future__ import annotations

import logging

import peewee
from flask import Flask, jsonify, request
from werkzeug.exceptions import HTTPException

from storage.db import is_unavailable

logger = logging.getLogger(__name__)


class ApiError(Exception):
    """An expected problem with the request, answered as {"error": message} with `status`."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def error(status: int, message: str):
    return jsonify({"error": message}), status


def _wants_json() -> bool:
    return not request.path.startswith(("/whatsapp", "/dev"))


def init_app(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def api_error(exc: ApiError):
        return error(exc.status, exc.message)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        if not _wants_json():
            return exc
        response, status = error(exc.code or 500, exc.name)
        for name, value in exc.get_headers():  # keeps Allow on a 405
            if name.lower() != "content-type":
                response.headers[name] = value
        return response, status

    @app.errorhandler(peewee.PeeweeException)
    def database_error(exc: peewee.PeeweeException):
        if is_unavailable(exc):
            logger.warning("database unavailable: %s", type(exc).__name__)
            return error(503, "Database unavailable")
        logger.error("database error on %s %s", request.method, request.path, exc_info=exc)
        return error(500, "Internal server error")

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        logger.error("unhandled error on %s %s", request.method, request.path, exc_info=exc)
        return error(500, "Internal server error")
