"""延期 (Administrative Licensing Law art. 42): a clerk asks, the department head decides.

A clerk working on a case asks to extend its limits by some working days (at most
``Settings.extension_max_days``, default 10) with a reason; the head of the clerk's
department (a supervisor; an administrator; a supervisor without a department oversees
all) approves or refuses it from their worklist.  Approval adds the days to the case's
open working-day limits (``CaseClocks.extend``: the statutory one and the promised one),
issues the 延期告知书 and tells the applicant, all in one transaction.  A refused request
changes nothing; one still pending when its case has closed or its limit has run out
expires — when someone tries to decide it, or when the scheduler's ``sweep`` finds it
first (a head who never answers) — and changes nothing either.  Every step is an audit
event.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, select

from .. import clock
from ..context import Govflow
from ..deadlines.models import DeadlineRow
from ..errors import Conflict, Forbidden, NotFound, ValidationFailed
from ..models import Case, TaskRow
from ..notices import decisions, inbox
from ..principal import SYSTEM, Principal
from ..runtime.executor import CommandContext, execute
from ..services import access
from ..uow import read_only
from .common import OPEN, reason_of
from .models import CaseExtension

STATUSES = ("pending", "approved", "refused", "expired")
CLOSED = ("completed", "terminated")


def _days(raw: Any, most: int) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int) or not 1 <= raw <= most:
        raise ValidationFailed(
            "working_days must be a whole number of days",
            fields={"working_days": [f"1–{most} 个工作日 / 1 to {most} working days"]},
        )
    return raw


def _acting_row(ctx: CommandContext, task_id: str | None) -> TaskRow:
    """The clerk's open task on the case (the one named, else any they may act on)."""
    query = select(TaskRow).where(TaskRow.case_id == ctx.case.id, TaskRow.status.in_(OPEN))
    if task_id:
        query = query.where(TaskRow.id == task_id)
    for row in ctx.session.scalars(query):
        if access.may_act_on(ctx.actor, row):
            return row
    raise Forbidden("only a clerk working on the case asks to extend it")


def request_extension(
    govflow: Govflow,
    actor: Principal,
    case_id: int,
    reason: Any,
    working_days: Any,
    task_id: Any = None,
) -> dict[str, Any]:
    access.require_role(actor, "clerk")
    text = reason_of(reason)
    days = _days(working_days, govflow.settings.extension_max_days)
    if task_id is not None and not isinstance(task_id, str):
        raise ValidationFailed("task_id must be text", fields={"task_id": ["text"]})
    access.require_visible_case(govflow.db, actor, case_id)

    def command(ctx: CommandContext) -> dict[str, Any]:
        if ctx.case.status in ("completed", "terminated"):
            raise Conflict("the case is closed", code="case_closed")
        row = _acting_row(ctx, task_id)
        statutory = ctx.clocks().case_limit("statutory")
        if statutory is None or statutory.completed_at is not None:
            raise Conflict("the case has no running limit to extend", code="no_limit")
        pending = ctx.session.scalar(
            select(func.count())
            .select_from(CaseExtension)
            .where(CaseExtension.case_id == ctx.case.id, CaseExtension.status == "pending")
        )
        if pending:
            raise Conflict(
                "an extension of this case waits for a decision", code="extension_pending"
            )
        extension = CaseExtension(
            case_id=ctx.case.id,
            task_id=row.id,
            department_code=row.department_code or actor.department,
            reason=text,
            working_days=days,
            status="pending",
            requested_by=actor.username,
            requested_at=clock.now(),
            old_due_at=statutory.due_at,
        )
        ctx.session.add(extension)
        ctx.session.flush()
        ctx.audit(
            "extension_requested",
            task_id=row.id,
            extension_id=extension.id,
            working_days=days,
            reason=text,
        )
        inbox.tell_department(
            ctx.session,
            ctx.case,
            "supervisor",
            extension.department_code,
            "extension_requested",
            "延期申请待审批",
            f"办件 {ctx.case.id} 申请延期 {days} 个工作日：{text}",
        )
        return extension_view(extension)

    return execute(govflow, case_id, actor, command, touches_workflow=False)


