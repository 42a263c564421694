"""Keeping a case's figures and the rollup right, inside the command that changed it,
and rebuilding both from the cases (``govflow stats rebuild``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from ..models import Case, ProcessDefinition
from .facts import (
    FIELDS,
    RUNNING,
    after_closing,
    figures_of,
    running_figures,
    settled_while_running,
)
from .models import COUNTERS, CaseFigures, DailyDurations, DailyFigures
from .rollup import apply_change
from .rollup_sql import daily_sums, duration_counts


def stored(row: CaseFigures | None) -> dict[str, Any] | None:
    return None if row is None else {name: getattr(row, name) for name in FIELDS}


def track(session: Session, case: Case, definition: ProcessDefinition) -> None:
    """Bring the case's figures up to date and move the rollup by the difference.  Runs
    at the end of every command on a case (``runtime.executor``: ``Govflow.case_observers``),
    in its transaction: the rollup is never behind the cases it counts."""
    with session.no_autoflush:
        row = session.get(CaseFigures, case.id)
    old = stored(row)
    if settled_while_running(case, old):
        return
    if case.status in RUNNING:
        new = running_figures(session, case)
    else:
        session.flush()  # the command's rows (deadlines closed, tasks completed) count
        new = after_closing(session, case, old) if old is not None else None
        new = new or figures_of(session, case, definition)
    if old == new:
        return
    if row is None:
        row = CaseFigures(case_id=case.id)
        session.add(row)
    for name, value in new.items():
        setattr(row, name, value)
    apply_change(session, old, new)


def rebuild(session: Session, *, batch: int = 500) -> int:
    """Recompute every case's figures, then the whole rollup from them; answers the number
    of cases.  For a rollup in doubt (a restore, a bug fixed): run it with the scheduler
    stopped (``govflow stats rebuild``)."""
    case_ids = list(session.scalars(select(Case.id).order_by(Case.id)))
    session.execute(delete(CaseFigures).where(CaseFigures.case_id.not_in(select(Case.id))))
    definitions: dict[int, ProcessDefinition] = {}
    for start in range(0, len(case_ids), batch):
        chunk = case_ids[start : start + batch]
        stored_rows = {
            row.case_id: row
            for row in session.scalars(select(CaseFigures).where(CaseFigures.case_id.in_(chunk)))
        }
        for case in session.scalars(select(Case).where(Case.id.in_(chunk))):
            if case.definition_id not in definitions:
                definitions[case.definition_id] = session.get(ProcessDefinition, case.definition_id)
            figures = figures_of(session, case, definitions[case.definition_id])
            row = stored_rows.get(case.id)
            if row is None:
                row = CaseFigures(case_id=case.id)
                session.add(row)
            for name, value in figures.items():
                setattr(row, name, value)
        session.flush()
        session.expunge_all()
    rebuild_rollup(session)
    return len(case_ids)


def rebuild_rollup(session: Session) -> None:
    """The rollup from the stored figures alone, set-based (no case is read): the same
    counting as ``rollup.contribution``, written in SQL so that a million cases take
    seconds; the tests hold the two to the same answer."""
    session.execute(delete(DailyFigures))
    session.execute(delete(DailyDurations))
    session.execute(
        insert(DailyFigures).from_select(
            ["day", "process_key", "department", *COUNTERS], daily_sums(session)
        )
    )
    session.execute(
        insert(DailyDurations).from_select(
            ["day", "process_key", "department", "working_days", "cases"],
            duration_counts(session),
        )
    )
