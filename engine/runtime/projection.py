"""Keeping the worklist rows (``task_rows``) in step with the workflow.

Called at the end of every command, in its transaction.  READY human tasks get a row;
rows whose task left READY without a completion (cancelled by a boundary event, a
terminated case, a return to an earlier step) are marked cancelled.  Lists and
dashboards read these rows only.

A row's candidate groups are department *codes*: a group the model gives as a department
kind is routed here, once, to the department serving the case's division
(``directory.tree.route``), so worklists and visibility compare codes only.
"""

from __future__ import annotations

from typing import Any

from SpiffWorkflow.util.task import TaskState
from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from .. import clock, unflushed
from ..directory import tree
from ..errors import WorkflowFailure
from ..models import Case, TaskRow
from . import multi_instance
from .workflow import GovflowWorkflow

OPEN = ("ready", "claimed")


def ready_human_tasks(workflow: GovflowWorkflow) -> list[Any]:
    """READY tasks waiting for a person, found in the flat task map (no depth cap)."""
    return [t for t in workflow.all_tasks() if t.state == TaskState.READY and t.task_spec.manual]


def _groups(task: Any, meta: dict[str, Any]) -> list[str]:
    """The groups the model offers the task to: departments or kinds of department."""
    routed = multi_instance.instance_department(task, meta)  # 会签: one department per instance
    return [routed] if routed else list(meta.get("departments") or [])


def _departments(
    session: Session, case: Case, task: Any, meta: dict[str, Any], known: list[Row] | None = None
) -> list[str]:
    """The codes of the departments the task is offered to, kinds routed by region."""
    codes, unroutable = tree.route(session, _groups(task, meta), case.division, known)
    if unroutable:
        # Offered to nobody, the step would wait unseen: fail the command instead.
        raise WorkflowFailure(
            f"no active department of kind '{unroutable[0]}' serves division "
            f"'{case.division or '-'}' or a division above it",
            element=task.task_spec.bpmn_id,
        )
    return codes


def _new_row(
    session: Session,
    case: Case,
    task: Any,
    meta: dict[str, Any] | None,
    known: list[Row] | None = None,
) -> TaskRow:
    meta = meta or {}
    departments = _departments(session, case, task, meta, known)
    assignee = meta.get("assignee")
    return TaskRow(
        id=str(task.id),
        kind="bpmn",
        case_id=case.id,
        process_key=case.process_key,
        bpmn_id=task.task_spec.bpmn_id,
        name=meta.get("name") or task.task_spec.bpmn_name or task.task_spec.bpmn_id,
        department_code=departments[0] if departments else None,
        candidate_groups=list(departments),
        other_groups=list(departments[1:]),
        candidate_users=list(meta.get("candidate_users") or []),
        assignee=assignee,
        status="claimed" if assignee else "ready",
        form_key=meta.get("form_key"),
        created_at=clock.now(),
    )


def refresh(
    session: Session,
    case: Case,
    workflow: GovflowWorkflow,
    user_tasks: dict[str, dict[str, Any]],
    rows: list[TaskRow] | None = None,
) -> list[TaskRow]:
    """Bring the case's open rows in line with the workflow; return the new rows.
    ``rows``: the case's rows as the command sees them, when the caller read them already
    (every open one among them); else they are read here."""
    if rows is None:
        rows = unflushed.rows(
            session,
            TaskRow,
            select(TaskRow).where(TaskRow.case_id == case.id, TaskRow.status.in_(OPEN)),
            lambda r: r.case_id == case.id and r.status in OPEN,
        )
    ready = {str(t.id): t for t in ready_human_tasks(workflow)}
    open_rows = {r.id: r for r in rows if r.kind == "bpmn" and r.status in OPEN}
    for row_id, row in open_rows.items():
        if row_id not in ready:
            row.status = "cancelled"
            row.completed_at = clock.now()
    opened = [t for task_id, t in ready.items() if task_id not in open_rows]
    # One read of the departments for every task opened (a parallel split opens several)
    groups = [g for t in opened for g in _groups(t, user_tasks.get(t.task_spec.bpmn_id) or {})]
    known = tree.candidates(session, groups) if opened else None
    created = []
    for task in opened:
        row = _new_row(session, case, task, user_tasks.get(task.task_spec.bpmn_id), known)
        session.add(row)
        created.append(row)
    multi_instance.check_departments(session, created, user_tasks)
    return created


def restate(
    session: Session, case: Case, row: TaskRow, task: Any, meta: dict[str, Any] | None
) -> bool:
    """Bring an open row in line with its task's element after the case moved to another
    version (renamed, another department, another form).  A claim by a clerk of a
    department the step no longer belongs to is let go.  True if anything changed."""
    fresh = _new_row(session, case, task, meta)
    fields = (
        "bpmn_id",
        "name",
        "department_code",
        "candidate_groups",
        "other_groups",
        "candidate_users",
        "form_key",
    )
    changed = any(getattr(row, f) != getattr(fresh, f) for f in fields)
    if row.department_code != fresh.department_code and row.status == "claimed":
        row.status, row.assignee = fresh.status, fresh.assignee
    for name in fields:
        setattr(row, name, getattr(fresh, name))
    return changed
