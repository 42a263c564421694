"""The scheduler's set-based pass over deadlines: announcing what turned yellow or red.

A deadline's shown state is derived from its instants at read time (``states``), so
worklists and dashboards never wait for this pass.  What the pass adds is the news: an
audit event on the case's trail and a notice to the department's supervisors, once per
transition.  The stored state of a running deadline is what was last announced; the pass
moves the rows whose instant has passed beyond it, at most ``limit`` rows per
transaction, the longest-passed first.  When a whole office's deadlines pass at once the
announcements go out over a few short transactions instead of one that holds every
writer back (``services.timers.sweep_deadlines``).

It needs no calendar and no workflow: warning and due instants are computed whenever the
case changes.  Rows a command is changing right now are skipped (PostgreSQL ``SKIP
LOCKED``) and picked up by the next pass; on SQLite the transaction excludes every other
writer.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from .. import clock
from ..bulk import insert_rows
from ..models import AuditEvent
from ..principal import SYSTEM
from .models import DeadlineRow, Notification
from .notify import WORDS, event_details, message, summary

#: Transitions announced per transaction: a few hundred milliseconds of writing.
LIMIT = 5000


@dataclass(frozen=True)
class Transition:
    deadline_id: int
    case_id: int
    task_id: str | None
    name: str
    department: str | None
    due_at: datetime
    old_state: str
    new_state: str


#: (old state, new state, which instant must have passed) — overdue before warning, so a
#: deadline that passed both instants since the last sweep goes straight to red.
_MOVES = (
    ("warning", "overdue", "due_at"),
    ("ok", "overdue", "due_at"),
    ("ok", "warning", "warning_at"),
)


def _move(
    session: Session, old: str, new: str, instant: str, now: datetime, limit: int
) -> list[Transition]:
    """One UPDATE … RETURNING announcing up to ``limit`` open deadlines stored as ``old``
    whose instant has passed, the longest-passed first."""
    passed = getattr(DeadlineRow, instant)
    candidates = (
        select(DeadlineRow.id)
        .where(DeadlineRow.state == old, DeadlineRow.completed_at.is_(None), passed <= now)
        .order_by(passed)
        .limit(limit)
    )
    if session.bind.dialect.name == "postgresql":
        # Rows a command is changing right now wait for the next sweep instead of us.
        candidates = candidates.with_for_update(skip_locked=True)
    moved = session.execute(
        update(DeadlineRow)
        .where(DeadlineRow.id.in_(candidates.scalar_subquery()))
        .values(state=new)
        .returning(
            DeadlineRow.id,
            DeadlineRow.case_id,
            DeadlineRow.task_id,
            DeadlineRow.name,
            DeadlineRow.department_code,
            DeadlineRow.due_at,
        )
        .execution_options(synchronize_session=False)
    )
    return [
        Transition(r.id, r.case_id, r.task_id, r.name, r.department_code, r.due_at, old, new)
        for r in moved
    ]


def sweep(session: Session, now: datetime | None = None, limit: int = LIMIT) -> list[Transition]:
    """Announce up to ``limit`` deadlines whose warning or due instant has passed since
    they were last announced; return the transitions (fewer than ``limit``: all done)."""
    now = now or clock.now()
    transitions: list[Transition] = []
    for move in _MOVES:
        if len(transitions) >= limit:
            break
        transitions += _move(session, *move, now, limit - len(transitions))
    if transitions:
        _record(session, transitions, now)
    return transitions


def _record(session: Session, transitions: list[Transition], now: datetime) -> None:
    """An audit event per transition on its case's trail, and one notification per
    department and kind: a supervisor wants "12 tasks turned red", not twelve messages."""
    events = [
        {
            "case_id": t.case_id,
            "task_id": t.task_id,
            "actor": SYSTEM.username,
            "action": WORDS[t.new_state][1],
            "at": now,
            "details": {
                "role": SYSTEM.primary_role,
                **event_details(t.name, t.department, t.due_at, t.old_state),
            },
        }
        for t in transitions
    ]
    insert_rows(session, AuditEvent.__table__, events)
    if len(transitions) == 1:
        t = transitions[0]
        insert_rows(
            session,
            Notification.__table__,
            [
                {
                    "case_id": t.case_id,
                    "task_id": t.task_id,
                    "department_code": t.department,
                    "recipient_role": "supervisor",
                    "kind": WORDS[t.new_state][1],
                    "created_at": now,
                    "message": message(t.case_id, t.task_id, t.new_state, t.due_at),
                }
            ],
        )
        return
    groups: dict[tuple[str | None, str], list[Transition]] = defaultdict(list)
    for t in transitions:
        groups[(t.department, t.new_state)].append(t)
    insert_rows(
        session,
        Notification.__table__,
        [
            {
                "case_id": None,
                "task_id": None,
                "department_code": department,
                "recipient_role": "supervisor",
                "kind": WORDS[state][1],
                "created_at": now,
                "message": summary(department, state, sorted({t.case_id for t in group})),
            }
            for (department, state), group in groups.items()
        ],
    )
