"""What the verbs share: finding the case of a task, checking the actor and the state,
and reading a reason."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from SpiffWorkflow.util.task import TaskState

from ..context import Govflow
from ..errors import Conflict, Forbidden, NotFound, ValidationFailed
from ..models import TaskRow
from ..principal import Principal
from ..runtime.executor import CaseReading, CommandContext
from ..services import access

MAX_REASON = 2000
OPEN = ("ready", "claimed")


def reason_of(raw: Any, field: str = "reason", *, required: bool = True) -> str:
    """A reason is what the receiving side reads: required, text, bounded."""
    if raw is not None and not isinstance(raw, str):
        raise ValidationFailed(f"'{field}' must be text", fields={field: ["必须是文本 / text"]})
    text = (raw or "").strip()
    if required and not text:
        raise ValidationFailed("give the reason", fields={field: ["请写明原因 / give the reason"]})
    return text[:MAX_REASON]


def case_of_task(govflow: Govflow, actor: Principal, task_id: str) -> int:
    return access.case_of_task(govflow.db, actor, task_id)


def require_visible_case(govflow: Govflow, actor: Principal, case_id: int) -> None:
    access.require_visible_case(govflow.db, actor, case_id)


def task_row(ctx: CaseReading, task_id: str) -> TaskRow:
    row = ctx.session.get(TaskRow, task_id)
    if row is None or row.case_id != ctx.case.id:
        raise NotFound("no such task")
    return row


def require_running(ctx: CommandContext) -> None:
    """Verbs that move work along need a running case: not closed, not waiting for the
    applicant, not suspended."""
    case = ctx.case
    if case.status in ("completed", "terminated"):
        raise Conflict("the case is closed", code="case_closed")
    if case.suspended:
        raise Conflict("the case is suspended", code="case_suspended")
    if case.status != "running":
        raise Conflict("the case is not running", code="case_not_running")


def open_row_to_act_on(ctx: CaseReading, task_id: str) -> TaskRow:
    """An open task of this case the actor may act on, not held by someone else."""
    row = task_row(ctx, task_id)
    if not access.may_act_on(ctx.actor, row):
        raise Forbidden("this task belongs to another department")
    if row.status not in OPEN:
        code = "already_completed" if row.status == "completed" else "task_not_ready"
        raise Conflict("the task is not open", code=code)
    if row.assignee and row.assignee != ctx.actor.username and not ctx.actor.has("admin"):
        raise Conflict(f"claimed by {row.assignee}", code="already_claimed")
    return row


def ready_spiff_task(ctx: CaseReading, row: TaskRow) -> Any:
    """The READY SpiffWorkflow task behind a BPMN row (SpiffWorkflow checks no state)."""
    if row.kind != "bpmn":
        raise Conflict("this is not a step of the process", code="task_not_ready")
    task = ctx.workflow.get_task_from_id(UUID(row.id))
    if task.state != TaskState.READY:
        raise Conflict("the task is not ready", code="task_not_ready")
    return task


def reopen(row: TaskRow, *, assignee: str | None, notice: dict[str, Any]) -> None:
    """Open a finished row again for the same SpiffWorkflow task (a reset keeps the task's
    id, and the row is keyed by it).  The earlier completion stays in the audit trail."""
    from .. import clock

    row.status = "claimed" if assignee else "ready"
    row.assignee = assignee
    row.owner = None
    row.created_at = clock.now()
    row.completed_at = None
    row.completed_by = None
    row.due_at = row.warning_at = None
    row.deadline_state = None
    row.notice = notice
