"""Disputes (异议) over shared records, and the owning department's task to settle them.

An applicant or a clerk handling the case says a shared record is wrong.  The department
that holds the record gets a ``dispute`` task in its worklist; until it answers, the
material no longer counts as shared, so the case goes on with the applicant's upload
instead of waiting.  The department either *rejects* the dispute (the record stands and
the material is shared again) or *upholds* it with the corrected fields, which go into
the case and — for the built-in table — into the record itself, so the next case gets
the corrected record.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import clock
from ..context import Govflow
from ..errors import Conflict, Forbidden, ValidationFailed
from ..models import SharedRecord, TaskRow
from ..principal import Principal
from ..runtime.executor import CommandContext, execute
from ..shared_data import exchange, registry
from ..shared_data.dispute_form import DISPUTE_FORM_KEY
from ..shared_data.models import Dispute
from ..uow import read_only
from .access import get_visible_case
from .materials import dispute_summary

__all__ = ["dispute_view", "list_disputes", "raise_dispute", "settle"]


def dispute_view(dispute: Dispute) -> dict[str, Any]:
    return {
        **dispute_summary(dispute),
        "case_id": dispute.case_id,
        "provider": dispute.provider,
        "subject_field": dispute.subject_field,
        "record_key": dispute.record_key,
        "task_id": dispute.task_id,
        "resolution": dispute.resolution,
        "resolved_by": dispute.resolved_by,
        "resolved_at": dispute.resolved_at and dispute.resolved_at.isoformat(),
    }


def raise_dispute(
    govflow: Govflow, actor: Principal, case_id: int, provider_name: str, field: str, reason: str
) -> dict[str, Any]:
    """Flag a shared record of the case as wrong; the owning department gets a task.

    The request (web/schemas/shared_data.py ``RaiseDispute``) holds the three as
    non-blank text of bounded length."""
    with read_only(govflow.db) as session:
        get_visible_case(session, actor, case_id)

    def command(ctx: CommandContext) -> dict[str, Any]:
        case = ctx.case
        own_case = ctx.actor.has("applicant") and ctx.actor.id_number == case.applicant_id_number
        if not (own_case or ctx.actor.has("clerk")):
            raise Forbidden("only the applicant or a clerk handling the case may dispute")
        source = (case.sources or {}).get(f"{provider_name}:{field}")
        if source is None or source.get("outcome") not in exchange.SHARED_OUTCOMES:
            raise ValidationFailed(
                "the case holds no such shared record",
                fields={"provider": ["no record of this provider for this field in the case"]},
            )
        if ctx.session.scalar(
            select(Dispute.id).where(
                Dispute.case_id == case.id,
                Dispute.provider == provider_name,
                Dispute.subject_field == field,
                Dispute.status == "open",
            )
        ):
            raise Conflict("a dispute over this record is already open", code="dispute_open")
        provider = ctx.govflow.providers[provider_name]
        row = TaskRow(
            id=str(uuid.uuid4()),
            kind="dispute",
            case_id=case.id,
            process_key=case.process_key,
            bpmn_id=f"dispute:{provider_name}",
            name=f"共享数据异议核实：{provider.title_zh or provider_name}",
            department_code=provider.department,
            candidate_groups=[provider.department],
            candidate_users=[],
            status="ready",
            form_key=DISPUTE_FORM_KEY,
            created_at=clock.now(),
        )
        dispute = Dispute(
            case_id=case.id,
            provider=provider_name,
            subject_field=field,
            record_key=source.get("record_key"),
            department_code=provider.department,
            reason=reason,
            raised_by=ctx.actor.username,
            raised_at=clock.now(),
            status="open",
            task_id=row.id,
        )
        ctx.session.add_all([row, dispute])
        ctx.session.flush()
        ctx.audit(
            "dispute_raised",
            provider=provider_name,
            subject_field=field,
            department=provider.department,
            reason=reason,
        )
        ctx.audit(
            "task_created",
            task_id=row.id,
            bpmn_id=row.bpmn_id,
            name=row.name,
            department=row.department_code,
            kind="dispute",
        )
        return dispute_view(dispute)

    return execute(govflow, case_id, actor, command, touches_workflow=False)


def list_disputes(govflow: Govflow, actor: Principal, case_id: int) -> list[dict[str, Any]]:
    with read_only(govflow.db) as session:
        get_visible_case(session, actor, case_id)
        rows = session.scalars(
            select(Dispute).where(Dispute.case_id == case_id).order_by(Dispute.id)
        )
        return [dispute_view(d) for d in rows]


def dispute_for_task(session: Session, task_id: str) -> Dispute | None:
    return session.scalar(select(Dispute).where(Dispute.task_id == task_id))


def _corrections(raw: str | None, fields: tuple[str, ...]) -> dict[str, Any]:
    problem = None
    try:
        value = json.loads(raw or "")
    except ValueError:
        value, problem = None, 'must be a JSON object, e.g. {"area": 90.5}'
    if problem is None and (not isinstance(value, dict) or not value):
        problem = "must be a non-empty JSON object"
    if problem is None and (unknown := sorted(set(value) - set(fields))):
        problem = f"unknown fields {unknown}; the record has {list(fields)}"
    if problem:
        raise ValidationFailed(
            "the corrected record is invalid", fields={"corrected_record": [problem]}
        )
    return value


def settle(ctx: CommandContext, row: TaskRow, cleaned: dict[str, Any]) -> None:
    """Completing a dispute task: the owning department's verdict."""
    dispute = dispute_for_task(ctx.session, row.id)
    if dispute is None or dispute.status != "open":
        raise Conflict("the dispute is already settled", code="already_completed")
    verdict = cleaned["verdict"]
    resolution: dict[str, Any] = {"verdict": verdict, "opinion": cleaned.get("opinion")}
    if verdict == "upheld":
        spec = ctx.govflow.providers[dispute.provider]
        corrections = _corrections(cleaned.get("corrected_record"), spec.fields)
        source = dict((ctx.case.sources or {}).get(f"{dispute.provider}:{dispute.subject_field}"))
        record = _current_record(ctx, dispute) or {}
        corrected = {**record, **corrections}
        exchange.apply_record(
            ctx.workflow, ctx.service_tasks, dispute.provider, dispute.subject_field, corrected
        )
        now = clock.now()
        exchange.record_source(
            ctx.case,
            dispute.provider,
            dispute.subject_field,
            {
                **source,
                "outcome": "corrected",
                "reason": None,
                "corrected_by": ctx.actor.username,
                "corrected_at": now.isoformat(),
                "dispute_id": dispute.id,
            },
        )
        _correct_at_source(ctx, dispute, corrections)
        resolution["corrections"] = corrections
    dispute.status = verdict
    dispute.resolution = resolution
    dispute.resolved_by, dispute.resolved_at = ctx.actor.username, clock.now()
    ctx.audit(
        "dispute_settled",
        task_id=row.id,
        provider=dispute.provider,
        subject_field=dispute.subject_field,
        verdict=verdict,
        corrections=resolution.get("corrections"),
    )


def _current_record(ctx: CommandContext, dispute: Dispute) -> dict[str, Any] | None:
    held = (ctx.case.data or {}).get(dispute.provider)
    if isinstance(held, dict) and isinstance(held.get(dispute.subject_field), dict):
        return dict(held[dispute.subject_field])
    return dict(held) if isinstance(held, dict) else None


def _correct_at_source(ctx: CommandContext, dispute: Dispute, corrections: dict[str, Any]) -> None:
    """The owning department corrects its own record: in the built-in table directly; an
    exchange-platform record is corrected in the department's own system (the case keeps
    the corrected copy and the trail says so)."""
    resolved = registry.resolve(ctx.session, ctx.govflow.providers, dispute.provider)
    if resolved.provider.transport != "database" or not dispute.record_key:
        return
    row = ctx.session.scalar(
        select(SharedRecord).where(
            SharedRecord.provider == dispute.provider,
            SharedRecord.record_key == dispute.record_key,
        )
    )
    if row is not None:
        row.data = {**(row.data or {}), **corrections}
        row.updated_at = clock.now()
