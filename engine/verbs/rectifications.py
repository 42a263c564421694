"""The rectification list (差评整改台账): every rectification task a bad rating opened
(engine/verbs/ratings), open, overdue or done, by department — for supervisors, of their
region only (a district's supervisor sees the departments under theirs, as everywhere).

Reads task rows only; the rating that opened a task is in its ``notice``."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from .. import clock
from ..context import Govflow
from ..deadlines.states import state_at
from ..errors import BadRequest
from ..models import Department, TaskRow
from ..principal import Principal
from ..services.access import require_role, task_filter
from ..uow import read_only

#: What the list shows a rectification as: still open and in time, open past its limit,
#: or done (completed, in time or late).
STATES = ("open", "overdue", "done")
OPEN = ("ready", "claimed")


def _shown(row: TaskRow, now: Any) -> str:
    if row.status not in OPEN:
        return "done"
    if state_at(row.deadline_state, row.warning_at, row.due_at, now) == "overdue":
        return "overdue"
    return "open"


def list_rectifications(
    govflow: Govflow,
    actor: Principal,
    *,
    state: str | None = None,
    department: str | None = None,
) -> dict[str, Any]:
    """``{"items": [...], "departments": [{code, name, name_en, open, overdue, done}]}``:
    the rectifications of ``actor``'s region, the open ones first (the soonest due
    first), then those done (the latest first).  ``state`` and ``department`` narrow the
    items; the per-department counts are always of the whole region."""
    require_role(actor, "supervisor", "admin")
    if state not in (None, "", *STATES):
        raise BadRequest(f"'state' must be one of {', '.join(STATES)}")
    now = clock.now()
    with read_only(govflow.db) as session:
        rows = session.scalars(
            select(TaskRow).where(
                TaskRow.kind == "rectification",
                TaskRow.status != "cancelled",
                task_filter(actor),
            )
        ).all()
        names = {d.code: (d.name_zh, d.name_en) for d in session.scalars(select(Department))}
    counts: dict[str, dict[str, int]] = {}
    items = []
    for row in rows:
        shown = _shown(row, now)
        code = row.department_code or ""
        counts.setdefault(code, dict.fromkeys(STATES, 0))[shown] += 1
        if (state and shown != state) or (department and code != department):
            continue
        notice = row.notice or {}
        items.append(
            {
                "task_id": row.id,
                "case_id": row.case_id,
                "process_key": row.process_key,
                "name": row.name,
                "department": row.department_code,
                "state": shown,
                "status": row.status,
                "level": notice.get("level"),
                "reason": notice.get("reason"),
                "rated_at": notice.get("at"),
                "created_at": clock.isoformat(row.created_at),
                "due_at": clock.isoformat(row.due_at),
                "completed_at": clock.isoformat(row.completed_at),
                "completed_by": row.completed_by,
                "assignee": row.assignee,
            }
        )
    waiting = sorted(
        (i for i in items if i["state"] != "done"),
        key=lambda i: (not i["due_at"], i["due_at"] or ""),
    )
    done = sorted(
        (i for i in items if i["state"] == "done"),
        key=lambda i: i["completed_at"] or "",
        reverse=True,
    )
    departments = [
        {
            "code": code,
            "name": names.get(code, (code, code))[0],
            "name_en": names.get(code, (code, code))[1],
            **by_state,
        }
        for code, by_state in counts.items()
    ]
    departments.sort(key=lambda d: (-d["overdue"], -d["open"], d["code"]))
    return {
        "items": waiting + done,
        "departments": departments,
        "generated_at": clock.isoformat(now),
    }
