"""转办 (transfer to another clerk of the same department) and 委派 (delegate to anyone;
the owner gets the task back when the delegate resolves it)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from .. import clock
from ..context import Govflow
from ..errors import Conflict, Forbidden, ValidationFailed
from ..models import HANDOVER_ACTIONS, AuditEvent, TaskRow, User
from ..principal import Principal
from ..runtime.executor import CommandContext, execute
from ..uow import read_only
from .common import case_of_task, open_row_to_act_on, reason_of, task_row


def _clerk(ctx: CommandContext, raw: Any) -> User:
    """The receiving clerk: an active user with the clerk role."""
    username = raw.strip() if isinstance(raw, str) else ""
    if not username:
        raise ValidationFailed("name the receiving clerk", fields={"to": ["必填 / required"]})
    user = ctx.session.scalar(select(User).where(User.username == username))
    if user is None or not user.active or "clerk" not in (user.roles or []):
        raise ValidationFailed("no such clerk", fields={"to": ["不是在岗办事员 / not a clerk"]})
    if user.username == ctx.actor.username:
        raise ValidationFailed(
            "hand the task to someone else", fields={"to": ["不能转给自己 / not yourself"]}
        )
    return user


def _notice(kind: str, ctx: CommandContext, reason: str, **extra: Any) -> dict[str, Any]:
    return {
        "kind": kind,
        "reason": reason,
        "by": ctx.actor.username,
        "at": clock.isoformat(clock.now()),
        **extra,
    }


def _handing_over(ctx: CommandContext, task_id: str) -> TaskRow:
    row = open_row_to_act_on(ctx, task_id)
    if ctx.case.status in ("completed", "terminated") and row.kind == "bpmn":
        raise Conflict("the case is closed", code="case_closed")
    if row.owner:
        raise Conflict(f"delegated by {row.owner}", code="delegation_pending")
    return row


def transfer(govflow: Govflow, actor: Principal, task_id: str, to: Any, reason: Any) -> TaskRow:
    """转办: the task goes to another clerk of its department, claimed for them."""
    text = reason_of(reason)

    def command(ctx: CommandContext) -> TaskRow:
        row = _handing_over(ctx, task_id)
        target = _clerk(ctx, to)
        if target.department_code != row.department_code:
            raise ValidationFailed(
                "transfer stays within the department; delegate across departments",
                fields={"to": [f"不是 {row.department_code} 的办事员 / another department"]},
            )
        previous = row.assignee
        row.assignee, row.status = target.username, "claimed"
        row.notice = _notice("transferred", ctx, text, previous=previous)
        ctx.audit(
            "task_transferred",
            task_id=row.id,
            name=row.name,
            previous=previous,
            to=target.username,
            reason=text,
        )
        return row

    return execute(
        govflow, case_of_task(govflow, actor, task_id), actor, command, touches_workflow=False
    )


def delegate(govflow: Govflow, actor: Principal, task_id: str, to: Any, reason: Any) -> TaskRow:
    """委派: anyone (any department) works on it; the owner gets it back on resolve."""
    text = reason_of(reason)

    def command(ctx: CommandContext) -> TaskRow:
        row = _handing_over(ctx, task_id)
        if not actor.has("clerk"):
            raise Forbidden("only the clerk holding the task may delegate it")
        target = _clerk(ctx, to)
        row.owner = actor.username
        row.assignee, row.status = target.username, "claimed"
        row.notice = _notice("delegated", ctx, text, owner=actor.username)
        ctx.audit(
            "task_delegated",
            task_id=row.id,
            name=row.name,
            owner=actor.username,
            to=target.username,
            reason=text,
        )
        return row

    return execute(
        govflow, case_of_task(govflow, actor, task_id), actor, command, touches_workflow=False
    )


def resolve(govflow: Govflow, actor: Principal, task_id: str, opinion: Any) -> TaskRow:
    """The delegate hands the task back to its owner, with their opinion."""
    text = reason_of(opinion, "opinion", required=False)

    def command(ctx: CommandContext) -> TaskRow:
        row = task_row(ctx, task_id)
        if row.status not in ("ready", "claimed"):
            raise Conflict("the task is not open", code="task_not_ready")
        if not row.owner:
            raise Conflict("the task is not delegated", code="not_delegated")
        if row.assignee != actor.username:
            raise Forbidden("only the delegate resolves a delegated task")
        owner = row.owner
        row.assignee, row.owner, row.status = owner, None, "claimed"
        row.notice = _notice("resolved", ctx, text, delegate=actor.username, opinion=text)
        ctx.audit(
            "task_resolved", task_id=row.id, name=row.name, owner=owner, opinion=text, reason=text
        )
        return row

    return execute(
        govflow, case_of_task(govflow, actor, task_id), actor, command, touches_workflow=False
    )


def handed_over_by(
    govflow: Govflow, actor: Principal, *, limit: int = 500
) -> list[tuple[dict[str, Any], TaskRow]]:
    """我委派的: the steps ``actor`` transferred or delegated, the latest first, each as
    ``(handover, row)``: how (``transferred``/``delegated``), to whom, when and why, and the
    step as it is now (who holds it, open or done).  Read from the audit trail, which
    keeps every handover even after the step moved on (a resolved delegation, a step
    completed); a step handed over twice is listed once, with the latest."""
    with read_only(govflow.db) as session:
        found = session.execute(
            select(AuditEvent, TaskRow)
            .join(TaskRow, TaskRow.id == AuditEvent.task_id)
            .where(AuditEvent.actor == actor.username, AuditEvent.action.in_(HANDOVER_ACTIONS))
            .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
            .limit(limit)
        ).all()
    handed: dict[str, tuple[dict[str, Any], TaskRow]] = {}
    for event, row in found:
        if row.id in handed:
            continue
        details = event.details or {}
        handed[row.id] = (
            {
                "how": "transferred" if event.action == "task_transferred" else "delegated",
                "to": details.get("to"),
                "reason": details.get("reason"),
                "at": clock.isoformat(event.at),
            },
            row,
        )
    return list(handed.values())
