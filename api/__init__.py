"""The JSON REST API (bearer token) and the public health and OpenAPI endpoints."""
from __future__ import annotations

from flask import Flask

from api import calendar, errors, headers, health, metrics, openapi, reports, routes


def init_app(app: Flask) -> None:
    """Registers the API, /openapi.json, /healthz, /calendar/<token>.ics, /metrics, the JSON errors and the security headers."""
    api = openapi.init_app(app)
    api.register_blueprint(routes.bp)
    api.register_blueprint(reports.bp)
    app.register_blueprint(health.bp)
    app.register_blueprint(calendar.bp)
    app.register_blueprint(metrics.bp)
    errors.init_app(app)  # after flask-smorest's own handler, which it replaces: every error is {"error": ...}
    headers.init_app(app)
