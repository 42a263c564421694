"""Moving a running case's workflow to another version of its matter (instance migration).

Built on SpiffWorkflow's own support (``SpiffWorkflow.bpmn.util.diff``), which pairs
the old version's task specs with the new one's by BPMN id, and by their place in the
flow where an id changed; the tasks are then re-pointed at their new specs and the ready
and waiting branches re-predicted, as ``migrate_workflow`` does.  govflow differs:

* elements pair by id, or by an explicit ``mapping`` of element ids (old → new) for a
  step that was renamed or replaced; the library's guess by place is only offered in the
  reason a case cannot move — a case moves to another element where a person said so;
* only the ready and waiting branches whose road ahead changed are re-predicted (the
  library re-predicts them all, which loses a countersign's instances);
* a verdict per case: every active step (ready, waiting, started) must have a place in
  the new version, or the case stays where it is (``Unmovable`` says why);
* completed steps whose element is gone are dropped from the workflow (the audit trail
  and the completed task rows keep them), so the stored state only names elements of
  the new version;
* a waiting timer keeps the moment it started: moving a case does not restart its clock;
* the proof: the moved workflow is stored and restored against the new version before
  it counts as movable.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import LoopTask
from SpiffWorkflow.bpmn.util.diff import SpecDiff
from SpiffWorkflow.util.task import TaskState

from ..definitions.specs import ParsedProcess
from .workflow import GovflowWorkflow, dump, load, serializer_registry

#: A step the case is at: it must exist in the new version.
ACTIVE = TaskState.READY | TaskState.WAITING | TaskState.STARTED | TaskState.ERROR
#: The branches still to run: re-predicted where the road ahead changed.
_RESET = TaskState.READY | TaskState.WAITING


class Unmovable(Exception):
    """The case cannot move to the version; ``reason`` says why, for people."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Move:
    """What moving a case did to its active steps: ``(old element, new element)``."""

    active: list[tuple[str, str]]


def element_ids(parsed: ParsedProcess) -> set[str]:
    """The BPMN ids of the flow elements of a version (what a mapping may name)."""
    return {s.bpmn_id for s in parsed.spec.task_specs.values() if getattr(s, "bpmn_id", None)}


def migrate(workflow: GovflowWorkflow, new: ParsedProcess, mapping: dict[str, str]) -> Move:
    """Re-point ``workflow`` (in place) at the version ``new``; raises ``Unmovable``."""
    running = (t for sp in workflow.subprocesses.values() for t in sp.tasks.values())
    if any(t.has_state(TaskState.NOT_FINISHED_MASK) for t in running):
        raise Unmovable("a called sub-process is running; move the case after it returns")
    alignment, guesses = _alignment(workflow.spec, new.spec, mapping)
    active = [t for t in workflow.tasks.values() if t.has_state(ACTIVE)]
    missing = sorted(
        {t.task_spec.bpmn_id or t.task_spec.name for t in active if alignment[t.task_spec] is None}
    )
    if missing:
        hints = [f"{m} → {guesses[m]}" for m in missing if m in guesses]
        raise Unmovable(
            f"the case is at {', '.join(missing)}, which the target version does not have; "
            "name its new element in 'mapping'"
            + (f" (perhaps {', '.join(hints)})" if hints else "")
        )
    moved = sorted(
        {
            (t.task_spec.bpmn_id, alignment[t.task_spec].bpmn_id)
            for t in active
            if t.task_spec.bpmn_id and t.task_spec.bpmn_id != alignment[t.task_spec].bpmn_id
        }
    )
    _repoint(workflow, new, alignment)
    _drop_unaligned(workflow, new)
    try:
        load(dump(workflow), new)
    except Exception as exc:  # noqa: BLE001 - any failure to restore means "cannot move"
        raise Unmovable(f"the case's state does not fit the target version ({exc})") from None
    return Move(active=moved)


