"""Telling supervisors: a deadline turned yellow or red (超期预警), a timer escalated."""

from __future__ import annotations

from sqlalchemy.orm import Session

from .. import audit, clock
from ..models import Case
from ..principal import SYSTEM
from .models import DeadlineRow, Notification

_WORDS = {
    "warning": ("即将超期", "deadline_warning"),
    "overdue": ("已超期", "deadline_overdue"),
}


def deadline_changed(session: Session, case: Case, row: DeadlineRow, old_state: str) -> None:
    """Record a warning or overdue transition on the case and notify the supervisor."""
    if row.state not in _WORDS or old_state == row.state:
        return
    words, action = _WORDS[row.state]
    subject = "办件时限" if row.task_id is None else "任务时限"
    message = (
        f"办件 {case.id}（{case.process_key}）{subject}{words}，"
        f"到期时间 {clock.isoformat(row.due_at)}"
    )
    session.add(
        Notification(
            case_id=case.id,
            task_id=row.task_id,
            department_code=row.department_code,
            kind=action,
            message=message,
            created_at=clock.now(),
        )
    )
    audit.record(
        session,
        SYSTEM,
        action,
        case_id=case.id,
        task_id=row.task_id,
        deadline=row.name,
        department=row.department_code,
        due_at=clock.isoformat(row.due_at),
        previous_state=old_state,
        notified="supervisor",
    )
