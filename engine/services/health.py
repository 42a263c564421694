"""Is govflow working?  The scheduler's heartbeat and the database, as one query.

The scheduler stamps its heartbeat row on every tick (``record_tick``); a scheduler killed
with ``kill -9`` stops stamping, so "no tick for a minute" is how a dead or stuck scheduler
shows — on ``GET /api/health`` for the operator's monitoring, and as a red banner on the
supervisors' and administrators' pages.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError

from .. import clock
from ..context import Govflow
from ..models import SchedulerHeartbeat
from ..uow import read_only, run_in_transaction

log = logging.getLogger("govflow.health")


@dataclass(frozen=True)
class Health:
    database_up: bool
    scheduler_alive: bool
    #: The latest tick of any scheduler (None: none ever ticked, or the database is down).
    last_tick_at: datetime | None

    @property
    def ok(self) -> bool:
        return self.database_up and self.scheduler_alive

    def as_json(self) -> dict[str, Any]:
        """The answer of ``GET /api/health`` (API.md "Health")."""
        return {
            "status": "ok" if self.ok else "degraded",
            "database": "ok" if self.database_up else "down",
            "scheduler": {
                "alive": self.scheduler_alive,
                "last_tick_at": clock.isoformat(self.last_tick_at),
            },
        }


def check(govflow: Govflow) -> Health:
    """The database answers, and some scheduler ticked within the staleness threshold
    (``Settings.scheduler_stale_seconds``, a minute by default)."""
    try:
        with read_only(govflow.db) as session:
            last = session.scalar(select(func.max(SchedulerHeartbeat.ticked_at)))
    except DBAPIError:
        log.warning("health check: the database does not answer", exc_info=True)
        return Health(database_up=False, scheduler_alive=False, last_tick_at=None)
    stale_after = timedelta(seconds=govflow.settings.scheduler_stale_seconds)
    alive = last is not None and clock.now() - last <= stale_after
    return Health(database_up=True, scheduler_alive=alive, last_tick_at=last)


def record_tick(govflow: Govflow, process: str, started_at: datetime) -> None:
    """Stamp ``process``'s heartbeat now (its row is created on its first tick)."""

    def stamp(session) -> None:  # noqa: ANN001
        now = clock.now()
        row = session.get(SchedulerHeartbeat, process)
        if row is None:
            session.add(SchedulerHeartbeat(process=process, started_at=started_at, ticked_at=now))
        else:
            row.ticked_at = now

    run_in_transaction(govflow.db, stamp)
