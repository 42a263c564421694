"""Retention: what a closed case keeps, and dropping what only running needed.

A closed case (completed or terminated) keeps what the law keeps: the case record and its
data, the materials, the notices, the audit trail and the data-access log (nothing here
or elsewhere deletes the log, so it outlives the three years required).  What only
running needed — the serialized workflow, the bulk of a case's bytes — is dropped
``Settings.workflow_retention_days`` after the case closed, by ``govflow retention run``
and nightly by the scheduler.

A closed case's page and API read rows only (the case, its task rows, deadlines and audit
events), never the workflow, so they answer the same before and after; a command that
would need the workflow of such a case is refused (``runtime.executor``).  Each batch is
one transaction and one audit event (not in the cases' own trails, which stay as they
were); running it again finds nothing more to drop.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from .. import audit, clock
from ..context import Govflow
from ..models import Case
from ..principal import SYSTEM
from ..uow import run_in_transaction

#: Cases per transaction: a first run over years of closed cases stays in short steps.
BATCH = 200
CLOSED = ("completed", "terminated")


@dataclass
class RetentionReport:
    cases: int = 0
    bytes_dropped: int = 0

    @property
    def summary(self) -> str:
        return f"{self.cases} closed cases: {self.bytes_dropped} bytes of workflow dropped"


def run(govflow: Govflow, now: datetime | None = None) -> RetentionReport:
    """Drop the serialized workflow of every case closed longer than the retention period."""
    now = now or clock.now()
    cutoff = now - timedelta(days=govflow.settings.workflow_retention_days)
    report = RetentionReport()

    def batch(session: Session) -> tuple[int, int]:
        due = session.execute(
            select(Case.id, func.length(Case.workflow_state))
            .where(
                Case.status.in_(CLOSED),
                Case.completed_at <= cutoff,
                Case.workflow_dropped_at.is_(None),
            )
            .order_by(Case.id)
            .limit(BATCH)
        ).all()
        if not due:
            return 0, 0
        ids = [case_id for case_id, _ in due]
        # The stored state is ASCII JSON (SpiffWorkflow escapes the rest): characters are bytes.
        dropped = sum(size or 0 for _, size in due)
        # A set-based update: the cases' own rows (lock version, updated_at) stay as they
        # were, so nothing a reader sees of the case changes.
        session.execute(
            update(Case)
            .where(Case.id.in_(ids), Case.status.in_(CLOSED))
            .values(workflow_state="", workflow_dropped_at=now)
            .execution_options(synchronize_session=False)
        )
        audit.record(
            session,
            SYSTEM,
            "workflows_dropped",
            cases=ids,
            bytes=dropped,
            closed_before=clock.isoformat(cutoff),
        )
        return len(ids), dropped

    while True:
        cases, dropped = run_in_transaction(govflow.db, batch)
        report.cases += cases
        report.bytes_dropped += dropped
        if cases < BATCH:
            return report
