"""Queries and commands of notices (文书) and the inbox, for the API and the pages.

Who sees a case's notices (API.md): its applicant, its clerks, supervisors and
administrators; anyone else hears 404, as for a case that does not exist — including a
party of the case who is not its applicant (the notices are addressed to the applicant).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .. import clock
from ..context import Govflow
from ..errors import NotFound
from ..models import Case
from ..notices import inbox
from ..notices.issuing import pdf_of
from ..notices.models import Notice
from ..principal import Principal
from ..uow import read_only, run_in_transaction
from .access import get_visible_case

KIND_NAMES = {
    "acceptance": ("受理通知书", "Notice of acceptance"),
    "supplement": ("补正材料告知书", "Notice to supplement materials"),
    "refusal": ("不予受理决定书", "Decision not to accept"),
    "extension": ("延期告知书", "Notice of extension"),
    "completion": ("办结通知书", "Notice of conclusion"),
    "deferral": ("容缺受理告知书", "Notice of acceptance with deferred materials"),
    "pledge": ("告知承诺确认书", "Confirmation of pledge"),
}


def _case_for_notices(session: Session, actor: Principal, case_id: int) -> Case:
    case = get_visible_case(session, actor, case_id)
    staff = actor.has("clerk", "supervisor", "admin")
    if not staff and case.applicant_id_number != actor.id_number:
        raise NotFound("no such case")
    return case


def notice_url(notice: Notice) -> str:
    return f"/api/v1/cases/{notice.case_id}/notices/{notice.id}"


def notice_view(notice: Notice) -> dict[str, Any]:
    zh, en = KIND_NAMES.get(notice.kind, (notice.title, notice.kind))
    return {
        "id": notice.id,
        "kind": notice.kind,
        "number": notice.number,
        "title": notice.title,
        "title_en": en,
        "department": notice.department_code,
        "issued_at": clock.isoformat(notice.issued_at),
        "url": notice_url(notice),
    }


def case_notices(
    govflow: Govflow, actor: Principal, case_id: int, page: int = 1, per_page: int = 100
) -> tuple[list[dict[str, Any]], int]:
    """The case's notices, oldest first."""
    with read_only(govflow.db) as session:
        _case_for_notices(session, actor, case_id)
        where = Notice.case_id == case_id
        total = session.scalar(select(func.count()).select_from(Notice).where(where)) or 0
        rows = session.scalars(
            select(Notice)
            .where(where)
            .order_by(Notice.issued_at, Notice.id)
            .offset((page - 1) * per_page)
            .limit(per_page)
        ).all()
        return [notice_view(n) for n in rows], total


def notice_pdf(
    govflow: Govflow, actor: Principal, case_id: int, notice_id: int
) -> tuple[str, bytes]:
    """(file name, PDF) of one of the case's notices; 404 for anything the caller may not
    see or that is not the case's."""

    def work(session: Session) -> tuple[str, bytes]:
        _case_for_notices(session, actor, case_id)
        notice = session.get(Notice, notice_id)
        if notice is None or notice.case_id != case_id:
            raise NotFound("no such notice")
        return f"govflow-notice-{notice.year}-{notice.serial:06d}.pdf", pdf_of(session, notice)

    return run_in_transaction(govflow.db, work)


def my_notifications(
    govflow: Govflow, actor: Principal, *, unread: bool, page: int, per_page: int
) -> tuple[list[dict[str, Any]], int]:
    with read_only(govflow.db) as session:
        rows, total = inbox.inbox(session, actor, unread=unread, page=page, per_page=per_page)
        return [inbox.notification_view(r) for r in rows], total


def unread_count(govflow: Govflow, actor: Principal) -> int:
    with read_only(govflow.db) as session:
        return inbox.unread_count(session, actor)


def read_notification(govflow: Govflow, actor: Principal, notification_id: int) -> dict[str, Any]:
    def work(session: Session) -> dict[str, Any]:
        return inbox.notification_view(inbox.mark_read(session, actor, notification_id))

    return run_in_transaction(govflow.db, work)


def my_notices(govflow: Govflow, actor: Principal, limit: int = 50) -> list[dict[str, Any]]:
    """The notices of the caller's own applications, newest first (the applicant's page)."""
    if not actor.id_number:
        return []
    with read_only(govflow.db) as session:
        rows = session.scalars(
            select(Notice)
            .join(Case, Case.id == Notice.case_id)
            .where(Case.applicant_id_number == actor.id_number)
            .order_by(Notice.issued_at.desc(), Notice.id.desc())
            .limit(limit)
        ).all()
        return [{**notice_view(n), "case_id": n.case_id} for n in rows]
