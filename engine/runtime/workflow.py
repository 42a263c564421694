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
* A countersign (multi-instance) step merges each finished instance through an event
  connection SpiffWorkflow makes on the *spec* when the step creates its first instance.
  A spec parsed afresh — a worker restarted mid-countersign, or a case moved to another
  version — never made it, and the step never completes.  ``load`` makes it.
* It stores every task a case ever ran, so a step's cost grows with the case's history.
  We store only the finished tasks running still needs (``history.kept_tasks``).
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
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import LoopTask
from SpiffWorkflow.camunda.serializer.config import CAMUNDA_CONFIG
from SpiffWorkflow.util.deep_merge import DeepMerge
from SpiffWorkflow.util.task import TaskState

from ..definitions.specs import ParsedProcess
from ..script_engine import GovflowScriptEngine
from .history import kept_tasks, kept_tree

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
        keep = kept_tasks(workflow)
        if len(keep) == len(workflow.tasks):
            dct = WorkflowConverter.to_dict(self, workflow)
            dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        else:
            # WorkflowConverter.to_dict, but with only the kept tasks.
            dct = {
                "data": self.registry.convert(self.registry.clean(workflow.data)),
                "correlations": workflow.correlations,
                "last_task": str(workflow.last_task.id) if workflow.last_task else None,
                "success": workflow.success,
                "completed": workflow.completed,
                "root": str(workflow.task_tree.id),
            }
            dct["tasks"] = self._kept_tasks_to_dict(workflow, keep)
            dct["subprocesses"] = {
                str(i): self.registry.convert(sp)
                for i, sp in workflow.subprocesses.items()
                if i in keep or i not in workflow.tasks  # nested ones hang from a kept one
            }
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def _kept_tasks_to_dict(self, workflow: BpmnWorkflow, keep: set[UUID]) -> dict[str, Any]:
        """The kept tasks, each under its nearest kept ancestor (its data stored as the
        change from that ancestor's, as SpiffWorkflow stores it from the parent's)."""
        tree = kept_tree(workflow, keep)
        found = {}
        for task_id, task in workflow.tasks.items():  # creation order: parents first
            if task_id not in keep:
                continue
            dct = self.registry.convert(task)
            above, children = tree[task_id]
            dct["children"] = [str(c) for c in children]
            if above is not None and above is not task.parent:
                dct["parent"] = str(above.id)
                dct["delta"] = {
                    "updates": DeepMerge.get_updated_keys(above.data, task.data),
                    "deletions": DeepMerge.get_deleted_keys(above.data, task.data),
                }
            found[str(task_id)] = dct
        return found

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


def serializer_registry() -> Any:
    """The converters of the stored state (SpiffWorkflow's diff compares specs with them)."""
    return _SERIALIZER.registry


def new_workflow(parsed: ParsedProcess) -> GovflowWorkflow:
    return GovflowWorkflow(parsed.spec, parsed.subprocess_specs, script_engine=_ENGINE)


def dump(workflow: GovflowWorkflow) -> str:
    return _SERIALIZER.serialize_json(workflow)


def _connect_instances(parsed: ParsedProcess) -> None:
    """Connect each multi-instance step's instance spec to the step's merge (see the
    module's docstring); connecting twice is a no-op."""
    for process in (parsed.spec, *parsed.subprocess_specs.values()):
        for spec in list(process.task_specs.values()):
            merge = getattr(spec, "merge_child", None) if isinstance(spec, LoopTask) else None
            instance = process.task_specs.get(spec.task_spec) if merge else None
            if instance is not None and not instance.completed_event.is_connected(merge):
                instance.completed_event.connect(merge)


def load(state: str, parsed: ParsedProcess) -> GovflowWorkflow:
    _connect_instances(parsed)
    token = _restoring.set(parsed)
    try:
        workflow = _SERIALIZER.deserialize_json(state)
    finally:
        _restoring.reset(token)
    workflow.script_engine = _ENGINE
    return workflow
