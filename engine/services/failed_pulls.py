"""Records that reach a case after its pull failed: re-pulled, or entered by the window.

When a provider was down (or had no record), the case went on and the applicant
uploaded the document.  The steps after acceptance may still need the record's facts
(the deed-tax decision reads the property's area).  Two commands supply them:

* ``refresh`` — a clerk handling the case asks the providers again for every record that
  did not arrive; those that answer now are put into the case as a pull would have;
* ``transcribe`` — the window clerk enters the facts from the uploaded document (source
  outcome ``transcribed``, with who and which upload): the material stays ``uploaded``,
  and the trail shows the record did not come from shared data.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from .. import clock
from ..context import Govflow
from ..errors import BadRequest, Conflict, Forbidden, NotFound, ValidationFailed
from ..models import TaskRow
from ..principal import Principal
from ..runtime.executor import CommandContext, execute
from ..shared_data import exchange
from ..shared_data.models import MaterialUpload
from ..uow import read_only
from . import access
from .access import get_visible_case


def _require_handling_clerk(ctx: CommandContext) -> None:
    """A clerk whose department has an open task on the case (or an admin)."""
    if ctx.actor.has("admin"):
        return
    if not ctx.actor.has("clerk"):
        raise Forbidden("only a clerk handling the case may do this")
    open_task = ctx.session.scalar(
        select(TaskRow.id).where(
            TaskRow.case_id == ctx.case.id,
            TaskRow.status.in_(("ready", "claimed")),
            access.task_filter(ctx.actor),
        )
    )
    if open_task is None:
        raise Forbidden("your department has no open task on this case")


def _visible(govflow: Govflow, actor: Principal, case_id: int) -> None:
    with read_only(govflow.db) as session:
        get_visible_case(session, actor, case_id)


def refresh(govflow: Govflow, actor: Principal, case_id: int) -> dict[str, Any]:
    """Re-pull every record that did not arrive; answer which ones did now."""
    _visible(govflow, actor, case_id)

    def command(ctx: CommandContext) -> dict[str, Any]:
        _require_handling_clerk(ctx)
        if ctx.case.status in ("completed", "terminated"):
            raise Conflict("the case is closed", code="case_closed")
        fetches: list[exchange.Fetch] = []
        arrived = exchange.repull(
            ctx.session,
            ctx.govflow.providers,
            ctx.case,
            ctx.actor,
            ctx.workflow,
            ctx.service_tasks,
            fetches=fetches,
        )
        ctx.fetch_later(fetches)  # the exchange platform is asked by jobs, after the commit
        fetching = [f"{fetch.provider}:{fetch.field}" for fetch in fetches]
        ctx.audit("shared_data_refreshed", arrived=arrived, fetching=fetching)
        return {"arrived": arrived, "fetching": fetching}

    return execute(govflow, case_id, actor, command)


def transcribe(
    govflow: Govflow, actor: Principal, case_id: int, provider: str, field: str, body: Any
) -> dict[str, Any]:
    """Enter a record's facts from the uploaded document (``body = {"data": {...}}``)."""
    if provider not in govflow.providers:
        raise NotFound(f"no provider '{provider}'")
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, dict) or not data:
        raise BadRequest("'data' must be a non-empty object")
    unknown = sorted(set(data) - set(govflow.providers[provider].fields))
    if unknown:
        raise ValidationFailed(
            "unknown fields", fields={k: ["the record has no such field"] for k in unknown}
        )
    _visible(govflow, actor, case_id)

    def command(ctx: CommandContext) -> dict[str, Any]:
        _require_handling_clerk(ctx)
        source = (ctx.case.sources or {}).get(f"{provider}:{field}")
        if source is None:
            raise NotFound("the case has not asked this provider for this field")
        if source.get("outcome") in exchange.SHARED_OUTCOMES:
            raise Conflict("shared data provided this record", code="material_shared")
        upload = ctx.session.scalar(
            select(MaterialUpload)
            .where(MaterialUpload.case_id == ctx.case.id, MaterialUpload.superseded.is_(False))
            .where(MaterialUpload.material_code.in_(_codes_for(ctx, provider, field)))
            .order_by(MaterialUpload.id.desc())
            .limit(1)
        )
        if upload is None:
            raise Conflict(
                "upload the document first: the record is transcribed from it",
                code="material_missing",
            )
        exchange.apply_record(ctx.workflow, ctx.service_tasks, provider, field, data)
        exchange.record_source(
            ctx.case,
            provider,
            field,
            {
                **source,
                "outcome": "transcribed",
                "previous_outcome": source.get("outcome"),
                "transcribed_by": ctx.actor.username,
                "transcribed_at": clock.now().isoformat(),
                "upload_sha256": upload.sha256,
            },
        )
        ctx.audit(
            "record_transcribed",
            provider=provider,
            subject_field=field,
            fields=sorted(data),
            upload=upload.sha256,
        )
        return {"provider": provider, "subject_field": field, "outcome": "transcribed"}

    return execute(govflow, case_id, actor, command)


def _codes_for(ctx: CommandContext, provider: str, field: str) -> list[str]:
    from .materials import materials_of

    return [
        m["code"]
        for m in materials_of(ctx.case, ctx.definition)
        if m["provider"] == provider and m["subject"] == field
    ]
