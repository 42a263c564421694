"""催办: a supervisor or the applicant nudges an open task.  The assignee sees the count
and the messages on the task; one nudge per person per task per day."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from .. import clock
from ..context import Govflow
from ..errors import Conflict, Forbidden, NotFound
from ..models import Case, TaskRow
from ..principal import Principal
from ..runtime.executor import CommandContext, execute
from ..services import access
from ..uow import read_only
from .common import reason_of, task_row
from .models import Urge

MIN_INTERVAL = timedelta(hours=24)


def _case_of_urged_task(govflow: Govflow, actor: Principal, task_id: str) -> int:
    """Applicants see no worklists: they reach a task through their own case."""
    with read_only(govflow.db) as session:
        row = session.get(TaskRow, task_id)
        case = session.get(Case, row.case_id) if row is not None else None
        if case is None:
            raise NotFound("no such task")
        if actor.has("supervisor", "admin"):
            # a county's supervisor urges the county's work only
            visible = select(TaskRow.id).where(TaskRow.id == task_id, access.task_filter(actor))
            if session.scalar(visible) is None:
                raise NotFound("no such task")
            return case.id
        if actor.has("applicant"):
            if actor.id_number and actor.id_number == case.applicant_id_number:
                return case.id
            raise NotFound("no such task")
        raise Forbidden("only supervisors and the applicant urge a task")


def urge(govflow: Govflow, actor: Principal, task_id: str, message: Any) -> dict[str, Any]:
    text = reason_of(message, "message", required=False)[:500]

    def command(ctx: CommandContext) -> dict[str, Any]:
        row = task_row(ctx, task_id)
        if row.status not in ("ready", "claimed"):
            raise Conflict("only open tasks can be urged", code="task_not_ready")
        now = clock.now()
        recent = ctx.session.scalar(
            select(Urge).where(
                Urge.task_id == row.id,
                Urge.urged_by == actor.username,
                Urge.urged_at > now - MIN_INTERVAL,
            )
        )
        if recent is not None:
            raise Conflict("you urged this task less than a day ago", code="already_urged")
        entry = Urge(
            case_id=ctx.case.id,
            task_id=row.id,
            urged_by=actor.username,
            role=actor.primary_role,
            message=text,
            urged_at=now,
        )
        ctx.session.add(entry)
        row.urge_count = (row.urge_count or 0) + 1
        ctx.audit(
            "task_urged",
            task_id=row.id,
            name=row.name,
            department=row.department_code,
            assignee=row.assignee,
            message=text,
            count=row.urge_count,
        )
        ctx.session.flush()
        return {**urge_view(entry), "urge_count": row.urge_count}

    return execute(
        govflow,
        _case_of_urged_task(govflow, actor, task_id),
        actor,
        command,
        touches_workflow=False,
    )


def urge_view(entry: Urge) -> dict[str, Any]:
    return {
        "id": entry.id,
        "task_id": entry.task_id,
        "by": entry.urged_by,
        "role": entry.role,
        "message": entry.message,
        "at": clock.isoformat(entry.urged_at),
    }
