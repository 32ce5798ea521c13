"""The JSON REST API (bearer token) and the public health and OpenAPI endpoints."""
from __future__ import annotations

from flask import Flask

from api import errors, headers, health, routes


def init_app(app: Flask) -> None:
    app.register_blueprint(routes.bp)
    app.register_blueprint(health.bp)
    errors.init_app(app)
    headers.init_app(app)
