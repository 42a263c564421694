"""Case-level verbs: 挂起/恢复 (suspend, resume) and 终止 (terminate) by a supervisor, and
不予受理 (refuse at the window, with statutory reasons).

Suspension reuses the stopped clock of the time-limits capability (a ``suspension``
pause): while it is open every deadline of the case is paused and no step may be
completed.  Termination and refusal cancel the workflow: the open tasks leave every
worklist and the clocks close (cancelled, resp. met or missed).
"""

from __future__ import annotations

from typing import Any

from .. import clock
from ..context import Govflow
from ..errors import Conflict, ValidationFailed
from ..notices import decisions
from ..principal import Principal
from ..runtime.executor import CommandContext, execute
from ..services.access import require_role
from .common import (
    case_of_task,
    open_row_to_act_on,
    reason_of,
    require_visible_case,
)

#: 不予受理 — the grounds of the Administrative Licensing Law (art. 32) and the common
#: statutory bars a window meets; ``other`` needs the legal basis written out.
REFUSAL_REASONS: dict[str, tuple[str, str]] = {
    "not_required": (
        "申请事项依法不需要取得行政许可",
        "The matter does not require a licence by law",
    ),
    "not_competent": (
        "申请事项依法不属于本行政机关职权范围，请向有关行政机关申请",
        "The matter is outside this agency's competence; apply to the competent agency",
    ),
    "not_eligible": (
        "申请人不具备申请资格或者不符合法定条件",
        "The applicant is not eligible or does not meet the statutory conditions",
    ),
    "legally_restricted": (
        "申请事项依法不得办理（如不动产被查封、存在权属争议）",
        "The matter may not be handled by law (e.g. the property is under seizure)",
    ),
    "supplement_overdue": (
        "逾期未按一次性告知补正申请材料",
        "The requested supplement was not provided in time",
    ),
    "deferral_overdue": (
        "容缺受理后逾期未补齐申请材料",
        "The deferred materials were not supplied in time",
    ),
    "other": ("其他法定事由", "Other statutory grounds"),
}
MAX_REASONS = 10


def _supervising(govflow: Govflow, actor: Principal, case_id: int) -> None:
    require_role(actor, "supervisor", "admin")
    require_visible_case(govflow, actor, case_id)


def _not_closed(ctx: CommandContext) -> None:
    if ctx.case.status in ("completed", "terminated"):
        raise Conflict("the case is closed", code="case_closed")


def _close_pauses(ctx: CommandContext, clocks: Any, result: dict[str, Any]) -> None:
    for pause in clocks.open_pauses():
        clocks.resume(pause, ctx.actor.username, result)


def suspend(govflow: Govflow, actor: Principal, case_id: int, reason: Any) -> int:
    """挂起: the case halts, its clocks stop, its steps cannot be completed."""
    text = reason_of(reason)
    _supervising(govflow, actor, case_id)

    def command(ctx: CommandContext) -> int:
        _not_closed(ctx)
        if ctx.case.suspended:
            raise Conflict("the case is already suspended", code="already_suspended")
        clocks = ctx.clocks()
        clocks.pause("suspension", text, actor.username)
        ctx.case.suspended = True
        ctx.audit("case_suspended", reason=text)
        ctx.sync_deadlines(clocks)
        return case_id

    return execute(govflow, case_id, actor, command, touches_workflow=False)


def resume(govflow: Govflow, actor: Principal, case_id: int, note: Any) -> int:
    """恢复: the suspension ends; the suspended time is not counted."""
    text = reason_of(note, "note", required=False)
    _supervising(govflow, actor, case_id)

    def command(ctx: CommandContext) -> int:
        _not_closed(ctx)
        if not ctx.case.suspended:
            raise Conflict("the case is not suspended", code="not_suspended")
        clocks = ctx.clocks()
        for pause in clocks.open_pauses():
            if pause.kind == "suspension":
                clocks.resume(pause, actor.username, {"note": text})
        ctx.case.suspended = False
        ctx.audit("case_resumed", note=text, reason=text)
        ctx.sync_deadlines(clocks)
        return case_id

    return execute(govflow, case_id, actor, command, touches_workflow=False)


