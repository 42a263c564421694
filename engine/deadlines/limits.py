"""One limit's arithmetic over the calendar: due, warning and state at a moment.

Working-day and office-hour limits use the calendar's ``Deadline``; ``calendar`` limits
(``camunda:dueDate``: an ISO duration or date, counted in calendar time) move by the wall
time paused.  ``warning_at`` is precomputed so the scheduler finds deadlines turning
yellow with an index scan.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from ..workcalendar import Deadline, Pause, WorkCalendar


@dataclass(frozen=True)
class Snapshot:
    due_at: datetime
    warning_at: datetime | None
    state: str  # ok | warning | overdue | paused
    official: bool
    paused_days: float


def snapshot(
    calendar: WorkCalendar,
    *,
    unit: str,
    amount: float,
    started_at: datetime,
    pauses: list[Pause],
    now: datetime,
    warning_fraction: float = 0.25,
    warning_days: float = 1.0,
) -> Snapshot:
    if unit == "calendar":
        return _calendar_snapshot(started_at, amount, pauses, now, warning_fraction)
    deadline = Deadline(calendar, started_at, amount, unit, tuple(pauses))  # type: ignore[arg-type]
    due, stopped = deadline.timeline(now)  # the calendar walk, once
    threshold = deadline.warning_threshold(warning_fraction, warning_days)
    clock_start = calendar.counting_starts_at(deadline.started_at, unit)  # type: ignore[arg-type]
    budget = calendar.limit_duration(amount, unit) - threshold + stopped  # type: ignore[arg-type]
    warning_at = (
        calendar.add_working_time(clock_start, budget).due_at
        if budget > timedelta(0)
        else clock_start
    )
    if now > due.due_at:
        state = "overdue"
    elif deadline.is_paused(now):
        state = "paused"
    else:
        state = "warning" if now >= warning_at else "ok"
    day = calendar.office_hours.day_length
    return Snapshot(due.due_at, warning_at, state, due.official, round(stopped / day, 2))


def _calendar_snapshot(
    started_at: datetime, hours: float, pauses: list[Pause], now: datetime, warning_fraction: float
) -> Snapshot:
    limit = timedelta(hours=hours)
    paused = timedelta(0)
    open_pause = False
    for pause in pauses:
        begin = max(pause.start, started_at)
        end = pause.end or now
        if end > begin:
            paused += end - begin
        open_pause = open_pause or (pause.end is None and pause.start <= now)
    due = started_at + limit + paused
    warning_at = due - limit * warning_fraction
    if now > due:
        state = "overdue"
    elif open_pause:
        state = "paused"
    else:
        state = "warning" if now >= warning_at else "ok"
    return Snapshot(due, warning_at, state, True, round(paused / timedelta(hours=7), 2))
