"""Delivering a message to a running workflow (API.md "Messages (integrations)").

SpiffWorkflow keeps every waiting catch event of a workflow (intermediate, boundary, a
branch of an event-based gateway, a receive task) in its event manager, and starts an
event sub-process whose start event catches a message when one arrives.  ``send_event``
lets the workflow catch an event from outside and answers how many waits took it; the
next ``advance`` moves the case on (a gateway's losing branches are cancelled by
SpiffWorkflow, an interrupting boundary cancels its task).

The Camunda message definition hands the catching branch ``payload`` under
``result_var``: we keep the message's data whole under its name there, and merge it
into the case data too, as API.md says, so every open branch sees it.
"""

from __future__ import annotations

import threading
from copy import deepcopy
from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.util import BpmnEvent
from SpiffWorkflow.util.task import TaskState

from .workflow import GovflowWorkflow

_CONNECTING = threading.Lock()


def _messages_awaited(task: Any) -> list[Any]:
    """The message definitions a waiting task takes: its own, or one of an event-based
    gateway's (SpiffWorkflow moves the events after the gateway into the gateway)."""
    definition = getattr(task.task_spec, "event_definition", None)
    if isinstance(definition, MultipleEventDefinition):
        return [d for d in definition.event_definitions if isinstance(d, MessageEventDefinition)]
    return [definition] if isinstance(definition, MessageEventDefinition) else []


def waiting_for(workflow: GovflowWorkflow, name: str) -> list[tuple[Any, Any]]:
    """(task, message definition) of the workflow's tasks waiting now for ``name``."""
    return [
        (task, definition)
        for task in workflow.event_manager.tasks.values()
        if task.state == TaskState.WAITING
        for definition in _messages_awaited(task)
        if definition.name == name
    ]


def _event_sub_process_starts(workflow: GovflowWorkflow, name: str) -> list[tuple[Any, Any]]:
    """(event sub-process task spec, its start's message definition) of the case's event
    sub-processes whose message start event takes ``name``."""
    found = []
    for spec_name in getattr(workflow.spec.start, "trigger_specs", ()):
        spec = workflow.subprocess_specs.get(spec_name)
        for event in getattr(spec, "bpmn_start_events", ()):
            definition = getattr(event, "event_definition", None)
            if isinstance(definition, MessageEventDefinition) and definition.name == name:
                found.append((workflow.spec.task_specs[spec_name], definition))
    return found


def takes(workflow: GovflowWorkflow, name: str) -> bool:
    """Would the running workflow take the message ``name`` now?"""
    if workflow.is_completed():
        return False
    return bool(waiting_for(workflow, name) or _event_sub_process_starts(workflow, name))


def deliver(
    workflow: GovflowWorkflow,
    name: str,
    data: dict[str, Any],
    *,
    case_data: dict[str, Any],
    non_interrupting: list[str],
) -> list[str]:
    """Let the workflow catch the message; answers the BPMN ids of the waits that took it
    (for the audit trail).  The caller checked ``takes`` first.

    ``case_data``: the case's data before the message (an event sub-process starts from
    it).  ``non_interrupting``: the ids of the event sub-processes whose start event is not
    interrupting (``isInterrupting="false"``).  The others end the rest of the case when
    they start, as BPMN says; SpiffWorkflow would run them beside it.
    """
    waits = waiting_for(workflow, name)
    starts = _event_sub_process_starts(workflow, name)
    definition = waits[0][1] if waits else starts[0][1]
    root = workflow.task_tree
    before = {child.id for child in root.children}
    _ready_to_trigger(workflow, [spec for spec, _ in starts])
    workflow.send_event(BpmnEvent(definition, payload={"payload": data, "result_var": name}))
    started = [child for child in root.children if child.id not in before]
    for child in started:
        # It started from the data the case began with; it runs on the case's as of now.
        for task in workflow.subprocesses[child.id].tasks.values():
            task.data.update(deepcopy(case_data))
    for owner in (workflow, *workflow.subprocesses.values()):
        for task in owner.tasks.values():
            if task.state in (TaskState.READY, TaskState.WAITING, TaskState.STARTED):
                task.data.update(deepcopy(data))
    if any(child.task_spec.bpmn_id not in non_interrupting for child in started):
        for child in root.children:
            if child not in started:
                child.cancel()  # the main flow and any other event sub-process
    return sorted({t.task_spec.bpmn_id for t, _ in waits} | {spec.bpmn_id for spec, _ in starts})


def _ready_to_trigger(workflow: GovflowWorkflow, specs: list[Any]) -> None:
    """SpiffWorkflow connects an event sub-process to the process's start and end the
    first time one starts, changing the parsed process that every case of the
    definition shares: a case started afterwards would run it at once, as if drawn
    after the start event.  Connected here ahead of time to the end only (and marked as
    coming from the start, so SpiffWorkflow leaves the start alone), it runs to the end
    when triggered and never otherwise.  Idempotent; the lock keeps two threads from
    connecting the shared spec twice."""
    start, end = workflow.spec.start, workflow.spec.end
    with _CONNECTING:
        for spec in specs:
            if start.name not in spec._inputs:
                spec._inputs.append(start.name)
                spec.connect(end)
