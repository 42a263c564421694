"""BPMN errors govflow throws from the steps it runs itself.

A shared-data pull that ends ``unavailable`` or ``error`` (the exchange platform down or
answering nonsense) throws the BPMN error ``shared_data_unavailable`` when an error
boundary event attached to its service task catches it (one with that ``errorCode`` or
with no error named): the case follows the boundary's path, as the model says.  With no
such boundary nothing is thrown — the task completes and the applicant uploads the
material instead, as before.
"""

from __future__ import annotations

from copy import deepcopy
from typing import Any

from SpiffWorkflow.bpmn.specs.control import BoundaryEventSplit
from SpiffWorkflow.bpmn.specs.event_definitions.item_aware_event import ErrorEventDefinition
from SpiffWorkflow.bpmn.util import BpmnEvent
from SpiffWorkflow.util.task import TaskState


def _error(code: str) -> ErrorEventDefinition:
    return ErrorEventDefinition(code, code)


def caught_by_boundary(task: Any, code: str) -> bool:
    """Does an error boundary event attached to ``task`` wait for this error now?"""
    split = task.parent
    if split is None or not isinstance(split.task_spec, BoundaryEventSplit):
        return False
    thrown = _error(code)
    return any(
        sibling.state == TaskState.WAITING
        and isinstance(getattr(sibling.task_spec, "event_definition", None), ErrorEventDefinition)
        and sibling.task_spec.event_definition == thrown
        for sibling in split.children
        if sibling is not task
    )


def throw(task: Any, code: str) -> None:
    """Throw the error from ``task`` (still running): its boundary event catches it and
    cancels it, and the case continues on the boundary's path with the task's data."""
    event = BpmnEvent(_error(code), payload=deepcopy(task.data), target=task.workflow)
    task.workflow.top_workflow.catch(event)
