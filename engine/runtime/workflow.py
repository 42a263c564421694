"""The running workflow: our BpmnWorkflow subclass and how it is stored.

Two SpiffWorkflow behaviours are corrected here:

* Its task iterators stop at tree depth 1000.  A case returned and resubmitted many times
  grows a deep task tree, and past that depth ``get_tasks`` stops finding READY tasks and
  ``is_completed`` says True with work pending.  ``GovflowWorkflow`` searches without a
  depth cap and decides completion from the flat task map.
* Its ``tasks`` holds the main process only; ``all_tasks`` adds the tasks of child
  workflows (sub-processes and called processes), where people and timers may wait too.
* Its serializer stores the whole process spec in every case and cannot store dates,
  decimals or sets.  We store only the run-time state (the spec is rebuilt from the
  deployed definition, cached per worker) and register the missing data types.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextvars import ContextVar
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import (
    BpmnWorkflowConverter,
    WorkflowConverter,
)
from SpiffWorkflow.camunda.serializer.config import CAMUNDA_CONFIG
from SpiffWorkflow.util.task import TaskState

from ..definitions.specs import ParsedProcess
from ..script_engine import GovflowScriptEngine

_UNLIMITED = sys.maxsize


class GovflowWorkflow(BpmnWorkflow):
    """A BpmnWorkflow whose task searches have no depth cap."""

    def get_tasks_iterator(self, first_task=None, **kwargs):  # noqa: ANN001, ANN201
        kwargs.setdefault("max_depth", _UNLIMITED)
        return super().get_tasks_iterator(first_task, **kwargs)

    def all_tasks(self) -> Iterator[Any]:
        """Every task of the case: the main process's and those of its child workflows
        (embedded and event sub-processes, called processes).  SpiffWorkflow keeps a
        child's tasks in ``subprocesses[parent task id].tasks``, not in ``tasks``; a
        person's task or a timer in a child is found only through here."""
        yield from self.tasks.values()
        for child in list(self.subprocesses.values()):
            yield from child.tasks.values()

    def is_completed(self) -> bool:
        if not self.completed:
            unfinished = any(t.has_state(TaskState.NOT_FINISHED_MASK) for t in self.tasks.values())
            self.completed = not unfinished
        return self.completed


#: The parsed process a workflow is being restored against (set around deserialization).
_restoring: ContextVar[ParsedProcess] = ContextVar("_restoring")


class _StateOnlyConverter(BpmnWorkflowConverter):
    """Serializes a workflow's run-time state without its (shared, cached) spec."""

    def to_dict(self, workflow: BpmnWorkflow) -> dict[str, Any]:
        dct = WorkflowConverter.to_dict(self, workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct: dict[str, Any]) -> BpmnWorkflow:
        parsed = _restoring.get()
        workflow = self.target_class(parsed.spec, parsed.subprocess_specs, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


def _build_serializer() -> BpmnWorkflowSerializer:
    config = dict(CAMUNDA_CONFIG)
    config.pop(BpmnWorkflow, None)
    config[GovflowWorkflow] = _StateOnlyConverter
    registry = BpmnWorkflowSerializer.configure(config)
    # Types SpiffWorkflow cannot store; they reach task data through DMN outputs or
    # engine code, and must round-trip rather than crash a save.
    registry.register(
        date, lambda v: {"value": v.isoformat()}, lambda v: date.fromisoformat(v["value"])
    )
    registry.register(Decimal, lambda v: {"value": str(v)}, lambda v: Decimal(v["value"]))
    registry.register(set, lambda v: {"items": sorted(v, key=repr)}, lambda v: set(v["items"]))
    registry.register(
        frozenset, lambda v: {"items": sorted(v, key=repr)}, lambda v: frozenset(v["items"])
    )
    return BpmnWorkflowSerializer(registry)


_SERIALIZER = _build_serializer()
_ENGINE = GovflowScriptEngine()


def new_workflow(parsed: ParsedProcess) -> GovflowWorkflow:
    return GovflowWorkflow(parsed.spec, parsed.subprocess_specs, script_engine=_ENGINE)


def dump(workflow: GovflowWorkflow) -> str:
    return _SERIALIZER.serialize_json(workflow)


def load(state: str, parsed: ParsedProcess) -> GovflowWorkflow:
    token = _restoring.set(parsed)
    try:
        workflow = _SERIALIZER.deserialize_json(state)
    finally:
        _restoring.reset(token)
    workflow.script_engine = _ENGINE
    return workflow
