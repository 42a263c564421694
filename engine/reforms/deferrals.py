"""容缺受理: the window accepts a case with non-key materials to follow.

* ``defer`` — at the acceptance step the window lists the deferrable materials that are
  not in yet and the working days the applicant has to supply them (the matter's
  ``deferral_days`` unless the clerk gives fewer or more); the applicant is told and a
  confirmation issued.  The case's clocks run on: this is not a 补正.
* ``material_arrived`` — an upload of a deferred material (``services.uploads``) settles it.
* ``require_in`` — registration (the matter's ``registration_steps``, 登簿) and any step a
  deferred material names in ``needed_by`` wait while it is out: completing them answers
  409 ``awaiting_deferred_material``.
* ``sweep`` — the scheduler reminds the applicant a day before the date, and a material
  still out when it passes becomes a task for the window (``deferral_overdue``), never a
  silent conclusion.  The window ``decide``s: extend once, request a 补正, or refuse.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from .. import clock
from ..context import Govflow
from ..errors import Conflict, NotFound, ValidationFailed
from ..models import Case, TaskRow
from ..principal import SYSTEM, Principal
from ..runtime.executor import CommandContext, execute
from ..services import access, clock_stops
from ..uow import read_only
from ..verbs import case_control
from ..verbs.common import open_row_to_act_on
from . import notify
from .common import (
    end_of_working_days,
    is_acceptance_step,
    material_name,
    materials_in,
    matter_of,
    open_side_task,
    require_open_case,
)
from .forms import DEFERRAL_OVERDUE_FORM_KEY
from .models import DeferredMaterial
from .views import deferral_view

#: Statuses in which a deferred material is still out.
OUT = ("outstanding", "overdue", "supplement_requested")
MAX_WORKING_DAYS = 30
#: The reminder goes out this long before the date.
REMIND_BEFORE = timedelta(days=1)
#: Cases the scheduler handles per tick.
BATCH = 200


def defer(
    govflow: Govflow,
    actor: Principal,
    case_id: int,
    task_id: str,
    codes: list[str],
    working_days: int | None = None,
) -> list[dict[str, Any]]:
    """Record that the case is accepted with ``codes`` to follow (see the module)."""
    if not codes:
        raise ValidationFailed(
            "name at least one material", fields={"materials": ["至少一项 / at least one"]}
        )
    if working_days is not None and not 1 <= working_days <= MAX_WORKING_DAYS:
        raise ValidationFailed(
            "the working days are out of range",
            fields={"working_days": [f"1–{MAX_WORKING_DAYS}"]},
        )

    def command(ctx: CommandContext) -> list[dict[str, Any]]:
        row = open_row_to_act_on(ctx, task_id)
        if not is_acceptance_step(ctx, row):
            raise Conflict(
                "only the window's acceptance step defers materials", code="not_deferrable"
            )
        require_open_case(ctx)
        matter = matter_of(ctx.case.process_key)
        _check_deferrable(ctx, matter, codes)
        days = working_days or matter.deferral_days
        now = clock.now()
        due_at = end_of_working_days(ctx, now, days)
        rows = [
            DeferredMaterial(
                case_id=ctx.case.id,
                material_code=code,
                task_id=row.id,
                deferred_by=actor.username,
                deferred_at=now,
                working_days=days,
                due_at=due_at,
                remind_at=max(now, due_at - REMIND_BEFORE),
                status="outstanding",
                extended=False,
            )
            for code in codes
        ]
        ctx.session.add_all(rows)
        ctx.session.flush()
        due = clock.isoformat(due_at)
        ctx.audit(
            "materials_deferred", task_id=row.id, materials=codes, working_days=days, due_at=due
        )
        notify.issue_confirmation(ctx, "deferral", materials=codes, due_at=due)
        notify.tell_applicant(ctx, "deferred_due", materials=codes, due_at=due)
        return [deferral_view(d, matter) for d in rows]

    access.require_visible_case(govflow.db, actor, case_id)
    return execute(govflow, case_id, actor, command, touches_workflow=False)


def _check_deferrable(ctx: CommandContext, matter: Any, codes: list[str]) -> None:
    """Every code a deferrable, non-key material of the matter that is not in and not
    deferred already (422 naming each bad one; 409 for one already deferred)."""
    statuses = materials_in(ctx)
    problems: dict[str, list[str]] = {}
    for i, code in enumerate(codes):
        material = matter.material(code) if matter else None
        field = f"materials[{i}]"
        if code in codes[:i]:
            problems[field] = [f"{code} 重复 / named twice"]
        elif material is None:
            problems[field] = [f"本事项没有材料 {code} / the matter has no material {code!r}"]
        elif material.is_key:
            problems[field] = [f"{code} 为关键材料，不得容缺 / a key material is never deferred"]
        elif not material.deferrable:
            problems[field] = [f"{code} 不在容缺材料清单内 / not deferrable for this matter"]
        elif statuses.get(code) in ("shared", "uploaded"):
            problems[field] = [f"{code} 已齐备 / already in"]
    if problems:
        raise ValidationFailed("these materials may not be deferred", fields=problems)
    already = ctx.session.scalars(
        select(DeferredMaterial.material_code).where(
            DeferredMaterial.case_id == ctx.case.id,
            DeferredMaterial.material_code.in_(codes),
            DeferredMaterial.status.in_(OUT),
        )
    ).all()
    if already:
        raise Conflict("already deferred", code="already_deferred", materials=sorted(already))


def outstanding(session: Session, case_id: int) -> list[DeferredMaterial]:
    return list(
        session.scalars(
            select(DeferredMaterial)
            .where(DeferredMaterial.case_id == case_id, DeferredMaterial.status.in_(OUT))
            .order_by(DeferredMaterial.id)
        )
    )


def list_deferrals(govflow: Govflow, actor: Principal, case_id: int) -> list[dict[str, Any]]:
    with read_only(govflow.db) as session:
        case = access.get_visible_case(session, actor, case_id)
        matter = matter_of(case.process_key)
        return [
            deferral_view(d, matter)
            for d in session.scalars(
                select(DeferredMaterial)
                .where(DeferredMaterial.case_id == case_id)
                .order_by(DeferredMaterial.id)
            )
        ]


# --- the case goes on -----------------------------------------------------------------
def material_arrived(ctx: CommandContext, code: str) -> None:
    """An upload of ``code`` settles its deferral; a window task about it is moot."""
    for deferral in outstanding(ctx.session, ctx.case.id):
        if deferral.material_code != code:
            continue
        deferral.status, deferral.supplied_at = "supplied", clock.now()
        ctx.audit(
            "deferred_material_supplied", material=code, due_at=clock.isoformat(deferral.due_at)
        )
        task = (
            ctx.session.get(TaskRow, deferral.overdue_task_id) if deferral.overdue_task_id else None
        )
        if task is not None and task.status in ("ready", "claimed"):
            task.status, task.completed_at = "cancelled", clock.now()
            ctx.audit("task_cancelled", task_id=task.id, reason="deferred material supplied")


def require_in(ctx: CommandContext, row: TaskRow) -> None:
    """409 when ``row`` is registration or a step a deferred material still out is
    needed by."""
    if row.kind != "bpmn":
        return
    matter = matter_of(ctx.case.process_key)
    if matter is None:
        return
    if row.bpmn_id not in matter.registration_steps and not any(
        row.bpmn_id in material.needed_by for material in matter.materials
    ):
        return  # no deferral can hold this step up: no need to read the case's deferrals
    waiting = []
    for deferral in outstanding(ctx.session, ctx.case.id):
        material = matter.material(deferral.material_code)
        steps = set(matter.registration_steps) | set(material.needed_by if material else ())
        if row.bpmn_id in steps:
            waiting.append(deferral.material_code)
    if waiting:
        raise Conflict(
            "this step waits for deferred materials",
            code="awaiting_deferred_material",
            materials=waiting,
        )


def acceptance_decided(ctx: CommandContext, cleaned: dict[str, Any]) -> None:
    """An application the window did not accept after all needs nothing to follow."""
    if cleaned.get("accepted") is not False:
        return
    for deferral in outstanding(ctx.session, ctx.case.id):
        deferral.status = "closed"
        ctx.audit("deferral_closed", material=deferral.material_code, reason="not accepted")


# --- the scheduler ----------------------------------------------------------------------
def sweep(govflow: Govflow, now: datetime | None = None) -> int:
    """Remind the applicants whose date is near; hand the window the materials it passed
    without.  One command per case, under its lock; answers how many cases it handled."""
    now = now or clock.now()
    with read_only(govflow.db) as session:
        case_ids = session.scalars(
            select(DeferredMaterial.case_id)
            .join(Case, Case.id == DeferredMaterial.case_id)
            .where(
                DeferredMaterial.status == "outstanding",
                or_(
                    DeferredMaterial.due_at <= now,
                    and_(DeferredMaterial.reminded_at.is_(None), DeferredMaterial.remind_at <= now),
                ),
                Case.status.in_(("running", "waiting_applicant")),
                Case.suspended.is_(False),
            )
            .distinct()
            .limit(BATCH)
        ).all()
    for case_id in case_ids:
        execute(govflow, case_id, SYSTEM, _due_news(now), touches_workflow=False)
    return len(case_ids)


def _due_news(now: datetime) -> Any:
    def command(ctx: CommandContext) -> None:
        if ctx.case.status not in ("running", "waiting_applicant") or ctx.case.suspended:
            return
        for deferral in outstanding(ctx.session, ctx.case.id):
            if deferral.status != "outstanding":
                continue
            due = clock.isoformat(deferral.due_at)
            if deferral.due_at <= now:
                deferral.status = "overdue"
                row = open_side_task(
                    ctx,
                    kind="deferral_overdue",
                    name=f"容缺材料逾期未补：{material_name(ctx.case.process_key, deferral.material_code)}",
                    department="service_center",
                    form_key=DEFERRAL_OVERDUE_FORM_KEY,
                    notice={
                        "reform": "deferral_overdue",
                        "material": deferral.material_code,
                        "name": material_name(ctx.case.process_key, deferral.material_code),
                        "due_at": due,
                        "extended": deferral.extended,
                    },
                )
                deferral.overdue_task_id = row.id
                ctx.audit("deferred_material_overdue", material=deferral.material_code, due_at=due)
                notify.tell_applicant(
                    ctx, "deferral_overdue", material=deferral.material_code, due_at=due
                )
            elif deferral.reminded_at is None and deferral.remind_at <= now:
                deferral.reminded_at = now
                notify.tell_applicant(
                    ctx, "deferral_reminder", material=deferral.material_code, due_at=due
                )

    return command


# --- the window decides -----------------------------------------------------------------
def decide(ctx: CommandContext, row: TaskRow, cleaned: dict[str, Any]) -> None:
    """Completing a ``deferral_overdue`` task: extend once, request a 补正, or refuse."""
    deferral = ctx.session.scalar(
        select(DeferredMaterial).where(DeferredMaterial.overdue_task_id == row.id)
    )
    if deferral is None:
        raise NotFound("no deferred material for this task")
    if deferral.status != "overdue":
        raise Conflict("the deferred material is no longer overdue", code="already_completed")
    decision, opinion = cleaned["decision"], cleaned.get("opinion")
    code = deferral.material_code
    if decision == "extend":
        if deferral.extended:
            raise ValidationFailed(
                "the deadline was extended once already",
                fields={"decision": ["只能延长一次 / only one extension"]},
            )
        matter = matter_of(ctx.case.process_key)
        now = clock.now()
        deferral.due_at = end_of_working_days(ctx, now, matter.deferral_days if matter else 5)
        deferral.remind_at = max(now, deferral.due_at - REMIND_BEFORE)
        deferral.status, deferral.extended, deferral.reminded_at = "outstanding", True, None
        due = clock.isoformat(deferral.due_at)
        ctx.audit("deferral_extended", task_id=row.id, material=code, due_at=due, opinion=opinion)
        notify.tell_applicant(ctx, "deferral_extended", material=code, due_at=due)
    elif decision == "supplement":
        if ctx.case.status != "running":
            raise Conflict("the case already waits for the applicant", code="case_not_running")
        deferral.status = "supplement_requested"
        item = {
            "material": code,
            "name": material_name(ctx.case.process_key, code),
            "reason": f"容缺材料逾期未补交：{opinion}",
        }
        # the 补正告知书 and the applicant's notification come with the stop itself
        clock_stops.stop_for_supplement(ctx, row, [item], opinion or "")
    else:
        reasons = case_control.checked_reasons([{"code": "deferral_overdue"}])
        case_control.end_as_refused(ctx, reasons, opinion or "")
        for other in outstanding(ctx.session, ctx.case.id):
            other.status = "closed"
        # end_as_refused issued the 不予受理决定书 and told the applicant
        ctx.audit("case_refused", task_id=row.id, reasons=reasons, note=opinion, reason=opinion)
