"""Task commands and queries: the department worklist, claim, unclaim, complete."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any
from uuid import UUID

from SpiffWorkflow.util.task import TaskState
from sqlalchemy import Select, bindparam, false, func, literal, or_, select, union_all
from sqlalchemy.orm import Session

from .. import clock
from ..context import Govflow
from ..deadlines.states import shown_state_is
from ..errors import BadRequest, Conflict, Forbidden, NotFound, ValidationFailed
from ..forms import FormDefinition, FormValidationError, validate_submission
from ..models import Case, TaskRow
from ..notices import decisions
from ..principal import Principal
from ..reforms import steps as reforms
from ..runtime.executor import CommandContext, case_facts, execute, with_facts
from ..statistics.models import CaseFigures
from ..uow import read_only
from ..verbs import countersign, guards
from . import access, missing_materials, side_tasks, uploads
from .forms_lookup import form_for
from .serializers import task_detail

STATUSES = ("ready", "claimed", "completed", "cancelled")


def _visible_row(session: Session, actor: Principal, task_id: str) -> TaskRow:
    row = session.scalar(select(TaskRow).where(TaskRow.id == task_id, access.task_filter(actor)))
    if row is None:
        raise NotFound("no such task")
    return row


def list_tasks(
    govflow: Govflow,
    actor: Principal,
    *,
    status: str | None = None,
    department: str | None = None,
    assignee: str | None = None,
    process_key: str | None = None,
    deadline_state: str | None = None,
    page: int = 1,
    per_page: int = 20,
) -> tuple[list[TaskRow], int]:
    conditions = []
    if status:
        if status not in STATUSES:
            raise BadRequest(f"unknown status '{status}'")
        conditions.append(TaskRow.status == status)
    if department:
        conditions.append(TaskRow.department_code == department)
    if assignee:
        conditions.append(TaskRow.assignee == (actor.username if assignee == "me" else assignee))
    if process_key:
        conditions.append(TaskRow.process_key == process_key)
    if deadline_state:
        conditions.append(shown_state_is(TaskRow, deadline_state, clock.now()))
    order = (TaskRow.due_at.asc().nulls_last(), TaskRow.created_at, TaskRow.id)
    branches = access.task_branches(actor)
    if branches is None:
        counted = select(func.count()).select_from(TaskRow).where(*conditions)
        page_query = select(TaskRow).where(*conditions)
    else:
        # One index range per way a task reaches the clerk; each branch contributes only
        # the top of its range, which is all the page can need.
        # Counted branch by branch, each without the rows an earlier branch counted: the
        # department's queue is then an index-only count, the rest are tiny.
        counted = select(
            sum(
                (
                    select(func.count())
                    .select_from(TaskRow)
                    .where(way, *conditions, or_(false(), *branches[:i]).is_not(True))
                    .scalar_subquery()
                    for i, way in enumerate(branches)
                ),
                start=literal(0),
            )
        )
        tops = [
            select(TaskRow.id)
            .where(way, *conditions)
            .order_by(*order)
            .limit(page * per_page)
            .subquery()
            for way in branches
        ]
        candidates = union_all(*(select(top.c.id) for top in tops))
        page_query = select(TaskRow).where(TaskRow.id.in_(candidates))
    with read_only(govflow.db) as session:
        total = session.scalar(counted)
        rows = session.scalars(
            page_query.order_by(*order).offset((page - 1) * per_page).limit(per_page)
        ).all()
    return list(rows), total or 0


def get_task(govflow: Govflow, actor: Principal, task_id: str) -> TaskRow:
    with read_only(govflow.db) as session:
        return _visible_row(session, actor, task_id)


def get_task_json(govflow: Govflow, actor: Principal, task_id: str) -> dict[str, Any]:
    """The task with its form and prefill, masked for the caller (the view is logged)."""
    with read_only(govflow.db) as session:
        return task_detail(govflow, session, _visible_row(session, actor, task_id), actor)


def _finding(actor: Principal) -> Select:
    """The statement finding a task visible to ``actor`` with its locked case, built once
    per user (building the visibility filter cost more than running it); the task is
    bound at each run."""
    try:
        return _finding_for(actor)
    except TypeError:  # a principal made with a list of roles cannot be a cache key
        return _finding_for.__wrapped__(actor)


@lru_cache(maxsize=1024)
def _finding_for(actor: Principal) -> Select:
    # With the case's figures, which the statistics read at the end of every command
    # (``statistics.tracking.track``): held, they need no query of their own.
    return (
        select(TaskRow, Case, CaseFigures, *case_facts())
        .join(Case, Case.id == TaskRow.case_id)
        .outerjoin(CaseFigures, CaseFigures.case_id == Case.id)
        .where(TaskRow.id == bindparam("task_id"), access.task_filter(actor))
        .with_for_update(of=Case)
    )


def _case_of(govflow: Govflow, actor: Principal, task_id: str) -> Callable[[Session], Case]:
    """Finds and locks the task's case inside the command's transaction, in the same
    statement that checks the task is visible to the actor (404 if not)."""

    def find(session: Session) -> Case:
        found = session.execute(_finding(actor), {"task_id": task_id}).first()
        if found is None:
            raise NotFound("no such task")
        # The identity map holds rows weakly: keep the task's and the figures for the
        # rest of the transaction, so their lookups (``_open_row``, the statistics) need
        # no query.
        row, case, figures, *facts = found
        session.info.setdefault("held", []).extend((row, figures))
        return with_facts(case, *facts)

    return find


def _open_row(ctx: CommandContext, task_id: str) -> TaskRow:
    row = ctx.session.get(TaskRow, task_id)
    if row is None or row.case_id != ctx.case.id:
        raise NotFound("no such task")
    if not access.may_act_on(ctx.actor, row):
        raise Forbidden("this task belongs to another department")
    if row.status == "completed":
        raise Conflict("the task is already completed", code="already_completed")
    if row.status == "cancelled":
        raise Conflict("the task is no longer open", code="task_not_ready")
    if ctx.case.status in ("terminated",):
        raise Conflict("the case is terminated", code="case_closed")
    return row


def _validated(form: FormDefinition, data: dict[str, Any], lang: str) -> dict[str, Any]:
    try:
        return validate_submission(form, data, lang)
    except FormValidationError as exc:
        raise ValidationFailed("the form is invalid", fields=exc.fields) from None


def _mark_completed(
    ctx: CommandContext, row: TaskRow, cleaned: dict[str, Any], before: dict[str, Any]
) -> None:
    row.status, row.assignee = "completed", row.assignee or ctx.actor.username
    row.completed_at, row.completed_by, row.submission = clock.now(), ctx.actor.username, cleaned
    ctx.audit(
        "task_completed",
        task_id=row.id,
        name=row.name,
        bpmn_id=row.bpmn_id,
        department=row.department_code,
        kind=row.kind,
        before=before,
        after=cleaned,
    )


def _attach(
    ctx: CommandContext, row: TaskRow, form: FormDefinition, files: dict[str, uploads.Incoming]
) -> dict[str, str]:
    """Keep the files of the form's ``file`` fields; answer field → attachment code.  (A
    form that then fails validation rolls them back with everything else, the files
    written on disk included.)"""
    wanted = {f.name for f in form.fields if f.type == "file"} & set(files)
    if wanted:
        uploads.may_attach(ctx)
    codes = {}
    for name in sorted(wanted):
        code = uploads.attachment_code(row.id, name)
        uploads.store(ctx, code, files[name], field=name, step=row.bpmn_id)
        codes[name] = code
    return codes


def _is_acceptance(ctx: CommandContext, row: TaskRow) -> bool:
    """受理: the process property ``acceptance_task``, else a step of the window."""
    wanted = ctx.definition.meta.get("properties", {}).get("acceptance_task")
    return row.bpmn_id == wanted if wanted else row.department_code == "service_center"


def claim(govflow: Govflow, actor: Principal, task_id: str) -> TaskRow:
    def command(ctx: CommandContext) -> TaskRow:
        row = _open_row(ctx, task_id)
        if ctx.case.suspended and row.kind == "bpmn":  # 挂起: nothing moves, nobody claims
            raise Conflict("the case is suspended", code="case_suspended")
        if row.assignee and row.assignee != actor.username:
            raise Conflict(f"already claimed by {row.assignee}", code="already_claimed")
        if row.assignee != actor.username:
            row.assignee, row.status = actor.username, "claimed"
            ctx.audit("task_claimed", task_id=row.id, name=row.name)
        return row

    return execute(
        govflow, _case_of(govflow, actor, task_id), actor, command, touches_workflow=False
    )


def unclaim(govflow: Govflow, actor: Principal, task_id: str) -> TaskRow:
    def command(ctx: CommandContext) -> TaskRow:
        row = _open_row(ctx, task_id)
        if row.assignee is None:
            return row
        if row.owner:  # 委派: the delegate resolves, the task does not go back to the pool
            raise Conflict(f"delegated by {row.owner}", code="delegation_pending")
        if row.assignee != actor.username and not actor.has("admin"):
            raise Conflict(f"claimed by {row.assignee}", code="already_claimed")
        row.assignee, row.status = None, "ready"
        ctx.audit("task_unclaimed", task_id=row.id, name=row.name)
        return row

    return execute(
        govflow, _case_of(govflow, actor, task_id), actor, command, touches_workflow=False
    )


def complete(
    govflow: Govflow,
    actor: Principal,
    task_id: str,
    data: Any,
    lang: str = "zh",
    files: dict[str, uploads.Incoming] | None = None,
) -> int:
    """Validate the form, complete the task, advance the case.  Returns the case id.

    ``files``: documents chosen for the form's ``file`` fields (the task page sends them
    with the form).  Each is kept as an attachment of the case in the same transaction,
    and its field holds the attachment's code."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise BadRequest("'data' must be an object")
    # 缺材料: the clerk's reason to accept or conclude without them (missing_materials)
    data, missing_reason = missing_materials.take_reason(data)

    def command(ctx: CommandContext) -> int:
        row = _open_row(ctx, task_id)
        if row.assignee and row.assignee != actor.username:
            raise Conflict(f"claimed by {row.assignee}", code="already_claimed")
        if ctx.case.status == "error":  # an incident: moving on would run the failed step again
            raise Conflict(
                "the case waits for an administrator to retry a failed step", code="case_in_error"
            )
        guards.require_progress_allowed(ctx, row)
        form = form_for(govflow.forms, ctx.definition, row.form_key, ctx.called.values())
        if row.kind != "bpmn":
            cleaned = _validated(form, data, lang)
            side_tasks.HANDLERS[row.kind](ctx, row, cleaned)
            _mark_completed(ctx, row, cleaned, before={})
            return ctx.case.id
        task = ctx.workflow.get_task_from_id(UUID(task_id))
        # SpiffWorkflow would happily "complete" a FUTURE or COMPLETED task: check first.
        if task.state != TaskState.READY:
            raise Conflict("the task is not ready", code="task_not_ready")
        reforms.before_step(ctx, row)  # 登簿 waits for deferred materials (容缺)
        cleaned = _validated(form, {**data, **_attach(ctx, row, form, files or {})}, lang)
        before = {k: task.data.get(k) for k in cleaned}
        task.data.update(cleaned)
        countersign.before_run(task)  # 会签 instances: no-ops for other tasks
        task.run()
        countersign.after_run(ctx, task, row, cleaned)
        _mark_completed(ctx, row, cleaned, before)
        if cleaned.get("accepted") is True and _is_acceptance(ctx, row):
            # once per case: a return that brings the step back does not accept it again
            decisions.accepted(
                ctx.session, ctx.case, actor, opinion=str(cleaned.get("opinion") or "")
            )
        reforms.after_step(ctx, row, cleaned)
        # 受理 or 办结 with materials missing: asked once the step has run and the case
        # moved on (a fact the step lacks is said first; only moving on tells whether the
        # case concludes).  The executor's own advance then finds nothing left to do.
        ctx.advance()
        if cleaned.get("accepted") is True and _is_acceptance(ctx, row):
            missing_materials.require_choice(
                ctx, row, missing_materials.ACCEPTANCE, missing_reason, lang
            )
        if ctx.case.status == "running" and ctx.outcome_reached() == "concluded":
            missing_materials.require_choice(
                ctx, row, missing_materials.CONCLUSION, missing_reason, lang
            )
        return ctx.case.id

    return execute(govflow, _case_of(govflow, actor, task_id), actor, command)
