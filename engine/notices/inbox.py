"""Notifications people read in the app: who gets which, and reading them.

An applicant is told what happens to their case (accepted, supplement requested with the
list, refused, extended, returned, concluded, invited to rate); a department's clerks or
supervisors are told what needs them (deadlines turning yellow or red are written by
``deadlines.notify`` and ``deadlines.sweep``, bad ratings by ``verbs.ratings``).

Outbound channels are not sent here: each applicant notification names its ``channels``
(e-mail, SMS), and each channel becomes a delivery and its job in the same transaction
(``deliveries.plan``); the job runner sends it outside the case's transaction.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, false, func, or_, select
from sqlalchemy.orm import Session

from .. import clock
from ..deadlines.models import Notification
from ..directory import tree
from ..errors import NotFound
from ..models import Case
from ..principal import Principal
from . import deliveries
from .models import Notice

#: Where an applicant notification also goes (``deliveries``).
APPLICANT_CHANNELS = ["email", "sms"]


def tell_applicant(
    session: Session,
    case: Case,
    kind: str,
    title: str,
    body: str,
    *,
    notice: Notice | None = None,
) -> Notification:
    row = Notification(
        case_id=case.id,
        recipient_role="applicant",
        recipient_id_number=case.applicant_id_number,
        kind=kind,
        title=title,
        message=body,
        notice_id=notice.id if notice else None,
        channels=list(APPLICANT_CHANNELS),
        created_at=clock.now(),
    )
    session.add(row)
    deliveries.plan(session, row)
    return row


def tell_department(
    session: Session,
    case: Case | None,
    role: str,
    department: str | None,
    kind: str,
    title: str,
    body: str,
) -> Notification:
    """A notification for the ``role`` (``clerk`` or ``supervisor``) of ``department``."""
    row = Notification(
        case_id=case.id if case else None,
        department_code=department,
        recipient_role=role,
        kind=kind,
        title=title,
        message=body,
        created_at=clock.now(),
    )
    session.add(row)
    return row


def tell_designers(session: Session, kind: str, title: str, body: str) -> Notification:
    """A notification for the process designers (a decided sharing request): they share
    one inbox, as a department's supervisors do."""
    row = Notification(
        recipient_role="designer", kind=kind, title=title, message=body, created_at=clock.now()
    )
    session.add(row)
    return row


def addressed_to(actor: Principal) -> Any:
    """SQL: the notifications in ``actor``'s inbox.  An applicant's by ID number; a
    clerk's by department; a supervisor's by the departments of their region (one or an
    administrator without a department oversees them all)."""
    clauses = []
    if actor.has("applicant") and actor.id_number:
        clauses.append(
            and_(
                Notification.recipient_role == "applicant",
                Notification.recipient_id_number == actor.id_number,
            )
        )
    if actor.has("clerk") and actor.department:
        clauses.append(
            and_(
                Notification.recipient_role == "clerk",
                Notification.department_code == actor.department,
            )
        )
    if actor.has("supervisor", "admin"):
        role = Notification.recipient_role == "supervisor"
        if actor.department and not actor.has("admin"):
            # a district's supervisor: the notices of the departments under theirs (the
            # region they oversee, as their lists and statistics)
            role = and_(
                role,
                or_(
                    Notification.department_code.in_(tree.subtree(actor.department)),
                    Notification.department_code.is_(None),
                ),
            )
        clauses.append(role)
    if actor.has("designer"):
        clauses.append(Notification.recipient_role == "designer")
    return or_(*clauses) if clauses else false()


def inbox(
    session: Session, actor: Principal, *, unread: bool, page: int, per_page: int
) -> tuple[list[Notification], int]:
    where = [addressed_to(actor)]
    if unread:
        where.append(Notification.read_at.is_(None))
    total = session.scalar(select(func.count()).select_from(Notification).where(*where))
    rows = session.scalars(
        select(Notification)
        .where(*where)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).all()
    return list(rows), total or 0


def unread_count(session: Session, actor: Principal) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(addressed_to(actor), Notification.read_at.is_(None))
        )
        or 0
    )


def mark_read(session: Session, actor: Principal, notification_id: int) -> Notification:
    """Read once: the first reading's time is kept.  Someone else's notification is not
    found (its existence is nobody else's business)."""
    row = session.scalar(
        select(Notification).where(Notification.id == notification_id, addressed_to(actor))
    )
    if row is None:
        raise NotFound("no such notification")
    if row.read_at is None:
        row.read_at = clock.now()
    return row


def notification_view(row: Notification) -> dict[str, Any]:
    return {
        "id": row.id,
        "kind": row.kind,
        "case_id": row.case_id,
        "task_id": row.task_id,
        "title": row.title or _title_of(row.kind),
        "body": row.message,
        "created_at": clock.isoformat(row.created_at),
        "read_at": clock.isoformat(row.read_at),
        "notice_id": row.notice_id,
        "channels": list(row.channels or []),
    }


#: Titles of the notifications written before they had one (deadline notices, ratings).
_TITLES = {
    "deadline_warning": "时限预警",
    "deadline_overdue": "已超期",
    "bad_rating": "差评整改",
}


def _title_of(kind: str) -> str:
    return _TITLES.get(kind, kind)
