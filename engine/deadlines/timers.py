"""BPMN timers: when the next one of a case falls due (the scheduler's index)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.util.task import TaskState


def _due(value: Any) -> datetime | None:
    if isinstance(value, dict):  # a cycle: {"cycles", "next", "duration"}
        value = value.get("next") if value.get("cycles", 0) != 0 else None
    if not isinstance(value, str):
        return None
    try:
        parsed = TimerEventDefinition.parse_time_or_duration(value)
    except Exception:  # noqa: BLE001 - SpiffWorkflow raises bare Exception on bad values
        return None
    if not isinstance(parsed, datetime):
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _waits_for_a_timer(definition: Any) -> bool:
    """A timer event, or an event-based gateway one of whose events is a timer
    (SpiffWorkflow keeps the events after the gateway in the gateway's definition)."""
    if isinstance(definition, MultipleEventDefinition):
        return any(isinstance(d, TimerEventDefinition) for d in definition.event_definitions)
    return isinstance(definition, TimerEventDefinition)


def next_timer_at(workflow: Any) -> datetime | None:
    """The earliest due time of the workflow's waiting timer events."""
    due_times = []
    for task in workflow.all_tasks():
        if task.state != TaskState.WAITING:
            continue
        if _waits_for_a_timer(getattr(task.task_spec, "event_definition", None)):
            due = _due(task._get_internal_data("event_value"))
            if due is not None:
                due_times.append(due)
    return min(due_times, default=None)
