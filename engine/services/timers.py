"""The scheduler's commands: which cases have a timer due, fire one case's timers,
announce the deadlines that turned yellow or red, and the one-active-scheduler lock.

The scheduler process (``engine.scheduler``) only decides when; these decide what, each in
its own transaction.
"""

from __future__ import annotations

import fcntl
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from sqlalchemy import select, text

from .. import clock
from ..context import Govflow
from ..deadlines.sweep import LIMIT, sweep
from ..models import Case
from ..principal import SYSTEM
from ..runtime.executor import CommandContext, execute
from ..uow import read_only, run_in_transaction
from . import incidents

BATCH = 500
#: Deadline announcements per transaction, and how long one tick keeps announcing before
#: it turns to the timers (a mass transition then cannot delay a due timer).
SWEEP_LIMIT = LIMIT
SWEEP_BUDGET = 1.0
_ADVISORY_KEY = 0x60F10  # "govflow" scheduler leadership


def due_timer_cases(govflow: Govflow, now: datetime) -> list[tuple[int, bool]]:
    """(case id, retrying a failed step) of the cases with a timer due by ``now`` (a batch
    of them): the others first, each group most overdue first.  A case in ``error`` is
    never due (see ``incidents``)."""
    retrying = incidents.retrying(Case.id)
    with read_only(govflow.db) as session:
        return [
            (case_id, bool(again))
            for case_id, again in session.execute(
                select(Case.id, retrying)
                # A suspended case's timers wait until it is resumed (挂起: nothing moves).
                .where(
                    Case.next_timer_at <= now,
                    Case.suspended.is_(False),
                    Case.status.in_(("running", "waiting_applicant")),
                )
                .order_by(retrying, Case.next_timer_at)
                .limit(BATCH)
            )
        ]


def sweep_deadlines(govflow: Govflow, budget: float | None = None) -> int:
    """Announce the deadlines that turned yellow or red since the last sweep, a batch per
    transaction, until none is left or ``budget`` seconds are spent (the rest goes out on
    the next tick, after this tick's timers have fired)."""
    budget = SWEEP_BUDGET if budget is None else budget
    started = time.monotonic()
    announced = 0
    while True:
        batch = len(
            run_in_transaction(govflow.db, lambda session: sweep(session, clock.now(), SWEEP_LIMIT))
        )
        announced += batch
        if batch < SWEEP_LIMIT or time.monotonic() - started >= budget:
            return announced


def fire_timers(govflow: Govflow, case_id: int, retrying: bool = True) -> None:
    """Let the workflow see the time: due timer events fire, the case moves on.

    ``retrying`` says whether the case has a failed step counted (``due_timer_cases``
    knows): only then is there a count to forget, so a healthy fire writes nothing more."""

    def command(ctx: CommandContext) -> None:
        due = ctx.case.next_timer_at
        if due is None or due > clock.now() or ctx.case.suspended:
            return  # fired already (by a previous tick or a twin scheduler)
        ctx.audit("timer_fired", due_at=clock.isoformat(due))
        if retrying:
            incidents.step_passed(ctx.session, ctx.case.id)  # undone if the step fails again

    execute(govflow, case_id, SYSTEM, command)


@contextmanager
def leadership(govflow: Govflow) -> Iterator[None]:
    """Hold the one-active-scheduler lock for as long as the block runs (blocks until
    it is free, so a second scheduler waits as a stand-by)."""
    if govflow.db.is_sqlite:
        path = govflow.settings.data_dir / "scheduler.lock"
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            yield
        return
    with govflow.db.write_engine.connect() as connection:
        connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": _ADVISORY_KEY})
        connection.commit()
        try:
            yield
        finally:
            connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": _ADVISORY_KEY})
            connection.commit()
