"""Commands that stop and restart a case's clocks.

* ``request_supplement`` — 补正 with 一次性告知: a clerk lists *every* missing or defective
  material with its reason in one request; the case waits for the applicant and every
  running clock stops (Administrative Licensing Law arts. 32, 45).
* ``answer_supplement`` — the applicant resubmits (corrected application data and/or
  uploads); the clocks resume with the paused time not counted.
* ``start_special_procedure`` / ``end_special_procedure`` — hearings, testing, expert
  review, public notice (特别程序): time not counted, start, reason, end and result kept.
"""

from __future__ import annotations

from typing import Any

from SpiffWorkflow.util.task import TaskState

from ..context import Govflow
from ..deadlines.models import CasePause
from ..errors import BadRequest, Conflict, Forbidden, NotFound, ValidationFailed
from ..forms import FormValidationError, validate_submission
from ..models import TaskRow
from ..notices import decisions
from ..principal import Principal
from ..runtime.executor import CommandContext, execute
from . import access
from .forms_lookup import form_for

SPECIAL_PROCEDURES = (
    "hearing",
    "testing",
    "inspection",
    "appraisal",
    "expert_review",
    "public_notice",
)
MAX_ITEMS = 50


def _items(raw: Any) -> list[dict[str, str]]:
    """The one-time notice: a non-empty list of {material?, name, reason}."""
    if not isinstance(raw, list) or not raw:
        raise ValidationFailed(
            "list every missing or defective material",
            fields={"items": ["至少列出一项材料 / list at least one material"]},
        )
    if len(raw) > MAX_ITEMS:
        raise ValidationFailed("too many items", fields={"items": [f"最多 {MAX_ITEMS} 项"]})
    items, problems = [], {}
    for i, item in enumerate(raw):
        if not isinstance(item, dict):
            problems[f"items[{i}]"] = ["必须是对象 / must be an object"]
            continue
        name = str(item.get("name") or item.get("material") or "").strip()
        reason = str(item.get("reason") or "").strip()
        if not name:
            problems[f"items[{i}].name"] = ["必填 / required"]
        if not reason:
            problems[f"items[{i}].reason"] = ["请写明原因 / give the reason"]
        items.append(
            {
                "material": str(item.get("material") or "")[:100] or None,
                "name": name[:200],
                "reason": reason[:1000],
            }
        )
    if problems:
        raise ValidationFailed("the supplement request is incomplete", fields=problems)
    return items


def _acting_row(ctx: CommandContext, task_id: str) -> TaskRow:
    row = ctx.session.get(TaskRow, task_id)
    if row is None or not access.may_act_on(ctx.actor, row):
        raise Forbidden("this task belongs to another department")
    if row.status not in ("ready", "claimed"):
        raise Conflict("the task is not open", code="task_not_ready")
    return row


def request_supplement(
    govflow: Govflow, actor: Principal, task_id: str, items: Any, note: str = ""
) -> int:
    checked = _items(items)

    def command(ctx: CommandContext) -> int:
        row = _acting_row(ctx, task_id)
        if ctx.case.status != "running":
            raise Conflict("the case is not running", code="case_not_running")
        if ctx.case.suspended:  # 挂起 (engine/verbs/case_control)
            raise Conflict("the case is suspended", code="case_suspended")
        stop_for_supplement(ctx, row, checked, note)
        return ctx.case.id

    return execute(
        govflow,
        access.case_of_task(govflow.db, actor, task_id),
        actor,
        command,
        touches_workflow=False,
    )


def stop_for_supplement(
    ctx: CommandContext, row: TaskRow, items: list[dict[str, Any]], note: str
) -> None:
    """The case waits for the applicant with every clock stopped, for ``items`` (checked
    by ``_items``) asked at ``row`` — by a clerk's request, or by the window when a
    deferred material (容缺) was not supplied in time."""
    clocks = ctx.clocks()
    clocks.pause(
        "supplement",
        str(note or "")[:2000],
        ctx.actor.username,
        task_id=row.id,
        details={"items": items, "task": row.name, "department": row.department_code},
    )
    ctx.case.status = "waiting_applicant"
    ctx.audit("supplement_requested", task_id=row.id, items=items, note=note)
    # 一次性告知: the numbered 补正告知书 lists every item, and the applicant is told
    decisions.supplement(
        ctx.session, ctx.case, ctx.actor, items, str(note or ""), row.department_code
    )
    ctx.sync_deadlines(clocks)


