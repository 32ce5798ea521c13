"""GET /metrics: Prometheus text format, behind the API's bearer token (metrics.py says what
is in it and how it stays correct across processes)."""
from __future__ import annotations

from flask import Blueprint, Response

import metrics
from api.routes import require_token
from storage import clock

bp = Blueprint("metrics", __name__)
bp.before_request(require_token)


@bp.get("/metrics")
def scrape():
    return Response(metrics.exposition(clock.now()), content_type=metrics.CONTENT_TYPE_LATEST)
