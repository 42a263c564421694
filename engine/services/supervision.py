"""Supervision (督办): open, warning and overdue work by department and matter, and the
overdue list most urgent first.  Reads projections only.  A supervisor of a department
sees their region: that department and those below it (``access.task_filter`` and
``access.case_filter``); one of no department, everything."""

from __future__ import annotations

from typing import Any

from sqlalchemy import case as when
from sqlalchemy import func, select

from .. import clock
from ..context import Govflow
from ..deadlines.models import DeadlineRow
from ..deadlines.states import shown_state, state_at, yellow_or_red
from ..masking import mask_name
from ..models import Case, Department, ProcessDefinition, TaskRow
from ..principal import Principal
from ..uow import read_only
from .access import case_filter, require_role, task_filter

_COUNTS = ("open", "warning", "overdue", "paused", "completed_on_time", "completed_late")


def _counter_columns(status_col, state_col):  # noqa: ANN001, ANN202
    """Sums per state; ``state_col`` is the derived state (``states.state_expression``)."""
    open_ = status_col.in_(("ready", "claimed", "running", "waiting_applicant"))
    return (
        func.sum(when((open_, 1), else_=0)),
        func.sum(when((open_ & (state_col == "warning"), 1), else_=0)),
        func.sum(when((open_ & (state_col == "overdue"), 1), else_=0)),
        func.sum(when((open_ & (state_col == "paused"), 1), else_=0)),
        func.sum(when((state_col == "met", 1), else_=0)),
        func.sum(when((state_col == "missed", 1), else_=0)),
    )


def overview(govflow: Govflow, actor: Principal) -> dict[str, Any]:
    require_role(actor, "supervisor", "admin")
    now = clock.now()
    with read_only(govflow.db, report=True) as session:
        names = {d.code: (d.name_zh, d.name_en) for d in session.scalars(select(Department))}
        by_department = session.execute(
            select(
                TaskRow.department_code,
                *_counter_columns(TaskRow.status, shown_state(TaskRow, now)),
            )
            .where(TaskRow.status != "cancelled", task_filter(actor))
            .group_by(TaskRow.department_code)
        ).all()
        # Matters count the same steps as departments (one source, so the two tables
        # agree); each matter's own cases are counted beside them under ``cases``.
        by_process = session.execute(
            select(
                TaskRow.process_key,
                *_counter_columns(TaskRow.status, shown_state(TaskRow, now)),
            )
            .where(TaskRow.status != "cancelled", task_filter(actor))
            .group_by(TaskRow.process_key)
        ).all()
        cases_by_process = {
            key: dict(zip(_COUNTS, (int(c or 0) for c in counts), strict=True))
            for key, *counts in session.execute(
                select(Case.process_key, *_counter_columns(Case.status, shown_state(Case, now)))
                .where(case_filter(actor))
                .group_by(Case.process_key)
            ).all()
        }
        process_names = dict(
            session.execute(
                select(ProcessDefinition.key, func.max(ProcessDefinition.name)).group_by(
                    ProcessDefinition.key
                )
            ).all()
        )
    departments = []
    for code, *counts in by_department:
        zh, en = names.get(code, (code, code))
        departments.append(
            {
                "code": code,
                "name": zh,
                "name_en": en,
                **dict(zip(_COUNTS, (int(c or 0) for c in counts), strict=True)),
            }
        )
    processes = [
        {
            "key": key,
            "name": process_names.get(key, key),
            **dict(zip(_COUNTS, (int(c or 0) for c in counts), strict=True)),
            "cases": cases_by_process.get(key, dict.fromkeys(_COUNTS, 0)),
        }
        for key, *counts in by_process
    ]
    totals = {k: sum(d[k] for d in departments) for k in _COUNTS}
    return {
        "departments": sorted(departments, key=lambda d: -d["overdue"] * 1000 - d["warning"]),
        "processes": processes,
        "totals": totals,
        "generated_at": clock.isoformat(now),
    }


def overdue(
    govflow: Govflow, actor: Principal, *, page: int = 1, per_page: int = 20
) -> tuple[list[dict[str, Any]], int]:
    """Overdue and warning deadlines of open work, the most urgent first: overdue before
    warning, then by due time (the longest overdue first)."""
    require_role(actor, "supervisor", "admin")
    now = clock.now()
    instants = (DeadlineRow.state, DeadlineRow.warning_at, DeadlineRow.due_at)
    urgency = when((DeadlineRow.due_at <= now, 0), else_=1)
    query = (
        select(DeadlineRow, Case, TaskRow)
        .join(Case, Case.id == DeadlineRow.case_id)
        .outerjoin(TaskRow, TaskRow.id == DeadlineRow.task_id)
        .where(
            yellow_or_red(*instants, now),
            DeadlineRow.completed_at.is_(None),
            case_filter(actor),
            # a step's limit in the region's queue; a case's own limit where the case is seen
            (TaskRow.id.is_(None)) | task_filter(actor),
        )
    )
    with read_only(govflow.db, report=True) as session:
        total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
        rows = session.execute(
            query.order_by(urgency, DeadlineRow.due_at, DeadlineRow.id)
            .offset((page - 1) * per_page)
            .limit(per_page)
        ).all()
    items = []
    for deadline, case, task in rows:
        items.append(
            {
                "kind": "task" if task is not None else "case",
                "case_id": case.id,
                "process_key": case.process_key,
                "applicant": mask_name(case.applicant_name),
                "task_id": task.id if task is not None else None,
                "task_name": task.name if task is not None else None,
                "department": deadline.department_code,
                "assignee": task.assignee if task is not None else None,
                "deadline": deadline.name,
                "state": state_at(deadline.state, deadline.warning_at, deadline.due_at, now),
                "due_at": clock.isoformat(deadline.due_at),
                "official": deadline.official,
            }
        )
    return items, total