def answer_supplement(
    govflow: Govflow, actor: Principal, case_id: int, data: Any, note: str = "", lang: str = "zh"
) -> int:
    """The applicant's resubmission: corrected application fields (validated against the
    application form), then every clock resumes."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise BadRequest("'data' must be an object")

    def command(ctx: CommandContext) -> int:
        if not (
            actor.has("applicant") and actor.id_number == ctx.case.applicant_id_number
        ) and not actor.has("clerk", "admin"):
            raise Forbidden("only the applicant answers a supplement request")
        clocks = ctx.clocks()
        pending = [p for p in clocks.open_pauses() if p.kind == "supplement"]
        if ctx.case.status != "waiting_applicant" or not pending:
            raise Conflict("no supplement request is waiting", code="no_supplement_pending")
        corrected = _corrected_application(govflow, ctx, data, lang)
        for task in ctx.workflow.all_tasks():
            if task.state in (TaskState.READY, TaskState.WAITING):
                task.data.update(corrected)
        for pause in pending:
            clocks.resume(
                pause, actor.username, {"data": corrected, "note": str(note or "")[:2000]}
            )
        ctx.case.status = "running"
        ctx.audit("supplement_answered", corrected=corrected, note=note)
        return ctx.case.id

    access.require_visible_case(govflow.db, actor, case_id)
    return execute(govflow, case_id, actor, command)


def _corrected_application(govflow: Govflow, ctx: CommandContext, data: dict, lang: str) -> dict:
    if not data:
        return {}
    start_form = ctx.definition.meta.get("start_form")
    if not start_form:
        raise ValidationFailed(
            "this matter has no application form to correct",
            fields={"data": ["不接受更正数据 / no corrections accepted"]},
        )
    form = form_for(govflow.forms, ctx.definition, start_form)
    unknown = [k for k in data if form.field_named(k) is None]
    if unknown:
        raise ValidationFailed(
            "unknown fields", fields={k: ["未知字段 / unknown field"] for k in unknown}
        )
    merged = {
        f.name: ctx.case.data.get(f.name)
        for f in form.fields
        if ctx.case.data.get(f.name) is not None
    }
    merged.update(data)
    try:
        cleaned = validate_submission(form, merged, lang)
    except FormValidationError as exc:
        raise ValidationFailed("the corrected data is invalid", fields=exc.fields) from None
    return {k: cleaned[k] for k in data if k in cleaned}


def start_special_procedure(
    govflow: Govflow, actor: Principal, task_id: str, kind: str, reason: str
) -> int:
    if kind not in SPECIAL_PROCEDURES:
        raise ValidationFailed(
            "unknown special procedure",
            fields={"kind": [f"one of {', '.join(SPECIAL_PROCEDURES)}"]},
        )
    if not str(reason or "").strip():
        raise ValidationFailed("give the reason", fields={"reason": ["必填 / required"]})

    def command(ctx: CommandContext) -> int:
        row = _acting_row(ctx, task_id)
        clocks = ctx.clocks()
        pause = clocks.pause(
            "special_procedure",
            str(reason)[:2000],
            actor.username,
            task_id=row.id,
            details={"procedure": kind},
        )
        ctx.session.flush()
        ctx.audit(
            "special_procedure_started",
            task_id=row.id,
            procedure=kind,
            reason=reason,
            pause_id=pause.id,
        )
        ctx.sync_deadlines(clocks)
        return pause.id

    return execute(
        govflow,
        access.case_of_task(govflow.db, actor, task_id),
        actor,
        command,
        touches_workflow=False,
    )


def end_special_procedure(
    govflow: Govflow, actor: Principal, case_id: int, pause_id: int, result: str
) -> int:
    def command(ctx: CommandContext) -> int:
        pause = ctx.session.get(CasePause, pause_id)
        if pause is None or pause.case_id != case_id or pause.kind != "special_procedure":
            raise NotFound("no such special procedure")
        if pause.ended_at is not None:
            raise Conflict("the special procedure has already ended", code="already_ended")
        row = ctx.session.get(TaskRow, pause.task_id) if pause.task_id else None
        if not actor.has("admin", "supervisor") and not (row and access.may_act_on(actor, row)):
            raise Forbidden("only the department that started it may end it")
        clocks = ctx.clocks()
        clocks.resume(pause, actor.username, {"result": str(result or "")[:2000]})
        ctx.audit(
            "special_procedure_ended", task_id=pause.task_id, pause_id=pause.id, result=result
        )
        ctx.sync_deadlines(clocks)
        return case_id

    access.require_visible_case(govflow.db, actor, case_id)
    return execute(govflow, case_id, actor, command, touches_workflow=False)