def _may_decide(actor: Principal, extension: CaseExtension) -> bool:
    if actor.has("admin"):
        return True
    if not actor.has("supervisor"):
        return False
    return actor.department is None or actor.department == extension.department_code


def _case_of_extension(govflow: Govflow, actor: Principal, extension_id: int) -> int:
    with read_only(govflow.db) as session:
        extension = session.get(CaseExtension, extension_id)
        if extension is None or not actor.has("supervisor", "admin"):
            raise NotFound("no such extension")
        if not _may_decide(actor, extension):
            raise Forbidden("only the head of the requesting department decides")
        return extension.case_id


def decide(
    govflow: Govflow, actor: Principal, extension_id: int, approved: Any, note: Any = None
) -> dict[str, Any]:
    """Approve or refuse a pending request; 409 ``extension_expired`` (and the request is
    closed as expired) when its case closed or its limit ran out before the decision."""
    if not isinstance(approved, bool):
        raise ValidationFailed("approved must be true or false", fields={"approved": ["boolean"]})
    text = reason_of(note, "note", required=False)
    case_id = _case_of_extension(govflow, actor, extension_id)

    def command(ctx: CommandContext) -> dict[str, Any]:
        extension = ctx.session.get(CaseExtension, extension_id)
        if extension.status != "pending":
            raise Conflict(f"the request is already {extension.status}", code="extension_decided")
        now = clock.now()
        extension.decided_by, extension.decided_at, extension.decision_note = (
            actor.username,
            now,
            text,
        )
        clocks = ctx.clocks()
        statutory = clocks.case_limit("statutory")
        if _lapsed(ctx.case, statutory, now):
            extension.status = "expired"
            ctx.audit("extension_expired", task_id=extension.task_id, extension_id=extension.id)
            return extension_view(extension)
        if not approved:
            extension.status = "refused"
            ctx.audit(
                "extension_refused",
                task_id=extension.task_id,
                extension_id=extension.id,
                note=text,
            )
            _tell_clerks(ctx, extension, f"办件 {ctx.case.id} 的延期申请未获批准。{text}")
            return extension_view(extension)
        moved = clocks.extend(extension.working_days)
        ctx.sync_deadlines(clocks)
        old, new = moved.get("statutory", (statutory.due_at, statutory.due_at))
        extension.status, extension.old_due_at, extension.new_due_at = "approved", old, new
        notice = decisions.extended(
            ctx.session,
            ctx.case,
            actor,
            reason=extension.reason,
            days=extension.working_days,
            new_due_at=new,
            department=extension.department_code,
        )
        extension.notice_id = notice.id
        ctx.audit(
            "extension_approved",
            task_id=extension.task_id,
            extension_id=extension.id,
            working_days=extension.working_days,
            due_before={k: clock.isoformat(v[0]) for k, v in moved.items()},
            due_after={k: clock.isoformat(v[1]) for k, v in moved.items()},
            note=text,
        )
        _tell_clerks(
            ctx,
            extension,
            f"办件 {ctx.case.id} 延期 {extension.working_days} 个工作日已批准，"
            f"法定期限至 {clock.isoformat(new)}。",
        )
        return extension_view(extension)

    view = execute(govflow, case_id, actor, command, touches_workflow=False)
    if view["status"] == "expired":
        raise Conflict(
            "the request expired: the case closed or its limit ran out first",
            code="extension_expired",
        )
    return view


def _lapsed(case: Case, statutory: DeadlineRow | None, now: datetime) -> bool:
    """Too late to extend: the case closed, or its statutory limit is over or ran out."""
    return (
        case.status in CLOSED
        or statutory is None
        or statutory.completed_at is not None
        or now > statutory.due_at
    )


