"""The job runner and the administrators' view of the queue (``engine.jobs``).

``run_due`` claims the due jobs (a short transaction of its own, no case locked), makes
their outbound calls side by side with no transaction open, then hands each answer to its
kind's ``apply`` — a command of its own — and records the job done.  A transient failure
(``TryAgain``, or a conflict while applying) is tried again after a pause that doubles
each time (``Settings.job_attempts``, ``Settings.job_retry_seconds``); after the last
attempt the kind's ``give_up`` applies its fall-back and the job is ``failed``.

A runner that dies between the call and the record leaves the job claimed until its
lease ends; it is then made again and the second answer meets an idempotent ``apply``.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from ..context import Govflow
from ..errors import BadRequest
from ..incidents.policy import RetryPolicy
from ..jobs import queue
from ..jobs.models import STATES, Job
from ..jobs.registry import Claimed, Handler, TryAgain, handler_for  # noqa: F401 - handler_for re-exported
from ..principal import Principal
from ..uow import read_only, run_in_transaction
from . import access
from . import deliveries as _deliveries  # noqa: F401 - registers e-mail and SMS deliveries
from . import pull_jobs as _pull_jobs  # noqa: F401 - registers the shared-data pulls

log = logging.getLogger("govflow.jobs")

#: Outbound calls made side by side in one run (the slow ones do not hold up the rest).
PARALLEL_CALLS = 4


@dataclass
class RunReport:
    done: int = 0
    retried: int = 0
    failed: int = 0


def run_due(govflow: Govflow, limit: int = 16) -> RunReport:
    """Make the calls of the jobs due now and apply their answers."""
    claimed = run_in_transaction(govflow.db, lambda s: queue.claim_due(s, limit))
    report = RunReport()
    if not claimed:
        return report
    with ThreadPoolExecutor(max_workers=min(PARALLEL_CALLS, len(claimed))) as pool:
        outcomes = list(pool.map(lambda job: _perform(govflow, job), claimed))
    for job, (answer, trouble) in zip(claimed, outcomes, strict=True):
        _conclude(govflow, job, answer, trouble, report)
    return report


def _policy(govflow: Govflow, handler: Handler | None) -> RetryPolicy:
    settings = govflow.settings
    if handler is not None and handler.retry is not None:
        return RetryPolicy(*handler.retry(settings))
    attempts = (handler.attempts if handler else None) or settings.job_attempts
    return RetryPolicy(attempts, settings.job_retry_seconds)


def _perform(govflow: Govflow, job: Claimed) -> tuple[Any, str | None]:
    """(answer, None), or (None, why it must be tried again)."""
    handler = handler_for(job.kind)
    if handler is None:
        return None, f"no handler for jobs of kind '{job.kind}'"
    try:
        return handler.perform(govflow, job), None
    except TryAgain as exc:
        return None, exc.reason
    except Exception as exc:  # noqa: BLE001 - a failing call is retried, never fatal
        log.exception("job %s (%s): the call failed", job.id, job.kind)
        return None, f"{type(exc).__name__}: {str(exc)[:300]}"


def _conclude(
    govflow: Govflow, job: Claimed, answer: Any, trouble: str | None, report: RunReport
) -> None:
    handler = handler_for(job.kind)
    if trouble is None and handler is not None:
        try:
            handler.apply(govflow, job, answer)
        except Exception as exc:  # noqa: BLE001 - a conflict or a failing step: try again
            log.warning("job %s (%s): applying the answer failed: %s", job.id, job.kind, exc)
            trouble = f"applying the answer failed: {type(exc).__name__}: {str(exc)[:300]}"
        else:
            run_in_transaction(govflow.db, lambda s: queue.finish(s, job.id))
            report.done += 1
            return
    policy = _policy(govflow, handler)
    if not policy.exhausted(job.attempts):
        pause = policy.pause_after(job.attempts)
        run_in_transaction(govflow.db, lambda s: queue.retry_later(s, job.id, pause, trouble))
        report.retried += 1
        return
    if handler is not None:
        try:
            handler.give_up(govflow, job, trouble or "failed")
        except Exception:  # noqa: BLE001 - logged; the job is kept as failed for an admin
            log.exception("job %s (%s): the fall-back failed", job.id, job.kind)
    run_in_transaction(govflow.db, lambda s: queue.finish(s, job.id, error=trouble or "failed"))
    report.failed += 1


# --- what administrators see ------------------------------------------------------------
def list_jobs(
    govflow: Govflow,
    caller: Principal,
    *,
    state: str | None = None,
    case_id: int | None = None,
    kind: str | None = None,
    page: int = 1,
    per_page: int = 50,
) -> tuple[list[dict[str, Any]], int]:
    """The queue, newest first (admins only); ``kind`` ending in ``.`` is a prefix
    (``deliver.``: e-mail and SMS)."""
    access.require_role(caller, "admin")
    if state is not None and state not in STATES:
        raise BadRequest(f"state must be one of {', '.join(STATES)}")
    with read_only(govflow.db) as session:
        query = select(Job)
        if state:
            query = query.where(Job.state == state)
        if case_id is not None:
            query = query.where(Job.case_id == case_id)
        if kind:
            query = query.where(
                Job.kind.startswith(kind, autoescape=True)
                if kind.endswith(".")
                else Job.kind == kind
            )
        total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
        rows = list(
            session.scalars(
                query.order_by(Job.id.desc()).offset((page - 1) * per_page).limit(per_page)
            )
        )
        sent = _deliveries.summaries(session, [job.id for job in rows])
        return [job_view(job, sent.get(job.id)) for job in rows], total


def job_counts(govflow: Govflow, caller: Principal) -> dict[str, int]:
    """How many jobs are in each state (admins only): the admin page's summary."""
    access.require_role(caller, "admin")
    with read_only(govflow.db) as session:
        counts = dict(session.execute(select(Job.state, func.count()).group_by(Job.state)).all())
    return {state: counts.get(state, 0) for state in STATES}


def job_view(job: Job, delivery: dict[str, Any] | None = None) -> dict[str, Any]:
    payload = job.payload or {}
    return {
        "id": job.id,
        "kind": job.kind,
        "case_id": job.case_id,
        "state": job.state,
        "attempts": job.attempts,
        "next_attempt_at": _iso(job.next_attempt_at),
        "last_error": job.last_error,
        "created_at": _iso(job.created_at),
        "updated_at": _iso(job.updated_at),
        "finished_at": _iso(job.finished_at),
        # what the job is about, without the personal data it carries (the lookup key)
        # (a delivery: its channel, masked recipient and status)
        "summary": {
            **{k: payload[k] for k in ("provider", "field", "purpose") if k in payload},
            **(delivery or {}),
        },
    }


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None
