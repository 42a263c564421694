"""Who sees personal data in clear, and the access-log entry for every view of it.

Policy (PIPL: minimum necessary; DOMAIN.md: mask for roles that don't need it):

* an applicant sees their own case in clear;
* a clerk sees identifiers in clear only on a case where their department has or had a
  task (or that they started at the window) — the work needs them;
* supervisors, admins and designers see masked identifiers everywhere: oversight works
  on counts and trails, not on ID numbers.

Every view of a case or task by anyone other than the data subject is appended to the
access log (``kind="view"``): one row per person whose data was on the screen, so each
person can later be told who looked at their data (``GET /api/v1/me/data-access``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import exists, select
from sqlalchemy.orm import Session, object_session

from .. import clock
from ..models import Case, DataAccess, TaskRow
from ..principal import Principal
from ..shared_data.exchange import SHARED_OUTCOMES
from ..uow import run_in_transaction
from . import access

if TYPE_CHECKING:
    from ..context import Govflow


def sees_identifiers(actor: Principal, case: Case, session: Session | None = None) -> bool:
    """Does ``actor`` see ID numbers, phones and names of ``case`` in clear?"""
    if actor.has("applicant") and actor.id_number and actor.id_number == case.applicant_id_number:
        return True
    if not actor.has("clerk"):
        return False
    if case.started_by == actor.username:
        return True
    session = session or object_session(case)
    if session is None:  # cannot check: the safe answer
        return False
    return bool(
        session.scalar(
            select(exists().where(TaskRow.case_id == case.id, access.task_filter(actor)))
        )
    )


def view_purpose(session: Session, actor: Principal, case: Case, task: TaskRow | None) -> str:
    """Why the data was looked at: the task at hand, else the department's latest task."""
    if task is None and actor.has("clerk"):
        task = session.scalar(
            select(TaskRow)
            .where(TaskRow.case_id == case.id, access.task_filter(actor))
            .order_by(TaskRow.created_at.desc())
            .limit(1)
        )
    step = task.bpmn_id if task is not None else "case"
    return f"{case.process_key}/{step}"[:200]


def subjects_shown(case: Case) -> dict[str, list[str]]:
    """ID number → the parts of the case about that person (``application`` and the
    providers whose records are in the case)."""
    shown: dict[str, set[str]] = {case.applicant_id_number: {"application"}}
    for source in (case.sources or {}).values():
        subject = source.get("subject_id_number")
        if subject and source.get("outcome") in (*SHARED_OUTCOMES, "transcribed"):
            shown.setdefault(subject, set()).add(source["provider"])
    return {subject: sorted(parts) for subject, parts in shown.items()}


def log_view(
    govflow: Govflow,
    actor: Principal,
    case: Case,
    purpose: str,
    *,
    clear: bool,
) -> None:
    """Append one ``view`` row per person shown, in its own short transaction.

    A view is a query, not a command; its log entry must still be durable, so it is
    written apart from the (read-only) session that built the page.
    """
    rows = []
    now = clock.now()
    for subject, parts in subjects_shown(case).items():
        if actor.id_number and subject == actor.id_number:
            continue  # a person looking at their own data is not an access to log
        rows.append(
            {
                "at": now,
                "kind": "view",
                "actor": actor.username,
                "actor_role": actor.primary_role,
                "actor_department": actor.department,
                "case_id": case.id,
                "provider": "case_file",
                "department_code": actor.department or actor.primary_role,
                "record_key": f"case:{case.id}",
                "subject_id_number": subject,
                "fields": parts,
                "purpose": purpose,
                "outcome": "viewed" if clear else "viewed_masked",
            }
        )
    if not rows:
        return

    def work(session: Session) -> None:
        session.add_all(DataAccess(**row) for row in rows)

    run_in_transaction(govflow.db, work)


def disclose(
    govflow: Govflow,
    session: Session,
    actor: Principal,
    case: Case,
    *,
    task: TaskRow | None = None,
) -> bool:
    """Log the view of ``case``; return whether it is shown in clear."""
    clear = sees_identifiers(actor, case, session)
    log_view(govflow, actor, case, view_purpose(session, actor, case, task), clear=clear)
    return clear


def log_material_view(
    govflow: Govflow, actor: Principal, case: Case, code: str, purpose: str
) -> None:
    """An uploaded document was opened: it is about the applicant."""
    row = DataAccess(
        at=clock.now(),
        kind="view",
        actor=actor.username,
        actor_role=actor.primary_role,
        actor_department=actor.department,
        case_id=case.id,
        provider="material",
        department_code=actor.department or actor.primary_role,
        record_key=f"case:{case.id}/{code}"[:200],
        subject_id_number=case.applicant_id_number,
        fields=[code],
        purpose=purpose,
        outcome="downloaded",
    )
    run_in_transaction(govflow.db, lambda session: session.add(row))


def sees_case(govflow: Govflow, actor: Principal, case_id: int) -> bool:
    """``sees_identifiers`` for a case known by id (the caller has checked visibility)."""
    from ..uow import read_only

    with read_only(govflow.db) as session:
        case = session.get(Case, case_id)
        return case is not None and sees_identifiers(actor, case, session)
