"""Telling supervisors: a deadline turned yellow or red (超期预警).

The words and the audit event are the same whether a command noticed the change for one
case or the scheduler's sweep noticed it for many (see ``sweep``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from .. import audit, clock
from ..models import Case
from ..principal import SYSTEM
from .models import DeadlineRow, Notification

#: new state → (how it reads, the audit action and notification kind)
WORDS = {
    "warning": ("即将超期", "deadline_warning"),
    "overdue": ("已超期", "deadline_overdue"),
}


def message(case_id: int, task_id: str | None, state: str, due_at: datetime) -> str:
    subject = "办件时限" if task_id is None else "任务时限"
    return f"办件 {case_id} {subject}{WORDS[state][0]}，到期时间 {clock.isoformat(due_at)}"


def summary(department: str | None, state: str, case_ids: list[int]) -> str:
    """One line for many transitions of a department at once."""
    shown = "、".join(str(c) for c in case_ids[:20]) + ("等" if len(case_ids) > 20 else "")
    scope = f"{department} 部门任务" if department else "办件时限"
    return f"{scope}{WORDS[state][0]}：{len(case_ids)} 件（办件 {shown}）"


def event_details(
    name: str, department: str | None, due_at: datetime, old_state: str
) -> dict[str, Any]:
    return {
        "deadline": name,
        "department": department,
        "due_at": clock.isoformat(due_at),
        "previous_state": old_state,
        "notified": "supervisor",
    }


def deadline_changed(session: Session, case: Case, row: DeadlineRow, old_state: str) -> None:
    """Record a warning or overdue transition on the case and notify the supervisor."""
    if row.state not in WORDS or old_state == row.state:
        return
    action = WORDS[row.state][1]
    session.add(
        Notification(
            case_id=case.id,
            task_id=row.task_id,
            department_code=row.department_code,
            kind=action,
            message=message(case.id, row.task_id, row.state, row.due_at),
            created_at=clock.now(),
        )
    )
    audit.record(
        session,
        SYSTEM,
        action,
        case_id=case.id,
        task_id=row.task_id,
        **event_details(row.name, row.department_code, row.due_at, old_state),
    )
