"""After a soak run: is every case either fully done or untouched?

A command changes a case's stored workflow, its task rows, its deadlines and its audit
trail in one transaction; a command cut off half-way (a killed worker, a database that went
away) must leave all four as they were.  So each case is checked for the four agreeing:

* the user tasks its stored workflow waits in are exactly its open task rows (a concluded
  property transfer still waits in the utilities' transfer);
* a finished case has exactly one ``case_completed`` event;
* an open deadline belongs to an open task (or, for the case's own limits, a running case),
  and every open task with a due time has its open deadline;
* every completed task row has exactly one ``task_completed`` event and no other task has
  one; every case has exactly one ``case_started`` event;
* the timer cases: every timer due more than ``grace`` seconds before the check has fired,
  exactly once.
"""

from __future__ import annotations

import collections
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from .soak_load import TIMER_KEY

OPEN = ("ready", "claimed")


@dataclass
class Findings:
    cases: int = 0
    running: int = 0
    torn: list[str] = field(default_factory=list)
    #: timer cases whose timer fired, and the delays (fired − due) in seconds
    timers_fired: int = 0
    timer_delays: list[float] = field(default_factory=list)
    #: (due at, fired at) of every fired timer, for "due while the scheduler was down"
    timer_instants: list[tuple[float, float]] = field(default_factory=list)


def check(database_url: str, data_dir: Path, grace: float = 60.0) -> Findings:
    from SpiffWorkflow.bpmn.specs.mixins.user_task import UserTask
    from SpiffWorkflow.util.task import TaskState
    from sqlalchemy import select

    from engine import clock
    from engine.bootstrap import create_govflow
    from engine.config import Settings
    from engine.deadlines.models import DeadlineRow
    from engine.deadlines.tracking import OPEN_STATES
    from engine.models import AuditEvent, Case, TaskRow
    from engine.runtime.executor import deployed_definition, parsed_definition
    from engine.runtime.workflow import load
    from engine.uow import read_only

    found = Findings()
    govflow = create_govflow(Settings(data_dir=data_dir, database_url=database_url))
    try:
        with read_only(govflow.db) as session:
            now = clock.now()
            rows = collections.defaultdict(list)
            for row in session.scalars(select(TaskRow).where(TaskRow.kind == "bpmn")):
                rows[row.case_id].append(row)
            deadlines = collections.defaultdict(list)
            for deadline in session.scalars(select(DeadlineRow)):
                deadlines[deadline.case_id].append(deadline)
            events = collections.defaultdict(list)
            for event in session.scalars(select(AuditEvent).where(AuditEvent.case_id.is_not(None))):
                events[event.case_id].append(event)

            for case in session.scalars(select(Case).order_by(Case.id)):
                found.cases += 1
                problems: list[str] = []
                case_rows = rows[case.id]
                open_rows = {r.id: r for r in case_rows if r.status in OPEN}
                actions = collections.Counter(e.action for e in events[case.id])

                if case.status == "running":
                    found.running += 1
                if case.workflow_state:
                    definition = deployed_definition(session, case.definition_id)
                    workflow = load(case.workflow_state, parsed_definition(definition))
                    waiting = sorted(
                        t.task_spec.bpmn_id
                        for t in workflow.tasks.values()
                        if isinstance(t.task_spec, UserTask) and t.state == TaskState.READY
                    )
                    if waiting != sorted(r.bpmn_id for r in open_rows.values()):
                        problems.append(
                            f"workflow waits in {waiting}, open rows "
                            f"{sorted(r.bpmn_id for r in open_rows.values())}"
                        )
                elif open_rows:
                    problems.append(f"workflow dropped with open rows {sorted(open_rows)}")
                if case.status == "completed" and actions["case_completed"] != 1:
                    problems.append(f"{actions['case_completed']} case_completed events")

                if actions["case_started"] != 1:
                    problems.append(f"{actions['case_started']} case_started events")
                completed_events = collections.Counter(
                    e.task_id for e in events[case.id] if e.action == "task_completed"
                )
                completed_rows = {r.id for r in case_rows if r.status == "completed"}
                if set(completed_events) != completed_rows or any(
                    n != 1 for n in completed_events.values()
                ):
                    problems.append(
                        f"task_completed events {dict(completed_events)} for completed rows "
                        f"{sorted(completed_rows)}"
                    )

                open_deadlines = [d for d in deadlines[case.id] if d.state in OPEN_STATES]
                for deadline in open_deadlines:
                    if deadline.task_id is None and case.status != "running":
                        problems.append(f"open case deadline {deadline.id} on a closed case")
                    if deadline.task_id is not None and deadline.task_id not in open_rows:
                        problems.append(f"open deadline {deadline.id} of a closed task")
                with_deadline = {d.task_id for d in open_deadlines}
                for row in open_rows.values():
                    if row.due_at is not None and row.id not in with_deadline:
                        problems.append(
                            f"open task {row.bpmn_id} due {row.due_at} without deadline"
                        )

                if case.process_key == TIMER_KEY:
                    fired = [e for e in events[case.id] if e.action == "timer_fired"]
                    due = case.created_at + timedelta(seconds=10)
                    if len(fired) > 1:
                        problems.append(f"timer fired {len(fired)} times")
                    elif fired:
                        found.timers_fired += 1
                        at = fired[0].at
                        due = datetime.fromisoformat(
                            fired[0].details.get("due_at") or due.isoformat()
                        )
                        found.timer_delays.append((at - due).total_seconds())
                        found.timer_instants.append((due.timestamp(), at.timestamp()))
                    elif (now - due).total_seconds() > grace:
                        problems.append(f"timer due {due.isoformat()} never fired")

                if problems:
                    found.torn.append(f"case {case.id} ({case.process_key}): {'; '.join(problems)}")
    finally:
        govflow.close()
    return found
