"""Sharing requests (共享申请): file one, decide one, and what a definition still needs.

A designer whose deploy warned "provider X does not accept this matter's purpose" files a
request to the department that owns X.  Its clerks and supervisors see the open requests
beside their worklist and approve (the purpose joins the provider's accepted purposes —
the effect of the administrator's ``PUT``, which stays for operators) or refuse with a
reason.  Each step is one transaction, audited; the department is told of a new request
and the designers of the decision (``engine.notices.inbox``).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .. import audit, clock
from ..context import Govflow
from ..errors import Conflict, Forbidden, NotFound, ValidationFailed
from ..models import ProcessDefinition
from ..notices import inbox
from ..principal import Principal
from ..shared_data import registry
from ..shared_data.sharing import SharingRequest, grant_purpose, request_view
from ..uow import read_only, run_in_transaction
from .access import require_role

REQUESTERS = ("designer", "admin")
DECIDERS = ("clerk", "supervisor")


def deciding_department(actor: Principal) -> str | None:
    """The department whose sharing requests ``actor`` decides: their own, for its
    clerks and supervisors; None for anyone else."""
    return actor.department if actor.has(*DECIDERS) else None


def file_request(
    govflow: Govflow, actor: Principal, provider: str, cleaned: dict[str, Any]
) -> dict[str, Any]:
    """``cleaned``: ``{"purpose", "reason"}`` as ``web/schemas`` loaded them (a purpose
    pattern, a non-blank reason)."""
    require_role(actor, *REQUESTERS)
    spec = govflow.providers.get(provider)
    if spec is None:
        raise NotFound(f"no provider '{provider}'")
    purpose, reason = cleaned["purpose"], cleaned["reason"].strip()
    matter, _slash, step = purpose.partition("/")

    def work(session: Session) -> dict[str, Any]:
        _check_purpose(session, matter, step)
        if spec.sharing == "not_shared":
            raise Conflict(
                f"provider '{provider}' is not shared (不予共享): no purpose can be granted",
                code="not_shared",
            )
        if registry.resolve(session, govflow.providers, provider).allows(purpose):
            raise Conflict(
                f"provider '{provider}' already accepts the purpose '{purpose}'",
                code="purpose_accepted",
            )
        if _open_request(session, provider, purpose) is not None:
            raise Conflict(
                f"a request for '{purpose}' is already open at provider '{provider}'",
                code="sharing_request_open",
            )
        row = SharingRequest(
            provider=provider,
            purpose=purpose,
            matter=matter,
            department_code=spec.department,
            reason=reason,
            requested_by=actor.username,
            requested_at=clock.now(),
            status="open",
        )
        session.add(row)
        try:
            with session.begin_nested():
                session.flush()
        except IntegrityError:  # filed by someone else a moment ago
            raise Conflict(
                f"a request for '{purpose}' is already open at provider '{provider}'",
                code="sharing_request_open",
            ) from None
        audit.record(
            session,
            actor,
            "sharing_request_filed",
            request_id=row.id,
            provider=provider,
            purpose=purpose,
            department=spec.department,
            reason=reason,
        )
        title = f"共享申请：{spec.title_zh or provider}"
        body = f"{actor.display_name or actor.username} 申请 {purpose} 使用 {spec.title_zh or provider}：{reason}"
        for role in DECIDERS:
            inbox.tell_department(
                session, None, role, spec.department, "sharing_request", title, body
            )
        return request_view(row, spec)

    return run_in_transaction(govflow.db, work)


def _check_purpose(session: Session, matter: str, step: str) -> None:
    """A request names one deployed matter and one of its steps (or ``*``, all of them):
    a wildcard over matters is an operator's decision, made with the ``PUT``."""
    problem = None
    if any(c in matter for c in "*?"):
        problem = "name one matter: wildcards over matters are for administrators"
    elif any(c in step for c in "*?") and step != "*":
        problem = "name one step of the matter, or '*' for all of them"
    else:
        meta = session.scalar(
            select(ProcessDefinition.meta)
            .where(ProcessDefinition.key == matter)
            .order_by(ProcessDefinition.version.desc())
            .limit(1)
        )
        if meta is None:
            problem = f"no deployed matter '{matter}'"
        elif step != "*" and step not in {t["id"] for t in meta.get("service_tasks", [])}:
            problem = f"the matter '{matter}' has no service task '{step}'"
    if problem:
        raise ValidationFailed("the purpose is invalid", fields={"purpose": [problem]})


def _open_request(session: Session, provider: str, purpose: str) -> SharingRequest | None:
    return session.scalar(
        select(SharingRequest).where(
            SharingRequest.provider == provider,
            SharingRequest.purpose == purpose,
            SharingRequest.status == "open",
        )
    )


def _visible(actor: Principal) -> Any:
    """SQL: the requests ``actor`` may read — designers and administrators every one,
    a department's clerks and supervisors their department's (a supervisor without a
    department, every one)."""
    if actor.has(*REQUESTERS) or (actor.has("supervisor") and not actor.department):
        return SharingRequest.id.isnot(None)
    if department := deciding_department(actor):
        return SharingRequest.department_code == department
    raise Forbidden("your role may not see sharing requests", required=[*REQUESTERS, *DECIDERS])