def sweep(govflow: Govflow, now: datetime | None = None) -> int:
    """The scheduler's sweep: requests nobody decided before their case closed or its
    limit ran out expire, each in a command of its own under the case lock (so a head
    deciding at the same moment either wins or is told it expired), with an audit event;
    nothing else changes.  Answers how many expired."""
    now = now or clock.now()
    statutory = and_(
        DeadlineRow.case_id == CaseExtension.case_id,
        DeadlineRow.task_id.is_(None),
        DeadlineRow.name == "statutory",
    )
    with read_only(govflow.db) as session:
        lapsed = session.execute(
            select(CaseExtension.id, CaseExtension.case_id)
            .join(Case, Case.id == CaseExtension.case_id)
            .outerjoin(DeadlineRow, statutory)
            .where(
                CaseExtension.status == "pending",
                or_(
                    Case.status.in_(CLOSED),
                    DeadlineRow.id.is_(None),
                    DeadlineRow.completed_at.is_not(None),
                    DeadlineRow.due_at < now,
                ),
            )
            .order_by(CaseExtension.id)
        ).all()
    expired = 0
    for extension_id, case_id in lapsed:
        expired += execute(
            govflow,
            case_id,
            SYSTEM,
            lambda ctx, extension_id=extension_id: _expire(ctx, extension_id, now),
            touches_workflow=False,
        )
    return expired


def _expire(ctx: CommandContext, extension_id: int, now: datetime) -> bool:
    extension = ctx.session.get(CaseExtension, extension_id)
    if extension.status != "pending" or not _lapsed(
        ctx.case, ctx.clocks().case_limit("statutory"), now
    ):
        return False  # decided meanwhile, or no longer lapsed under the lock
    extension.status = "expired"
    ctx.audit(
        "extension_expired",
        task_id=extension.task_id,
        extension_id=extension.id,
        reason="not decided before the case closed or its limit ran out",
    )
    return True


def _tell_clerks(ctx: CommandContext, extension: CaseExtension, body: str) -> None:
    inbox.tell_department(
        ctx.session,
        ctx.case,
        "clerk",
        extension.department_code,
        f"extension_{extension.status}",
        "延期申请结果",
        body,
    )


def extension_view(row: CaseExtension) -> dict[str, Any]:
    return {
        "id": row.id,
        "case_id": row.case_id,
        "task_id": row.task_id,
        "department": row.department_code,
        "reason": row.reason,
        "working_days": row.working_days,
        "status": row.status,
        "requested_by": row.requested_by,
        "requested_at": clock.isoformat(row.requested_at),
        "decided_by": row.decided_by,
        "decided_at": clock.isoformat(row.decided_at),
        "note": row.decision_note,
        "due_before": clock.isoformat(row.old_due_at),
        "due_after": clock.isoformat(row.new_due_at),
        "notice_id": row.notice_id,
    }


def case_extensions(govflow: Govflow, actor: Principal, case_id: int) -> list[dict[str, Any]]:
    with read_only(govflow.db) as session:
        access.get_visible_case(session, actor, case_id)
        rows = session.scalars(
            select(CaseExtension)
            .where(CaseExtension.case_id == case_id)
            .order_by(CaseExtension.requested_at, CaseExtension.id)
        ).all()
        return [extension_view(r) for r in rows]


def _worklist_filter(actor: Principal) -> Any:
    if actor.has("admin") or (actor.has("supervisor") and actor.department is None):
        return None
    if actor.has("supervisor", "clerk") and actor.department:
        return CaseExtension.department_code == actor.department
    raise Forbidden("extension requests are for clerks and supervisors")


def list_extensions(
    govflow: Govflow, actor: Principal, status: str | None, page: int, per_page: int
) -> tuple[list[dict[str, Any]], int]:
    """The requests the caller's department made or decides, newest first (a supervisor's
    worklist of ``status=pending``)."""
    where = []
    scope = _worklist_filter(actor)
    if scope is not None:
        where.append(scope)
    if status:
        where.append(CaseExtension.status == status)
    with read_only(govflow.db) as session:
        total = session.scalar(select(func.count()).select_from(CaseExtension).where(*where))
        rows = session.scalars(
            select(CaseExtension)
            .where(*where)
            .order_by(CaseExtension.requested_at.desc(), CaseExtension.id.desc())
            .offset((page - 1) * per_page)
            .limit(per_page)
        ).all()
        return [extension_view(r) for r in rows], total or 0


def extended_cases(govflow: Govflow, case_ids: list[int]) -> set[int]:
    """Which of these cases had an extension approved (the worklists mark them)."""
    if not case_ids:
        return set()
    with read_only(govflow.db) as session:
        return set(
            session.scalars(
                select(CaseExtension.case_id).where(
                    CaseExtension.case_id.in_(set(case_ids)), CaseExtension.status == "approved"
                )
            )
        )