def _alignment(old: Any, new: Any, mapping: dict[str, str]) -> tuple[dict, dict[str, str]]:
    """Old task spec → new task spec (None where the new version has none), and the
    guesses: SpiffWorkflow also pairs elements by their place in the flow when an id
    changed; a case moves to another element only where a person said so (``mapping``),
    so a guess is only offered in the reason."""
    try:
        guessed = SpecDiff(serializer_registry(), old, new).alignment
    except Exception:  # noqa: BLE001 - a guess only; a shape the library cannot pair gives none
        guessed = {}
    alignment: dict[Any, Any] = {}
    guesses: dict[str, str] = {}
    for spec in old.task_specs.values():
        alignment[spec] = new.task_specs.get(spec.name)
        old_id = getattr(spec, "bpmn_id", None)
        if old_id in mapping:
            # The spec of a multi-instance step's instances is named after its step.
            alignment[spec] = new.task_specs.get(spec.name.replace(old_id, mapping[old_id], 1))
        elif alignment[spec] is None and guessed.get(spec) is not None and old_id:
            guesses[old_id] = guessed[spec].bpmn_id
    return alignment, guesses


def _repoint(workflow: GovflowWorkflow, new: ParsedProcess, alignment: dict[Any, Any]) -> None:
    """Point every task at its new spec, and re-predict the ready and waiting branches
    whose road ahead the new version changed (the others predict the same road)."""
    rerouted = {
        spec
        for spec, now in alignment.items()
        if now is None or [_name(alignment.get(o)) for o in spec.outputs] != _names(now.outputs)
    }
    to_reset = [
        t
        for t in workflow.tasks.values()
        if t.has_state(_RESET) and any(d.task_spec in rerouted for d in t)
    ]
    for task in to_reset:
        if isinstance(getattr(task.parent, "task_spec", None), LoopTask):
            raise Unmovable(
                f"a countersign at {task.task_spec.bpmn_id} is in progress and the steps after "
                "it changed; move the case after it is signed"
            )
    workflow.spec = new.spec
    workflow.subprocess_specs = new.subprocess_specs
    for task in workflow.tasks.values():
        if alignment.get(task.task_spec) is not None:
            task.task_spec = alignment[task.task_spec]
    for task in to_reset:
        if task.id not in workflow.tasks:
            continue  # dropped with the branch of a task reset before it
        waiting_event = (
            isinstance(task.task_spec, CatchingEvent) and task.state == TaskState.WAITING
        )
        started = dict(task.internal_data)
        task.reset_branch(task.data)
        if waiting_event and task.state == TaskState.WAITING:
            task.internal_data = started  # a timer keeps counting from when it started
    if workflow.last_task is not None and workflow.last_task.id not in workflow.tasks:
        workflow.last_task = None


def _name(spec: Any) -> str | None:
    return spec.name if spec is not None else None


def _names(specs: list[Any]) -> list[str]:
    return [s.name for s in specs]


def _drop_unaligned(workflow: GovflowWorkflow, new: ParsedProcess) -> None:
    """Drop finished tasks whose element the new version does not have; their children
    hang from their parent instead."""
    for task in list(workflow.tasks.values()):
        if new.spec.task_specs.get(task.task_spec.name) is task.task_spec:
            continue
        if not task.has_state(TaskState.FINISHED_MASK) or task.parent is None:
            name = task.task_spec.bpmn_id or task.task_spec.name
            raise Unmovable(f"step {name} would be left without a place in the target version")
        splice_out(workflow, task)


def splice_out(workflow: GovflowWorkflow, task: Any) -> None:
    """Remove ``task`` from the tree, its children taking its place under its parent."""
    parent = task.parent
    at = parent._children.index(task.id)
    parent._children[at : at + 1] = list(task._children)
    for child in task.children:
        child._parent = parent.id
    del workflow.tasks[task.id]
    workflow.subprocesses.pop(task.id, None)
    if workflow.last_task is task:
        workflow.last_task = parent