def terminate(govflow: Govflow, actor: Principal, case_id: int, reason: Any) -> int:
    """终止: the case ends unfinished; its open tasks leave the worklists."""
    text = reason_of(reason)
    _supervising(govflow, actor, case_id)

    def command(ctx: CommandContext) -> int:
        _not_closed(ctx)
        now = clock.now()
        _close_pauses(ctx, ctx.clocks(), {"ended_by": "termination"})
        ctx.workflow.cancel()
        ctx.case.status, ctx.case.suspended, ctx.case.completed_at = "terminated", False, now
        ctx.case.closure = {
            "kind": "terminated",
            "reason": text,
            "by": actor.username,
            "at": clock.isoformat(now),
        }
        ctx.audit("case_terminated", reason=text)
        return case_id

    return execute(govflow, case_id, actor, command)


def checked_reasons(raw: Any) -> list[dict[str, str]]:
    """Statutory reasons: ``[{"code", "text"?}]``; the text defaults to the law's words."""
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, list) or not raw:
        raise ValidationFailed(
            "give the statutory reasons", fields={"reasons": ["至少一项 / at least one"]}
        )
    if len(raw) > MAX_REASONS:
        raise ValidationFailed("too many reasons", fields={"reasons": [f"≤ {MAX_REASONS}"]})
    reasons, problems = [], {}
    for i, item in enumerate(raw):
        item = {"code": item} if isinstance(item, str) else item
        if not isinstance(item, dict):
            problems[f"reasons[{i}]"] = ["必须是对象 / must be an object"]
            continue
        code = item.get("code")
        text = str(item.get("text") or "").strip()[:1000]
        if code not in REFUSAL_REASONS:
            problems[f"reasons[{i}].code"] = [f"one of {', '.join(REFUSAL_REASONS)}"]
            continue
        if code == "other" and not text:
            problems[f"reasons[{i}].text"] = ["写明法律依据 / state the legal basis"]
            continue
        zh, en = REFUSAL_REASONS[code]
        reasons.append({"code": code, "text": text or zh, "text_en": en if not text else text})
    if problems:
        raise ValidationFailed("the refusal reasons are invalid", fields=problems)
    return reasons


def _is_window_step(ctx: CommandContext, bpmn_id: str, department: str | None) -> bool:
    """The acceptance step: the process property ``acceptance_task``, else any step of
    the window (``service_center``)."""
    wanted = ctx.definition.meta.get("properties", {}).get("acceptance_task")
    return bpmn_id == wanted if wanted else department == "service_center"


def refuse(govflow: Govflow, actor: Principal, task_id: str, reasons: Any, note: Any) -> int:
    """不予受理: the window refuses the application with statutory reasons; the case ends
    with outcome ``refused`` and the applicant sees why."""
    checked = checked_reasons(reasons)
    text = reason_of(note, "note", required=False)

    def command(ctx: CommandContext) -> int:
        row = open_row_to_act_on(ctx, task_id)
        _not_closed(ctx)
        if ctx.case.suspended:
            raise Conflict("the case is suspended", code="case_suspended")
        if row.kind != "bpmn" or not _is_window_step(ctx, row.bpmn_id, row.department_code):
            raise Conflict("only the window's acceptance step refuses", code="not_refusable")
        now = end_as_refused(ctx, checked, text)
        row.status, row.assignee = "completed", row.assignee or actor.username
        row.completed_at, row.completed_by = now, actor.username
        row.submission = {"refused": True, "reasons": checked, "note": text}
        ctx.audit("case_refused", task_id=row.id, reasons=checked, note=text, reason=text)
        return ctx.case.id

    return execute(govflow, case_of_task(govflow, actor, task_id), actor, command)


def end_as_refused(ctx: CommandContext, checked: list[dict[str, str]], text: str) -> Any:
    """The case ends refused (its workflow cancelled, its clocks closed) for ``checked``
    reasons; answers the instant.  Also the end of a case whose deferred materials (容缺)
    never came."""
    now = clock.now()
    _close_pauses(ctx, ctx.clocks(), {"ended_by": "refusal"})
    ctx.workflow.cancel()
    case = ctx.case
    case.status, case.outcome, case.completed_at = "completed", "refused", now
    case.closure = {
        "kind": "refused",
        "reasons": checked,
        "note": text,
        "by": ctx.actor.username,
        "at": clock.isoformat(now),
    }
    # 不予受理决定书 with the grounds and the right to review or litigation
    decisions.refused(ctx.session, case, ctx.actor, checked, text)
    return now


def refusal_reasons() -> list[dict[str, str]]:
    return [{"code": c, "text": zh, "text_en": en} for c, (zh, en) in REFUSAL_REASONS.items()]
