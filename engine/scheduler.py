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

Once a night (``RETENTION_AT``, local time) it drops the serialized workflows of cases
closed longer than the retention period (``services.retention``), then removes the
uploaded files no upload names (``services.upload_sweep``).
Outbound calls (exchange-platform pulls) are jobs (``services.jobs``): a second interval
job of the same process runs them beside the tick, so a platform answering slowly delays
neither timers nor any case's commands.

Every tick first stamps the process's heartbeat (``services.health``): a scheduler that
dies or hangs stops stamping, and ``/api/health`` and the supervisors' pages say so.
"""

from __future__ import annotations

import logging
import os
import socket
import sys
import time
from dataclasses import dataclass
from datetime import datetime

from . import clock
from .context import Govflow
from .errors import GovflowError, database_unreachable
from .reforms import deferrals
from .services import health, incidents, jobs, retention, upload_sweep
from .services.timers import due_timer_cases, fire_timers, leadership, sweep_deadlines
from .verbs import extensions

log = logging.getLogger("govflow.scheduler")

#: How long one tick keeps retrying failed steps: due timers of the other cases come first
#: in each tick, so a wave of retries cannot hold them up; the rest waits for the next tick.
RETRY_BUDGET = 1.0
#: When the nightly retention run starts (hour, minute; local time): offices are closed.
RETENTION_AT = (2, 30)


@dataclass(frozen=True)
class Identity:
    """Which scheduler process ticks, as its heartbeat row names it."""

    process: str
    started_at: datetime

    @classmethod
    def of_this_process(cls) -> Identity:
        return cls(f"{socket.gethostname()}:{os.getpid()}", clock.now())


@dataclass
class TickReport:
    deadlines: int = 0
    timers: int = 0
    errors: int = 0
    deferrals: int = 0
    extensions: int = 0


def tick(govflow: Govflow, me: Identity | None = None) -> TickReport:
    """One sweep: the heartbeat, then everything due now fires once."""
    me = me or Identity.of_this_process()
    now = clock.now()
    report = TickReport()
    try:
        health.record_tick(govflow, me.process, me.started_at)
    except Exception:  # noqa: BLE001 - logged; the health check shows the missing beats
        _failed("heartbeat failed")
        report.errors += 1
    try:
        report.deadlines = sweep_deadlines(govflow)
    except Exception:  # noqa: BLE001 - logged; the next tick sweeps again
        _failed("deadline sweep failed")
        report.errors += 1
    try:  # 容缺: reminders before the date, a window task after it
        report.deferrals = deferrals.sweep(govflow, now)
    except Exception:  # noqa: BLE001 - logged; the next tick sweeps again
        _failed("deferred materials sweep failed")
        report.errors += 1
    try:  # 延期: requests the head never decided expire once too late
        report.extensions = extensions.sweep(govflow, now)
    except Exception:  # noqa: BLE001 - logged; the next tick sweeps again
        _failed("extension sweep failed")
        report.errors += 1
    try:
        due = due_timer_cases(govflow, now)
    except Exception:  # noqa: BLE001 - logged; the next tick reads them again
        _failed("reading the due timers failed")
        report.errors += 1
        due = []
    started = time.monotonic()
    for case_id, retrying in due:
        if retrying and time.monotonic() - started >= RETRY_BUDGET:
            break  # the other retries wait for the next tick
        report.errors += not _safely(fire_timers, govflow, case_id, retrying)
        report.timers += 1
    if report.timers or report.deadlines or report.errors:
        log.info(
            "timers fired: %d, deadline transitions announced: %d, errors: %d",
            report.timers,
            report.deadlines,
            report.errors,
        )
    return report


def _failed(what: str) -> None:
    """Log the step of a tick that just failed: one line while the database is down or
    restarting (every tick fails alike until it is back, and /api/health says so), the
    traceback for anything else."""
    exc = sys.exc_info()[1]
    if exc is not None and database_unreachable(exc):
        log.warning("%s: database unreachable: %s", what, str(exc).splitlines()[0][:200])
    else:
        log.exception(what)


def _safely(fire, govflow: Govflow, case_id: int, retrying: bool) -> bool:  # noqa: ANN001
    """One broken case must not stop the scheduler for every other case: its failure is
    counted (retried after a pause, then an incident), and the tick goes on."""
    try:
        fire(govflow, case_id, retrying)
        return True
    except GovflowError as exc:
        log.warning("case %s: %s %s", case_id, exc.code, exc.message)
        failure: Exception = exc
    except Exception as exc:  # noqa: BLE001 - logged and counted; see above
        if database_unreachable(exc):  # not the case's fault: still due, the next tick fires it
            _failed(f"case {case_id}: firing failed")
            return False
        log.exception("case %s: firing failed", case_id)
        failure = exc
    try:
        incidents.step_failed(govflow, case_id, failure)
    except Exception:  # noqa: BLE001 - the database itself failing: the next tick retries
        log.exception("case %s: the failure could not be recorded", case_id)
    return False


def nightly_retention(govflow: Govflow) -> None:
    """Retention, then the sweep of unnamed uploads: each runs whether or not the other
    failed (they touch different things)."""
    for name, run in (("retention", retention.run), ("upload sweep", upload_sweep.sweep)):
        try:
            report = run(govflow)
        except Exception:  # noqa: BLE001 - logged; the next night runs it again
            log.exception("%s failed", name)
            continue
        log.info("%s: %s", name, report.summary)


def run_jobs(govflow: Govflow) -> None:
    """Make the outbound calls that are due; a failure is logged, the next run goes on."""
    try:
        report = jobs.run_due(govflow)
    except Exception:  # noqa: BLE001 - the database itself failing: the next run retries
        _failed("job run failed")
        return
    if report.done or report.retried or report.failed:
        log.info(
            "jobs done: %d, to retry: %d, failed: %d", report.done, report.retried, report.failed
        )


def run(govflow: Govflow, interval: float = 1.0) -> None:
    """Run until interrupted: a tick every ``interval`` seconds, never two at once."""
    from apscheduler.schedulers.blocking import BlockingScheduler

    with leadership(govflow):
        me = Identity.of_this_process()
        log.info("scheduler active: %s", me.process)
        scheduler = BlockingScheduler(timezone="UTC")
        scheduler.add_job(
            tick,
            "interval",
            args=[govflow, me],
            seconds=interval,
            max_instances=1,
            coalesce=True,
            next_run_time=clock.now(),
        )
        scheduler.add_job(
            nightly_retention,
            "cron",
            args=[govflow],
            hour=RETENTION_AT[0],
            minute=RETENTION_AT[1],
            timezone=clock.LOCAL_TZ,
            max_instances=1,
            coalesce=True,
        )
        # In its own thread of the scheduler's pool: a slow call never delays a tick.
        scheduler.add_job(
            run_jobs,
            "interval",
            args=[govflow],
            seconds=interval,
            max_instances=1,
            coalesce=True,
            next_run_time=clock.now(),
        )
        try:
            scheduler.start()
        except (KeyboardInterrupt, SystemExit):
            pass
