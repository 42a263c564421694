"""Keeping a case's deadlines in step with its work, inside each command.

``sync`` runs at the end of every command on a case:

* a task that became ready with a limit (``time_limit`` or ``camunda:dueDate``) gets
  its deadline, starting now;
* the case's statutory and promised limits start when the application is accepted
  (受理: the process property ``acceptance_task``, else the case's first completed task);
* finished tasks and cases close their deadlines as met or missed;
* while the case waits (补正, a special procedure, a suspension) every clock is paused;
* the projections (due time and state on task rows and on the case) are refreshed.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import cache
from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from sqlalchemy import Select, bindparam, or_, select
from sqlalchemy.orm import Session

from .. import clock, unflushed
from ..definitions.limits import parse_limit
from ..models import Case, ProcessDefinition, TaskRow
from ..workcalendar import Pause, WorkCalendar
from .calendar_store import load_calendar
from .limits import snapshot
from .models import CasePause, DeadlineRow
from .states import state_at

OPEN_STATES = ("ok", "warning", "overdue", "paused")
CASE_LIMITS = ("statutory", "promised")


def pauses_of(session: Session, case_id: int, *, none_stored: bool = False) -> list[Pause]:
    return [
        Pause(p.started_at, p.ended_at)
        for p in unflushed.rows(
            session,
            CasePause,
            _pauses(),
            lambda p: p.case_id == case_id,
            none_stored=none_stored,
            params={"case_id": case_id},
        )
    ]


@cache
def _pauses() -> Select:
    """A case's pauses; built once (SQL expressions are immutable), the case bound at
    each run."""
    return select(CasePause).where(CasePause.case_id == bindparam("case_id"))


def _policy(definition: ProcessDefinition) -> dict[str, float]:
    props = definition.meta.get("properties", {})
    try:
        return {
            "warning_fraction": float(props.get("warning_fraction", 0.25)),
            "warning_days": float(props.get("warning_days", 1.0)),
        }
    except ValueError:
        return {"warning_fraction": 0.25, "warning_days": 1.0}


def _receiving_time(
    calendar: WorkCalendar, moment: datetime, definition: ProcessDefinition
) -> datetime:
    """An application accepted on a non-working day counts as received on the next working
    day (a matter setting: ``received_on_non_working_day`` = ``same_day`` turns it off)."""
    if definition.meta.get("properties", {}).get("received_on_non_working_day") == "same_day":
        return moment
    local = calendar.to_local(moment)
    if calendar.is_working_day(local.date()):
        return moment
    day = local.date()
    while not calendar.is_working_day(day):
        day += timedelta(days=1)
    opening = calendar.office_hours.periods[0][0]
    return datetime.combine(day, opening, tzinfo=local.tzinfo)


def _task_limit(meta: dict[str, Any], started_at: datetime) -> tuple[str, float] | None:
    """(unit, amount) of a task's own limit: ``time_limit`` wins over ``camunda:dueDate``."""
    limit = meta.get("time_limit")
    if limit:
        return limit["kind"], float(limit["limit"])
    due_date = meta.get("due_date")
    if due_date:
        return "calendar", _calendar_hours(due_date, started_at)
    return None


def _calendar_hours(expression: str, started_at: datetime) -> float:
    value = TimerEventDefinition.parse_time_or_duration(expression.strip())
    if isinstance(value, datetime):
        due = value if value.tzinfo else value.replace(tzinfo=clock.LOCAL_TZ)
        return max((due - started_at).total_seconds() / 3600, 0.0)
    return TimerEventDefinition.get_timedelta_from_start(value, started_at).total_seconds() / 3600


@cache
def _open_deadlines() -> Select:
    """A case's deadlines a step can change: the open ones and the case's own limits.
    Built once (SQL expressions are immutable); the case is bound at each run."""
    return select(DeadlineRow).where(
        DeadlineRow.case_id == bindparam("case_id"),
        or_(DeadlineRow.completed_at.is_(None), DeadlineRow.task_id.is_(None)),
    )


@cache
def _tracked_task_rows() -> Select:
    """A case's open task rows and those with an open deadline (bound at each run)."""
    return select(TaskRow).where(
        TaskRow.case_id == bindparam("case_id"),
        or_(
            TaskRow.status.in_(("ready", "claimed")),
            TaskRow.id.in_(bindparam("with_deadline", expanding=True)),
        ),
    )


