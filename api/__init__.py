"""The JSON REST API (bearer token) and the public health and OpenAPI endpoints."""
from __future__ import annotations

from flask import Flask

from api import errors, headers, health, openapi, reports, routes


def init_app(app: Flask) -> None:
    """Registers the API, /openapi.json, /healthz, the JSON errors and the security headers."""
    api = openapi.init_app(app)
    api.register_blueprint(routes.bp)
    api.register_blueprint(reports.bp)
    app.register_blueprint(health.bp)
    errors.init_app(app)  # after flask-smorest's own handler, which it replaces: every error is {"error": ...}
    headers.init_app(app)
