"""What one case counts for: its ``CaseFigures``, read from the case and its rows.

Computed at the end of every command on the case (``tracking.track``) and by the rebuild.
While a case runs only its start and its acceptance count (for the case as a whole); the
departments that worked on it, and what is counted at 办结 (materials, trips, time
taken), are read once it is closed.  So a step of a running, accepted case costs one
primary-key read (``settled_while_running``), and one query more before acceptance.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .. import clock, unflushed
from ..deadlines.calendar_store import load_calendar
from ..deadlines.models import CasePause, DeadlineRow
from ..models import Case, ProcessDefinition, TaskRow
from ..runtime.returned_work import CaseReturn
from ..services.materials import case_materials, summary
from ..verbs.models import Rating
from ..verbs.ratings import WHOLE_CASE
from .models import CaseFigures, CaseVisit

#: The figures compared to tell whether a command changed what the case counts for.
FIELDS = tuple(c.name for c in CaseFigures.__table__.columns if c.name != "case_id")


def local_day(moment: datetime | None) -> date | None:
    shown = clock.local(moment)
    return shown.date() if shown else None


#: Case states whose figures the session alone can tell (nothing counted at 办结 yet).
RUNNING = ("running", "waiting_applicant", "error")


def settled_while_running(case: Case, old: dict[str, Any] | None) -> bool:
    """Can this command have changed nothing the case counts for?  Yes for a running case
    already counted as started and accepted: nothing else counts before it closes."""
    return (
        case.status in RUNNING
        and old is not None
        and old["accepted_on"] is not None
        and old["concluded_on"] is None
        and old["refused_on"] is None
        and old["rated_on"] is None
    )


def blank(case: Case) -> dict[str, Any]:
    """The figures of a case just started: it counts as started, nothing more."""
    figures: dict[str, Any] = dict.fromkeys(FIELDS, 0)
    figures.update(
        process_key=case.process_key,
        departments=[],
        started_on=local_day(case.created_at),
        accepted_on=None,
        refused_on=None,
        concluded_on=None,
        within_promised=None,
        within_statutory=None,
        working_days=None,
        rated_on=None,
        rating=None,
    )
    return figures


def running_figures(session: Session, case: Case) -> dict[str, Any]:
    """A running case counts as started, and as accepted once its case limits started
    (read without flushing the command: ``engine.unflushed``)."""
    limits = unflushed.rows(
        session,
        DeadlineRow,
        select(DeadlineRow).where(DeadlineRow.case_id == case.id, DeadlineRow.task_id.is_(None)),
        lambda row: row.case_id == case.id and row.task_id is None,
    )
    started = min((row.started_at for row in limits), default=None)
    return dict(blank(case), accepted_on=local_day(started))


def after_closing(session: Session, case: Case, old: dict[str, Any]) -> dict[str, Any] | None:
    """A closed case's figures when it was already counted closed: what it took (time,
    materials, limits, 补正 and 退回) was settled when it closed; only who worked on it
    (a step that runs on after 办结), the visits and the rating can still change.  None
    when it was not counted closed on the same day."""
    closed_on = old["concluded_on"] or old["refused_on"]
    if closed_on is None or closed_on != local_day(case.completed_at):
        return None
    if case.status != "completed":
        return None
    figures = dict(old, departments=_departments(session, case.id))
    if old["concluded_on"] is not None:
        figures["trips"] = _trips(session, case)
        figures.update(_rating(session, case.id))
    return figures


def _trips(session: Session, case: Case) -> int:
    visits = session.scalar(select(func.count()).where(CaseVisit.case_id == case.id)) or 0
    return int(case.started_at_window) + visits


def figures_of(session: Session, case: Case, definition: ProcessDefinition) -> dict[str, Any]:
    """The case's figures as they stand in this transaction (flushed)."""
    if case.status in RUNNING:
        return running_figures(session, case)
    limits = {
        row.name: row
        for row in session.scalars(
            select(DeadlineRow).where(DeadlineRow.case_id == case.id, DeadlineRow.task_id.is_(None))
        )
    }
    refused = case.outcome == "refused" or (case.closure or {}).get("kind") == "refused"
    accepted_at = min((r.started_at for r in limits.values()), default=None)
    figures = blank(case)
    figures.update(
        departments=_departments(session, case.id),
        accepted_on=None if refused else local_day(accepted_at),
        refused_on=local_day(case.completed_at) if refused else None,
    )
    if case.status != "completed" or refused:
        return figures
    figures["concluded_on"] = local_day(case.completed_at)
    for name in ("promised", "statutory"):
        row = limits.get(name)
        if row is not None and row.state in ("met", "missed"):
            figures[f"within_{name}"] = int(row.state == "met")
    if accepted_at is not None:
        figures["working_days"] = _working_days(session, case, accepted_at, limits)
    figures.update(_materials(session, case, definition))
    figures["trips"] = _trips(session, case)
    figures["supplemented"] = int(_exists(session, CasePause, CasePause.kind == "supplement", case))
    figures["returned"] = int(_exists(session, CaseReturn, None, case))
    figures.update(_rating(session, case.id))
    return figures


def _departments(session: Session, case_id: int) -> list[str]:
    rows = session.execute(
        select(TaskRow.department_code, func.min(TaskRow.completed_at))
        .where(
            TaskRow.case_id == case_id,
            TaskRow.kind == "bpmn",
            TaskRow.status == "completed",
            TaskRow.department_code.is_not(None),
        )
        .group_by(TaskRow.department_code)
    ).all()
    return [code for code, _ in sorted(rows, key=lambda r: (r[1], r[0]))]


def _exists(session: Session, model: Any, condition: Any, case: Case) -> bool:
    query = select(model.id).where(model.case_id == case.id)
    if condition is not None:
        query = query.where(condition)
    return session.scalar(query.limit(1)) is not None


def _working_days(
    session: Session, case: Case, accepted_at: datetime, limits: dict[str, DeadlineRow]
) -> int:
    """Working days in (day of acceptance, day of 办结] — the day of acceptance does not
    count, as for a limit — less the working days the clock stood still."""
    calendar = load_calendar(session)
    counted = calendar.working_days_between(
        calendar.to_local(accepted_at).date(), calendar.to_local(case.completed_at).date()
    )
    stopped = max((r.paused_days for r in limits.values()), default=0.0)
    return max(0, counted - int(round(stopped)))


def _materials(session: Session, case: Case, definition: ProcessDefinition) -> dict[str, int]:
    counts = summary(case_materials(case, definition, session))
    return {
        "materials_required": counts["required"],
        "materials_shared": counts["shared"],
        "materials_uploaded": counts["uploaded"],
    }


def _rating(session: Session, case_id: int) -> dict[str, Any]:
    ratings = list(session.scalars(select(Rating).where(Rating.case_id == case_id)))
    whole = next((r for r in ratings if r.department_code == WHOLE_CASE), None)
    if whole is None:
        return {}
    opened = [r.rectification_task_id for r in ratings if r.rectification_task_id]
    met = 0
    if opened:
        met = (
            session.scalar(
                select(func.count()).where(
                    DeadlineRow.task_id.in_(opened), DeadlineRow.state == "met"
                )
            )
            or 0
        )
    return {
        "rated_on": local_day(whole.rated_at),
        "rating": whole.level,
        "rectifications": len(opened),
        "rectified_in_time": met,
    }
