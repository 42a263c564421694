"""Reading the access log (PIPL arts. 55–56): for auditors, and for each person about
themself (art. 35: the applicant is told what was pulled, from whom, and who looked).

The log is append-only: nothing in govflow updates or deletes its rows.  Answers mask the
subject's ID number for supervisors (they audit behaviour, not people); admins — who
answer a person's request for their record — see it in clear.  A person reading their
own log sees their own number.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, or_, select

from ..clock import isoformat
from ..context import Govflow
from ..errors import BadRequest
from ..masking import mask_data, mask_id_number
from ..models import Case, DataAccess
from ..principal import Principal
from ..uow import read_only
from .access import case_filter, require_role, sees_everything

KINDS = ("pull", "view")


def entry_view(row: DataAccess, *, clear: bool) -> dict[str, Any]:
    view = {
        "id": row.id,
        "at": isoformat(row.at),
        "kind": row.kind,
        "actor": row.actor,
        "actor_role": row.actor_role,
        "actor_department": row.actor_department,
        "case_id": row.case_id,
        "provider": row.provider,
        "department": row.department_code,
        "record_key": row.record_key,
        "subject_id_number": row.subject_id_number,
        "fields": list(row.fields or []),
        "purpose": row.purpose,
        "outcome": row.outcome,
    }
    if not clear:
        view["subject_id_number"] = mask_id_number(row.subject_id_number)
        view["record_key"] = mask_data(row.record_key)
    return view


def _page(
    govflow: Govflow, query: Select, page: int, per_page: int, *, clear: bool
) -> tuple[list[dict[str, Any]], int]:
    with read_only(govflow.db) as session:
        total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
        rows = session.scalars(
            query.order_by(DataAccess.id.desc()).offset((page - 1) * per_page).limit(per_page)
        ).all()
        return [entry_view(r, clear=clear) for r in rows], total


def audit_log(
    govflow: Govflow,
    actor: Principal,
    *,
    case_id: int | None = None,
    id_number: str | None = None,
    department: str | None = None,
    kind: str | None = None,
    provider: str | None = None,
    page: int = 1,
    per_page: int = 20,
) -> tuple[list[dict[str, Any]], int]:
    """The log for supervisors and admins, newest first.

    ``department`` matches the department holding the data *or* the one that accessed it.
    """
    require_role(actor, "supervisor", "admin")
    query = select(DataAccess)
    if not sees_everything(actor):  # a district's supervisor audits the district's cases
        query = query.where(DataAccess.case_id.in_(select(Case.id).where(case_filter(actor))))
    if case_id is not None:
        query = query.where(DataAccess.case_id == case_id)
    if id_number:
        # Finding everything about one person is answering that person's request (PIPL
        # art. 45), an administrator's job; supervisors audit behaviour, not people.
        require_role(actor, "admin")
        query = query.where(DataAccess.subject_id_number == id_number.strip().upper())
    if department:
        query = query.where(
            or_(DataAccess.department_code == department, DataAccess.actor_department == department)
        )
    if kind:
        if kind not in KINDS:
            raise BadRequest(f"'kind' must be one of {', '.join(KINDS)}")
        query = query.where(DataAccess.kind == kind)
    if provider:
        query = query.where(DataAccess.provider == provider)
    return _page(govflow, query, page, per_page, clear=actor.has("admin"))


def my_log(
    govflow: Govflow, actor: Principal, *, page: int = 1, per_page: int = 20
) -> tuple[list[dict[str, Any]], int]:
    """Every pull and view of the caller's own personal data, newest first."""
    require_role(actor, "applicant")
    if not actor.id_number:
        return [], 0
    query = select(DataAccess).where(DataAccess.subject_id_number == actor.id_number)
    return _page(govflow, query, page, per_page, clear=True)
