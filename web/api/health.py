"""``GET /api/health``: for load balancers, container health checks and monitoring; no
token, nothing personal in it."""

from __future__ import annotations

from flask import Blueprint

from engine.services import health

from ..schemas.health import Health
from .common import engine
from .operation import operation

bp = Blueprint("health", __name__)


@bp.get("/api/health")
@operation(
    "Liveness of the database and the scheduler (no token); 503 with the same body when "
    "the database does not answer",
    tag="health",
    answer=Health,
    also=(503,),
    public=True,
)
def health_check():  # noqa: ANN201
    report = health.check(engine())
    # A stale scheduler is "degraded" but the web side still serves (200); without the
    # database nothing works, and the balancer should take this worker out (503).
    return report.as_json(), 200 if report.database_up else 503
