"""Putting jobs in, taking due ones out, and recording what became of them.

``enqueue`` runs in the caller's transaction, so a job exists exactly when the command
that wanted it committed.  Claiming is its own short transaction and locks no case:
``SELECT … FOR UPDATE SKIP LOCKED`` on PostgreSQL (two runners never wait on each other),
and on SQLite (one writer at a time anyway) an ``UPDATE`` guarded by the state and due
time read, so a job two runners both saw is taken by exactly one.  A claim is a lease:
the job's ``next_attempt_at`` moves to the end of it, and a runner that dies mid-job
leaves it to be claimed again then — jobs survive restarts.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from .. import clock
from .models import DONE, FAILED, PENDING, RUNNING, Job
from .registry import Claimed

#: How long a claim holds a job before another runner may take it: longer than any
#: outbound call should take (an exchange pull is a few seconds, its retries included).
LEASE = timedelta(minutes=5)


def enqueue(
    session: Session, kind: str, payload: dict[str, Any], case_id: int | None = None
) -> Job:
    """Add a job, due now, in the caller's transaction."""
    now = clock.now()
    job = Job(
        kind=kind,
        payload=payload,
        case_id=case_id,
        state=PENDING,
        attempts=0,
        next_attempt_at=now,
        created_at=now,
        updated_at=now,
    )
    session.add(job)
    return job


def _due(now: datetime):  # noqa: ANN202 - a SQL condition
    # A running job whose lease ran out was left by a runner that died.
    return Job.state.in_((PENDING, RUNNING)), Job.next_attempt_at <= now


def claim_due(session: Session, limit: int, now: datetime | None = None) -> list[Claimed]:
    """Take up to ``limit`` due jobs, oldest due first; commit right after."""
    now = now or clock.now()
    lease_end = now + LEASE
    query = select(Job).where(*_due(now)).order_by(Job.next_attempt_at, Job.id).limit(limit)
    claimed: list[Claimed] = []
    if session.get_bind().dialect.name == "postgresql":
        for job in session.scalars(query.with_for_update(skip_locked=True)):
            job.state, job.attempts = RUNNING, job.attempts + 1
            job.next_attempt_at, job.updated_at = lease_end, now
            claimed.append(_claimed(job))
        return claimed
    for job_id, seen_state, seen_due, attempts in session.execute(
        select(Job.id, Job.state, Job.next_attempt_at, Job.attempts).where(
            Job.id.in_(query.with_only_columns(Job.id).scalar_subquery())
        )
    ):
        taken = session.execute(
            update(Job)
            .where(Job.id == job_id, Job.state == seen_state, Job.next_attempt_at == seen_due)
            .values(state=RUNNING, attempts=attempts + 1, next_attempt_at=lease_end, updated_at=now)
            .execution_options(synchronize_session=False)
        )
        if taken.rowcount == 1:
            job = session.get(Job, job_id)
            session.refresh(job)
            claimed.append(_claimed(job))
    return claimed


def _claimed(job: Job) -> Claimed:
    return Claimed(job.id, job.kind, dict(job.payload), job.case_id, job.attempts)


def finish(session: Session, job_id: int, *, error: str | None = None) -> None:
    """The answer (or, with ``error``, the fall-back) was applied: the job is over."""
    now = clock.now()
    session.execute(
        update(Job)
        .where(Job.id == job_id)
        .values(
            state=FAILED if error else DONE,
            last_error=error[:2000] if error else None,
            finished_at=now,
            updated_at=now,
        )
    )


def retry_later(session: Session, job_id: int, pause: timedelta, error: str) -> None:
    now = clock.now()
    session.execute(
        update(Job)
        .where(Job.id == job_id)
        .values(state=PENDING, next_attempt_at=now + pause, last_error=error[:2000], updated_at=now)
    )


def open_jobs(session: Session, case_id: int, kind: str | None = None) -> list[Job]:
    """The case's jobs not yet over (a case page says what is still being fetched)."""
    query = select(Job).where(
        Job.case_id == case_id, or_(Job.state == PENDING, Job.state == RUNNING)
    )
    if kind:
        query = query.where(Job.kind == kind)
    return list(session.scalars(query.order_by(Job.id)))