class CaseClocks:
    """The deadlines of one locked case during one command."""

    def __init__(
        self,
        session: Session,
        case: Case,
        definition: ProcessDefinition,
        now: datetime | None = None,
        *,
        user_tasks: dict[str, dict[str, Any]] | None = None,
    ) -> None:
        self.session = session
        self.case = case
        self.definition = definition
        # a case with call activities: the called processes' steps have limits too
        self.user_tasks = user_tasks
        self.now = now or clock.now()
        # Only what a step can change is loaded: open deadlines and the case's own limits.
        # A case returned and resubmitted hundreds of times then costs what a fresh one does.
        self.rows = unflushed.rows(
            session,
            DeadlineRow,
            _open_deadlines(),
            lambda d: d.case_id == case.id and (d.completed_at is None or d.task_id is None),
            params={"case_id": case.id},
        )
        self.policy = _policy(definition)
        self._calendar: WorkCalendar | None = None
        self._pauses: list[Pause] | None = None
        self._pauses_changed = False

    @property
    def calendar(self) -> WorkCalendar:
        """Read only when a limit is started, closed or re-counted."""
        if self._calendar is None:
            self._calendar = load_calendar(self.session, self.case.calendar_stamp)
        return self._calendar

    @property
    def pauses(self) -> list[Pause]:
        if self._pauses is None:
            never = self.case.ever_paused is False  # read with the case's lock
            self._pauses = pauses_of(self.session, self.case.id, none_stored=never)
        return self._pauses

    @pauses.setter
    def pauses(self, value: list[Pause]) -> None:
        self._pauses = value
        self._pauses_changed = True

    # --- creating and closing ------------------------------------------------------------
    def _start(
        self,
        name: str,
        unit: str,
        amount: float,
        started_at: datetime,
        task_id: str | None = None,
        department: str | None = None,
    ) -> DeadlineRow:
        row = DeadlineRow(
            case_id=self.case.id,
            task_id=task_id,
            name=name,
            unit=unit,
            amount=amount,
            started_at=started_at,
            due_at=started_at,
            state="ok",
            department_code=department,
            **self.policy,
        )
        self.session.add(row)
        self.rows.append(row)
        self._recompute(row)
        return row

    def start_side_task_limit(self, task: TaskRow, unit: str, amount: float) -> DeadlineRow:
        """A limit on a task the workflow does not own (a rectification after a bad
        rating); closed like any task's when the task is completed."""
        return self._start(
            task.kind[:20], unit, amount, task.created_at, task.id, task.department_code
        )

    def _recompute(self, row: DeadlineRow) -> None:
        snap = snapshot(
            self.calendar,
            unit=row.unit,
            amount=row.amount,
            started_at=row.started_at,
            pauses=self.pauses,
            now=self.now,
            warning_fraction=row.warning_fraction,
            warning_days=row.warning_days,
        )
        row.due_at, row.warning_at, row.official = snap.due_at, snap.warning_at, snap.official
        row.paused_days = snap.paused_days
        row.state = snap.state

    def _close(self, row: DeadlineRow, completed_at: datetime, cancelled: bool = False) -> None:
        if not self._pauses_changed and row.state != "paused":
            # The stored due moment is current (it is re-counted whenever the clock stops or
            # restarts), so closing needs neither the calendar nor the pauses.
            row.completed_at = completed_at
            row.state = (
                "cancelled" if cancelled else ("met" if completed_at <= row.due_at else "missed")
            )
            return
        snap = snapshot(
            self.calendar,
            unit=row.unit,
            amount=row.amount,
            started_at=row.started_at,
            pauses=self.pauses,
            now=completed_at,
            warning_fraction=row.warning_fraction,
            warning_days=row.warning_days,
        )
        row.due_at, row.paused_days, row.completed_at = snap.due_at, snap.paused_days, completed_at
        row.state = (
            "cancelled" if cancelled else ("met" if completed_at <= snap.due_at else "missed")
        )

    # --- the sync of a command -------------------------------------------------------------
    def sync(self, task_rows: list[TaskRow] | None = None) -> list[tuple[DeadlineRow, str]]:
        """Bring deadlines in line with the case; return (deadline, old state) of changes.
        ``task_rows``: the case's open rows and those with open deadlines, when the caller
        has them already (``tracked_task_rows``)."""
        before = {id(r): r.state for r in self.rows}
        if task_rows is None:
            task_rows = self.tracked_task_rows()
        self._sync_tasks(task_rows)
        self._sync_case()
        for row in self.rows:
            if row.completed_at is None and id(row) in before:
                self._restate(row)
        self._project(task_rows)
        return [(r, before.get(id(r), "new")) for r in self.rows if before.get(id(r)) != r.state]

    def tracked_task_rows(self) -> list[TaskRow]:
        """The task rows deadlines follow: the open ones and those with an open deadline."""
        with_deadline = {r.task_id for r in self.rows if r.task_id and r.completed_at is None}
        return unflushed.rows(
            self.session,
            TaskRow,
            _tracked_task_rows(),
            lambda t: (
                t.case_id == self.case.id
                and (t.status in ("ready", "claimed") or t.id in with_deadline)
            ),
            params={"case_id": self.case.id, "with_deadline": sorted(with_deadline)},
        )

    def _by_task(self) -> dict[str, DeadlineRow]:
        """Each task's current deadline.  A task reopened by a return or a withdrawal (退回,
        撤回) keeps the closed deadline of its first round and gets a new one."""
        found: dict[str, DeadlineRow] = {}
        for row in sorted(self.rows, key=lambda r: (r.completed_at is None, r.started_at)):
            if row.task_id:
                found[row.task_id] = row
        return found

    def _sync_tasks(self, task_rows: list[TaskRow]) -> None:
        by_task = self._by_task()
        metas = self.user_tasks or {t["id"]: t for t in self.definition.meta.get("user_tasks", [])}
        for task in task_rows:
            deadline = by_task.get(task.id)
            if task.status in ("ready", "claimed"):
                reopened = deadline is not None and deadline.completed_at is not None
                if (deadline is None or reopened) and task.kind == "bpmn":
                    limit = _task_limit(metas.get(task.bpmn_id, {}), task.created_at)
                    if limit:
                        self._start(
                            "task",
                            limit[0],
                            limit[1],
                            task.created_at,
                            task.id,
                            task.department_code,
                        )
            elif deadline is not None and deadline.completed_at is None:
                self._close(
                    deadline, task.completed_at or self.now, cancelled=task.status == "cancelled"
                )

    def follow_definition(self, task_rows: list[TaskRow]) -> list[dict[str, Any]]:
        """After the case moved to another version: re-count each open limit whose length
        the new version changed, from when it started (a task's own limit, and the case's
        statutory and promised ones).  Answers what changed, for the audit trail."""
        changes: list[dict[str, Any]] = []
        by_task = self._by_task()
        metas = {t["id"]: t for t in self.definition.meta.get("user_tasks", [])}
        props = self.definition.meta.get("properties", {})
        wanted: list[tuple[DeadlineRow, tuple[str, float] | None, str | None]] = []
        for task in task_rows:
            deadline = by_task.get(task.id)
            if deadline is not None and deadline.completed_at is None and task.kind == "bpmn":
                deadline.department_code = task.department_code
                limit = _task_limit(metas.get(task.bpmn_id, {}), deadline.started_at)
                wanted.append((deadline, limit, task.bpmn_id))
        for row in self.rows:
            if row.task_id is None and row.completed_at is None and row.name in CASE_LIMITS:
                limit = parse_limit(props.get(f"{row.name}_limit"))
                wanted.append((row, (limit.unit, float(limit.amount)) if limit else None, None))
        for row, limit, element in wanted:
            if limit is not None and (row.unit, row.amount) == (limit[0], limit[1]):
                continue
            before = row.due_at
            if limit is None:
                self._close(row, self.now, cancelled=True)
            else:
                row.unit, row.amount = limit
                self._recompute(row)
            changes.append(
                {
                    "change": "deadline_recomputed",
                    "limit": row.name,
                    "element": element,
                    "due_at": {"from": clock.isoformat(before), "to": clock.isoformat(row.due_at)},
                    "state": row.state,
                }
            )
        return changes

    def _restate(self, row: DeadlineRow) -> None:
        """Re-count a limit on the calendar only when its clock stopped or restarted; else
        its precomputed instants decide the state (what the scheduler's sweep does too)."""
        if self._pauses_changed or row.state == "paused":
            self._recompute(row)
        elif self.now > row.due_at:
            row.state = "overdue"
        elif row.warning_at is not None and self.now >= row.warning_at:
            row.state = "warning"
        else:
            row.state = "ok"

    def _acceptance_time(self) -> datetime | None:
        wanted = self.definition.meta.get("properties", {}).get("acceptance_task")
        query = select(TaskRow).where(
            TaskRow.case_id == self.case.id, TaskRow.status == "completed", TaskRow.kind == "bpmn"
        )
        if wanted is not None:
            query = query.where(TaskRow.bpmn_id == wanted)
        done = unflushed.rows(
            self.session,
            TaskRow,
            query,  # few rows: this runs only until the case's own limits have started
            lambda t: (
                t.case_id == self.case.id
                and t.status == "completed"
                and t.kind == "bpmn"
                and wanted in (None, t.bpmn_id)
            ),
        )
        return min((t.completed_at for t in done), default=None)

    def _sync_case(self) -> None:
        case_rows = {r.name: r for r in self.rows if r.task_id is None}
        props = self.definition.meta.get("properties", {})
        # A matter without a case limit has nothing to start: no need to look for the
        # acceptance among the case's completed rows, which a long loop makes many.
        if not case_rows and any(props.get(f"{name}_limit") for name in CASE_LIMITS):
            accepted = self._acceptance_time()
            if accepted is not None:
                received = _receiving_time(self.calendar, accepted, self.definition)
                for name in CASE_LIMITS:
                    limit = parse_limit(
                        self.definition.meta.get("properties", {}).get(f"{name}_limit")
                    )
                    if limit:
                        case_rows[name] = self._start(
                            name, limit.unit, float(limit.amount), received
                        )
        if self.case.status in ("completed", "terminated") and self.case.completed_at:
            for row in case_rows.values():
                if row.completed_at is None:
                    self._close(
                        row, self.case.completed_at, cancelled=self.case.status == "terminated"
                    )
            for row in self.rows:
                if row.task_id and row.completed_at is None and self.case.status == "terminated":
                    self._close(row, self.case.completed_at, cancelled=True)

    def _project(self, task_rows: list[TaskRow]) -> None:
        by_task = self._by_task()
        for task in task_rows:
            deadline = by_task.get(task.id)
            if deadline is not None:
                task.due_at, task.warning_at = deadline.due_at, deadline.warning_at
                task.deadline_state = deadline.state
        case_rows = {r.name: r for r in self.rows if r.task_id is None}
        shown = case_rows.get("promised") or case_rows.get("statutory")
        self.case.due_at = shown.due_at if shown else None
        self.case.warning_at = shown.warning_at if shown else None
        self.case.deadline_state = shown.state if shown else None

    # --- 延期 ---------------------------------------------------------------------------------
    def case_limit(self, name: str) -> DeadlineRow | None:
        return next((r for r in self.rows if r.task_id is None and r.name == name), None)

    def extend(self, days: int) -> dict[str, tuple[datetime, datetime]]:
        """An approved extension: every open case limit counted in working days gets
        ``days`` more (the statutory limit, and the promised one the applicant was given);
        answers name → (old due, new due).  ``sync`` then re-projects the case."""
        moved = {}
        for row in self.rows:
            if row.task_id is None and row.completed_at is None and row.unit == "working_days":
                old = row.due_at
                row.amount += days
                self._recompute(row)
                moved[row.name] = (old, row.due_at)
        return moved

    # --- the stopped clock -------------------------------------------------------------------
    def pause(
        self,
        kind: str,
        reason: str,
        actor: str,
        *,
        task_id: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> CasePause:
        pause = CasePause(
            case_id=self.case.id,
            kind=kind,
            reason=reason,
            details=details or {},
            task_id=task_id,
            started_at=self.now,
            started_by=actor,
        )
        self.session.add(pause)
        self.pauses = [*self.pauses, Pause(self.now, None)]
        return pause

    def resume(self, pause: CasePause, actor: str, result: dict[str, Any] | None = None) -> None:
        pause.ended_at, pause.ended_by, pause.result = self.now, actor, result
        self.session.flush()
        self.pauses = pauses_of(self.session, self.case.id)

    def open_pauses(self) -> list[CasePause]:
        return list(
            self.session.scalars(
                select(CasePause).where(
                    CasePause.case_id == self.case.id, CasePause.ended_at.is_(None)
                )
            )
        )


def deadline_view(row: DeadlineRow | None) -> dict[str, Any] | None:
    if row is None:
        return None
    return {
        "name": row.name,
        "kind": row.unit,
        "limit": row.amount,
        "started_at": clock.isoformat(row.started_at),
        "due_at": clock.isoformat(row.due_at),
        "warning_at": clock.isoformat(row.warning_at),
        "paused": row.state == "paused",
        "paused_days": row.paused_days,
        "state": state_at(row.state, row.warning_at, row.due_at, clock.now()),
        "official": row.official,
        "completed_at": clock.isoformat(row.completed_at),
    }
