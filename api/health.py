"""GET /healthz: is the app up, and can it reach its database?"""
from __future__ import annotations

import logging

from flask import Blueprint, jsonify

from storage.db import database

logger = logging.getLogger(__name__)

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    try:
        database.execute_sql("SELECT 1").fetchone()
    except Exception as exc:  # any failure to answer means "not ready"
        logger.warning("health check: database unreachable (%s)", type(exc).__name__)
        return jsonify({"status": "error", "database": "unreachable"}), 503
    return jsonify({"status": "ok", "database": "ok"})
