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

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from .. import clock
from ..models import AuditEvent, Case, TaskRow
from ..principal import SYSTEM
from .models import DeadlineRow, Notification
from .notify import WORDS, event_details, message

CHUNK = 1000


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


def _due(session: Session, now: datetime, limit: int) -> list[Transition]:
    overdue = DeadlineRow.state.in_(("ok", "warning")) & (DeadlineRow.due_at <= now)
    warning = (DeadlineRow.state == "ok") & (DeadlineRow.warning_at <= now)
    query = (
        select(
            DeadlineRow.id,
            DeadlineRow.case_id,
            DeadlineRow.task_id,
            DeadlineRow.name,
            DeadlineRow.department_code,
            DeadlineRow.due_at,
            DeadlineRow.state,
        )
        .where(DeadlineRow.completed_at.is_(None), overdue | warning)
        .order_by(DeadlineRow.due_at)
        .limit(limit)
    )
    if session.bind.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    transitions = []
    for row in session.execute(query):
        new_state = "overdue" if row.due_at <= now else "warning"
        transitions.append(
            Transition(
                row.id,
                row.case_id,
                row.task_id,
                row.name,
                row.department_code,
                row.due_at,
                row.state,
                new_state,
            )
        )
    return transitions


def _chunks(items: list[Any]) -> list[list[Any]]:
    return [items[i : i + CHUNK] for i in range(0, len(items), CHUNK)]


def _set_states(session: Session, column: Any, key: Any, changes: dict[Any, str]) -> None:
    """``column`` := new state for each key, one UPDATE per state and chunk of keys."""
    for state in set(changes.values()):
        ids = [k for k, v in changes.items() if v == state]
        for chunk in _chunks(ids):
            session.execute(update(column.class_).where(key.in_(chunk)).values({column.key: state}))


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


def sweep(session: Session, now: datetime | None = None, limit: int = 200_000) -> list[Transition]:
    """Move every deadline whose warning or due instant has passed; return the transitions."""
    now = now or clock.now()
    transitions = _due(session, now, limit)
    if not transitions:
        return []
    _set_states(
        session,
        DeadlineRow.state,
        DeadlineRow.id,
        {t.deadline_id: t.new_state for t in transitions},
    )
    _set_states(
        session,
        TaskRow.deadline_state,
        TaskRow.id,
        {t.task_id: t.new_state for t in transitions if t.task_id is not None},
    )
    _set_states(session, Case.deadline_state, Case.id, _shown_on_case(session, transitions))
    _record(session, transitions, now)
    return transitions


def _record(session: Session, transitions: list[Transition], now: datetime) -> None:
    notifications, events = [], []
    for t in transitions:
        action = WORDS[t.new_state][1]
        notifications.append(
            {
                "case_id": t.case_id,
                "task_id": t.task_id,
                "department_code": t.department,
                "recipient_role": "supervisor",
                "kind": action,
                "created_at": now,
                "message": message(t.case_id, t.task_id, t.new_state, t.due_at),
            }
        )
        details = event_details(t.name, t.department, t.due_at, t.old_state)
        events.append(
            {
                "case_id": t.case_id,
                "task_id": t.task_id,
                "actor": SYSTEM.username,
                "action": action,
                "at": now,
                "details": {"role": SYSTEM.primary_role, **details},
            }
        )
    for chunk in _chunks(notifications):
        session.execute(insert(Notification), chunk)
    for chunk in _chunks(events):
        session.execute(insert(AuditEvent), chunk)