def list_requests(
    govflow: Govflow,
    actor: Principal,
    *,
    status: str | None = None,
    provider: str | None = None,
    matter: str | None = None,
) -> list[dict[str, Any]]:
    query = select(SharingRequest).where(_visible(actor))
    if status:
        query = query.where(SharingRequest.status == status)
    if provider:
        query = query.where(SharingRequest.provider == provider)
    if matter:
        query = query.where(SharingRequest.matter == matter)
    with read_only(govflow.db) as session:
        rows = session.scalars(query.order_by(SharingRequest.id.desc())).all()
        return [request_view(r, govflow.providers.get(r.provider)) for r in rows]


def count_open(govflow: Govflow, actor: Principal) -> int:
    """How many open requests wait for ``actor``'s department (0 for anyone who decides
    none: no department, or a role that does not decide).  One count, for the link on
    every page."""
    department = deciding_department(actor)
    if not department:
        return 0
    query = (
        select(func.count())
        .select_from(SharingRequest)
        .where(
            SharingRequest.department_code == department,
            SharingRequest.status == "open",
        )
    )
    with read_only(govflow.db) as session:
        return session.scalar(query) or 0


def get_request(govflow: Govflow, actor: Principal, request_id: int) -> dict[str, Any]:
    with read_only(govflow.db) as session:
        row = session.scalar(
            select(SharingRequest).where(SharingRequest.id == request_id, _visible(actor))
        )
        if row is None:
            raise NotFound("no such sharing request")
        return request_view(row, govflow.providers.get(row.provider))


def decide(
    govflow: Govflow, actor: Principal, request_id: int, cleaned: dict[str, Any]
) -> dict[str, Any]:
    """``cleaned``: ``{"decision": "approve"|"refuse", "reason"}``; a refusal needs its
    reason.  Only the owning department's clerks and supervisors decide."""

    def work(session: Session) -> dict[str, Any]:
        row = session.get(SharingRequest, request_id, with_for_update=True)
        if row is None:
            raise NotFound("no such sharing request")
        if deciding_department(actor) != row.department_code:
            raise Forbidden(
                "only the clerks and supervisors of the department that owns the provider "
                "decide its sharing requests"
            )
        if row.status != "open":
            raise Conflict(f"the request is already {row.status}", code="already_decided")
        decision = cleaned["decision"]
        reason = (cleaned.get("reason") or "").strip() or None
        if decision == "refuse" and not reason:
            raise ValidationFailed(
                "a refusal needs its reason", fields={"reason": ["必填 / required"]}
            )
        spec = govflow.providers[row.provider]
        if decision == "approve":
            config = grant_purpose(session, spec, row.purpose, actor.username)
            audit.record(
                session,
                actor,
                "provider_configured",
                provider=row.provider,
                purposes=list(config.purposes or []),
                sharing_request=row.id,
            )
        row.status = "approved" if decision == "approve" else "refused"
        row.decided_by, row.decided_at, row.decision_reason = actor.username, clock.now(), reason
        audit.record(
            session,
            actor,
            f"sharing_request_{row.status}",
            request_id=row.id,
            provider=row.provider,
            purpose=row.purpose,
            reason=reason,
        )
        verdict = "已同意" if row.status == "approved" else "未同意"
        inbox.tell_designers(
            session,
            "sharing_request_decided",
            f"共享申请{verdict}：{spec.title_zh or row.provider}",
            f"{row.requested_by} 为 {row.purpose} 提出的共享申请{verdict}"
            + (f"：{reason}" if reason else ""),
        )
        return request_view(row, spec)

    return run_in_transaction(govflow.db, work)


def needed_for(
    govflow: Govflow, meta: dict[str, Any]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The pulls of a deployed matter that a provider refuses today, each with the newest
    request filed for it (or ``None``) — what the definition page offers a button for —
    and every request filed for the matter, newest first."""
    needed = []
    with read_only(govflow.db) as session:
        rows = session.scalars(
            select(SharingRequest)
            .where(SharingRequest.matter == meta["key"])
            .order_by(SharingRequest.id)
        ).all()
        requests = {(row.provider, row.purpose): row for row in rows}
        for task in meta.get("service_tasks", []):
            purpose = f"{meta['key']}/{task['id']}"
            for name in task.get("shared_data", []):
                spec = govflow.providers.get(name)
                if spec is None or spec.sharing == "not_shared":
                    continue
                if registry.resolve(session, govflow.providers, name).allows(purpose):
                    continue
                latest = requests.get((name, purpose)) or requests.get((name, f"{meta['key']}/*"))
                needed.append(
                    {
                        "provider": name,
                        "title": {"zh": spec.title_zh, "en": spec.title_en},
                        "department": spec.department,
                        "step": task["id"],
                        "purpose": purpose,
                        "request": request_view(latest, spec) if latest else None,
                    }
                )
        history = [request_view(r, govflow.providers.get(r.provider)) for r in reversed(rows)]
    return needed, history
