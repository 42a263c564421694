"""What state a deadline is in *now*: read from its instants, never from a stored copy.

A running limit turns yellow at ``warning_at`` and red at ``due_at``; both instants are
computed on the working-day calendar whenever the case changes (``tracking``).  Between
two commands nothing about the limit changes but the time, so every read derives
``ok`` / ``warning`` / ``overdue`` from the instants and the current time.  A worklist,
the supervisor's dashboard and the case page are then right the moment an instant
passes, however many deadlines pass it together: no sweep has to rewrite the stored rows
first (Camunda's task queries treat "overdue" the same way: ``due date < now``).

The stored state still matters for what is not a matter of time: ``paused`` (the clock
stopped), ``met`` / ``missed`` / ``cancelled`` (the work finished).  For a running limit
it records what has been *announced*: the scheduler's sweep (``sweep``) compares it with
the derived state to send each warning and overdue notice once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, false, or_
from sqlalchemy import case as when

from ..errors import BadRequest

#: Stored states of a clock that is running; its shown state follows the time.
RUNNING = ("ok", "warning", "overdue")
#: Every state a reader can see or filter by.
ALL = ("ok", "warning", "overdue", "paused", "met", "missed", "cancelled")
#: The shown states a supervisor is told about (yellow and red).
ALARMING = ("overdue", "warning")


def state_at(
    stored: str | None, warning_at: datetime | None, due_at: datetime | None, now: datetime
) -> str | None:
    """The state shown at ``now`` for a limit stored as ``stored`` with these instants."""
    if stored not in RUNNING or due_at is None:
        return stored
    if due_at <= now:
        return "overdue"
    if warning_at is not None and warning_at <= now:
        return "warning"
    return "ok"


def state_expression(stored: Any, warning_at: Any, due_at: Any, now: datetime) -> Any:
    """``state_at`` as SQL, for grouping and counting by state (dashboards)."""
    return when(
        (
            stored.in_(RUNNING) & due_at.is_not(None),
            when(
                (due_at <= now, "overdue"),
                (warning_at <= now, "warning"),
                else_="ok",
            ),
        ),
        else_=stored,
    )


def state_is(state: str, stored: Any, warning_at: Any, due_at: Any, now: datetime) -> Any:
    """A condition true where ``state_at`` gives ``state``, written so that a time state
    is an index range on the instant (``due_at <= now`` for overdue), not a scan."""
    running = and_(stored.in_(RUNNING), due_at.is_not(None))
    if state == "overdue":
        return and_(running, due_at <= now)
    if state == "warning":
        return and_(running, due_at > now, warning_at <= now)
    if state == "ok":
        in_time = and_(running, due_at > now, or_(warning_at.is_(None), warning_at > now))
        return or_(in_time, and_(stored == "ok", due_at.is_(None)))
    if state in ALL:
        return stored == state
    return false()


def yellow_or_red(stored: Any, warning_at: Any, due_at: Any, now: datetime) -> Any:
    """Running limits that are shown ``warning`` or ``overdue`` at ``now``."""
    return or_(*(state_is(state, stored, warning_at, due_at, now) for state in ALARMING))


# --- the projections: task rows and cases carry their limit's state and instants --------
def shown_state(projection: Any, now: datetime) -> Any:
    """SQL: the state a task row's or a case's limit shows at ``now`` (``projection`` is
    ``TaskRow`` or ``Case``)."""
    return state_expression(
        projection.deadline_state, projection.warning_at, projection.due_at, now
    )


def shown_state_is(projection: Any, state: str, now: datetime) -> Any:
    """SQL: the task rows or cases whose limit shows ``state`` at ``now`` (a list filter);
    an unknown state is the caller's mistake."""
    if state not in ALL:
        raise BadRequest(f"unknown deadline_state '{state}'")
    return state_is(state, projection.deadline_state, projection.warning_at, projection.due_at, now)
