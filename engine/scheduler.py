"""The scheduler: the only process that fires timers and deadline transitions.

The database holds every due time; this process only notices what has fallen due.  It
polls every second (APScheduler interval job), so nothing fires more than about a second
late, and a restart simply finds whatever fell due meanwhile.

* BPMN timers touch the workflow, so each case with a due timer is one engine command
  under its case lock.
* Deadline states (ok → warning → overdue) are read from their instants, so nothing has
  to move for them to show; the set-based sweep (``deadlines.sweep``) announces each
  transition once (audit event, supervisor notice), with row locks instead of case locks.

Firing is idempotent — each command re-checks under its lock whether the thing is still
due, and the sweep only moves rows whose state is still the old one — so two schedulers
started by mistake cannot double-fire; on top of that only one of them is active at a
time (a PostgreSQL advisory lock, or a file lock beside the SQLite database).
"""

from __future__ import annotations

import fcntl
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, text

from . import clock
from .app import Govflow
from .deadlines.sweep import LIMIT, sweep
from .errors import GovflowError
from .models import Case
from .principal import SYSTEM
from .runtime.executor import CaseSession, execute
from .services import incidents
from .uow import read_only, run_in_transaction

log = logging.getLogger("govflow.scheduler")

BATCH = 500
#: How long one tick keeps retrying failed steps: due timers of the other cases come first
#: in each tick, so a wave of retries cannot hold them up; the rest waits for the next tick.
RETRY_BUDGET = 1.0
#: Deadline announcements per transaction, and how long one tick keeps announcing before
#: it turns to the timers (a mass transition then cannot delay a due timer).
SWEEP_LIMIT = LIMIT
SWEEP_BUDGET = 1.0
_ADVISORY_KEY = 0x60F10  # "govflow" scheduler leadership


@dataclass
class TickReport:
    deadlines: int = 0
    timers: int = 0
    errors: int = 0


def _due_timer_cases(app: Govflow, now: datetime) -> list[tuple[int, bool]]:
    """(case id, retrying a failed step) of the cases with a due timer: the others first,
    each group oldest first.  A case in ``error`` is never due (see ``incidents``)."""
    retrying = incidents.retrying(Case.id)
    with read_only(app.db) as session:
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


def sweep_deadlines(app: Govflow, budget: float | None = None) -> int:
    """Announce the deadlines that turned yellow or red since the last sweep, a batch per
    transaction, until none is left or ``budget`` seconds are spent (the rest goes out on
    the next tick, after this tick's timers have fired)."""
    budget = SWEEP_BUDGET if budget is None else budget
    started = time.monotonic()
    announced = 0
    while True:
        batch = len(
            run_in_transaction(app.db, lambda session: sweep(session, clock.now(), SWEEP_LIMIT))
        )
        announced += batch
        if batch < SWEEP_LIMIT or time.monotonic() - started >= budget:
            return announced


def fire_timers(app: Govflow, case_id: int) -> None:
    """Let the workflow see the time: due timer events fire, the case moves on."""

    def command(cs: CaseSession) -> None:
        due = cs.case.next_timer_at
        if due is None or due > clock.now() or cs.case.suspended:
            return  # fired already (by a previous tick or a twin scheduler)
        cs.audit("timer_fired", due_at=clock.isoformat(due))
        incidents.step_passed(cs.session, cs.case.id)  # undone if the step fails again

    execute(app, case_id, SYSTEM, command)


def tick(app: Govflow) -> TickReport:
    """One sweep: everything due now fires once."""
    now = clock.now()
    report = TickReport()
    try:
        report.deadlines = sweep_deadlines(app)
    except Exception:  # noqa: BLE001 - logged; the next tick sweeps again
        log.exception("deadline sweep failed")
        report.errors += 1
    started = time.monotonic()
    for case_id, retrying in _due_timer_cases(app, now):
        if retrying and time.monotonic() - started >= RETRY_BUDGET:
            break  # the other retries wait for the next tick
        report.errors += not _safely(fire_timers, app, case_id)
        report.timers += 1
    if report.timers or report.deadlines or report.errors:
        log.info(
            "timers fired: %d, deadline transitions announced: %d, errors: %d",
            report.timers,
            report.deadlines,
            report.errors,
        )
    return report


def _safely(fire, app: Govflow, case_id: int) -> bool:  # noqa: ANN001
    """One broken case must not stop the scheduler for every other case: its failure is
    counted (retried after a pause, then an incident), and the tick goes on."""
    try:
        fire(app, case_id)
        return True
    except GovflowError as exc:
        log.warning("case %s: %s %s", case_id, exc.code, exc.message)
        failure: Exception = exc
    except Exception as exc:  # noqa: BLE001 - logged and counted; see above
        log.exception("case %s: firing failed", case_id)
        failure = exc
    try:
        incidents.step_failed(app, case_id, failure)
    except Exception:  # noqa: BLE001 - the database itself failing: the next tick retries
        log.exception("case %s: the failure could not be recorded", case_id)
    return False


@contextmanager
def leadership(app: Govflow) -> Iterator[None]:
    """Hold the one-active-scheduler lock for as long as the block runs (blocks until
    it is free, so a second scheduler waits as a stand-by)."""
    if app.db.is_sqlite:
        path = app.settings.data_dir / "scheduler.lock"
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            yield
        return
    with app.db.write_engine.connect() as connection:
        connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": _ADVISORY_KEY})
        connection.commit()
        try:
            yield
        finally:
            connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": _ADVISORY_KEY})
            connection.commit()


def run(app: Govflow, interval: float = 1.0) -> None:
    """Run until interrupted: a tick every ``interval`` seconds, never two at once."""
    from apscheduler.schedulers.blocking import BlockingScheduler

    with leadership(app):
        log.info("scheduler active")
        scheduler = BlockingScheduler(timezone="UTC")
        scheduler.add_job(
            tick,
            "interval",
            args=[app],
            seconds=interval,
            max_instances=1,
            coalesce=True,
            next_run_time=clock.now(),
        )
        try:
            scheduler.start()
        except (KeyboardInterrupt, SystemExit):
            pass
