"""The scheduler's set-based pass over deadlines: what turned yellow or red since the last
sweep, for every case at once.

Each deadline carries the instants at which it turns yellow (``warning_at``) and red
(``due_at``), computed on the working-day calendar whenever its case changes.  So the
sweep needs no calendar and no workflow: it moves the rows whose instant has passed to
their new state, mirrors the state onto the worklist rows and cases, and records a
notification and an audit event per transition — a handful of statements, whatever the
number of open deadlines.  Rows a command is changing right now are skipped (PostgreSQL
``SKIP LOCKED``) and picked up by the next sweep; on SQLite the sweep's transaction
excludes every other writer.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from .. import clock
from ..bulk import insert_rows
from ..models import AuditEvent, Case, TaskRow
from ..principal import SYSTEM
from .models import DeadlineRow, Notification
from .notify import WORDS, event_details, message, summary

CHUNK = 500


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


def _move(session: Session, old: str, new: str, instant: str, now: datetime) -> list[Transition]:
    """One UPDATE … RETURNING moving every open deadline in ``old`` whose instant passed."""
    candidates = select(DeadlineRow.id).where(
        DeadlineRow.state == old,
        DeadlineRow.completed_at.is_(None),
        getattr(DeadlineRow, instant) <= now,
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


def _chunks(items: list[Any]) -> list[list[Any]]:
    return [items[i : i + CHUNK] for i in range(0, len(items), CHUNK)]


def _set_states(session: Session, column: Any, key: Any, changes: dict[Any, str]) -> None:
    """``column`` := new state for each key, one UPDATE per state and chunk of keys."""
    for state in set(changes.values()):
        ids = [k for k, v in changes.items() if v == state]
        for chunk in _chunks(ids):
            session.execute(update(column.class_).where(key.in_(chunk)).values({column.key: state}))


def _mirror_on_task_rows(session: Session) -> None:
    """Worklist rows show their deadline's state: one UPDATE … FROM over the open yellow
    and red deadlines (an index range), rather than a statement per batch of ids."""
    session.execute(
        update(TaskRow)
        .where(
            TaskRow.id == DeadlineRow.task_id,
            DeadlineRow.completed_at.is_(None),
            DeadlineRow.state.in_(("warning", "overdue")),
            or_(TaskRow.deadline_state.is_(None), TaskRow.deadline_state != DeadlineRow.state),
        )
        .values(deadline_state=DeadlineRow.state)
        .execution_options(synchronize_session=False)
    )


def _shown_on_case(session: Session, transitions: list[Transition]) -> dict[int, str]:
    """A case shows its promised limit, or its statutory one when it has none."""
    case_level = [t for t in transitions if t.task_id is None]
    if not case_level:
        return {}
    with_promise: set[int] = set()
    for chunk in _chunks(sorted({t.case_id for t in case_level})):
        with_promise.update(
            session.scalars(
                select(DeadlineRow.case_id).where(
                    DeadlineRow.case_id.in_(chunk),
                    DeadlineRow.task_id.is_(None),
                    DeadlineRow.name == "promised",
                )
            )
        )
    return {
        t.case_id: t.new_state
        for t in case_level
        if t.name == "promised" or t.case_id not in with_promise
    }


def sweep(session: Session, now: datetime | None = None) -> list[Transition]:
    """Move every deadline whose warning or due instant has passed; return the transitions."""
    now = now or clock.now()
    transitions = [t for move in _MOVES for t in _move(session, *move, now)]
    if not transitions:
        return []
    _mirror_on_task_rows(session)
    _set_states(session, Case.deadline_state, Case.id, _shown_on_case(session, transitions))
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
