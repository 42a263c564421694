"""``GET /api/health``: for load balancers, container health checks and monitoring; no
token, nothing personal in it."""

from __future__ import annotations

from flask import Blueprint

from engine.services import health

from .common import engine

bp = Blueprint("health", __name__)


@bp.get("/api/health")
def health_check():  # noqa: ANN201
    report = health.check(engine())
    # A stale scheduler is "degraded" but the web side still serves (200); without the
    # database nothing works, and the balancer should take this worker out (503).
    return report.as_json(), 200 if report.database_up else 503
