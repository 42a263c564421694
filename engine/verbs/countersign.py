"""会签: one step signed by several departments in parallel.

Drawn as a multi-instance user task over a collection of department codes::

    <bpmn:userTask id="joint_review" camunda:candidateGroups="${department}">
      <bpmn:multiInstanceLoopCharacteristics camunda:collection="departments"
                                             camunda:elementVariable="department"/>

Each instance is its own worklist row, routed to the department its element variable
names.  When the step is done is the extension property ``countersign``:

* ``all`` (default) — every department signs;
* ``any`` — the first signature completes the step, the other instances are withdrawn;
* ``quorum:N`` — N signatures complete it.

A Camunda ``completionCondition`` works as well: each instance sees ``nrOfInstances``,
``nrOfCompletedInstances`` (counting itself) and ``nrOfActiveInstances``.  Every
department's submission is kept on the case under ``countersign.<step id>.<department>``,
so later gateways and the case page see each opinion.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import MultiInstanceTask
from SpiffWorkflow.util.task import TaskState
from sqlalchemy.orm import Session

from .. import clock
from ..errors import WorkflowFailure
from ..models import Department, TaskRow
from .countersign_mode import parse_mode

if TYPE_CHECKING:  # the runtime imports this module for routing instances
    from ..runtime.executor import CaseSession

DATA_KEY = "countersign"


def _parent(task: Any) -> Any | None:
    parent = task.parent
    if parent is not None and isinstance(parent.task_spec, MultiInstanceTask):
        return parent
    return None


def _instances(parent: Any) -> list[Any]:
    return [c for c in parent.children if c.task_spec.name == parent.task_spec.task_spec]


def instance_department(task: Any, meta: dict[str, Any]) -> str | None:
    """The department an instance of a countersign step goes to (its element variable)."""
    variable = meta.get("department_variable")
    if not variable or _parent(task) is None:
        return None
    value = task.data.get(variable)
    return value if isinstance(value, str) else None


def check_departments(session: Session, rows: list[TaskRow], metas: dict[str, Any]) -> None:
    """A countersign instance routed to no known, active department would wait unseen:
    fail the command instead (the collection came from case data, so deploy could not
    tell)."""
    routed = [r for r in rows if metas.get(r.bpmn_id, {}).get("department_variable")]
    for row in routed:
        department = session.get(Department, row.department_code or "")
        if department is None or not department.active:
            raise WorkflowFailure(
                f"countersign step '{row.bpmn_id}' names an unknown department "
                f"'{row.department_code}'",
                element=row.bpmn_id,
            )


def before_run(task: Any) -> None:
    """Give an instance the counters a Camunda completionCondition reads."""
    parent = _parent(task)
    if parent is None:
        return
    instances = _instances(parent)
    done = sum(1 for c in instances if c.state == TaskState.COMPLETED)
    task.data.update(
        nrOfInstances=len(instances),
        nrOfCompletedInstances=done + 1,
        nrOfActiveInstances=sum(1 for c in instances if c.state == TaskState.READY) - 1,
    )


def after_run(cs: CaseSession, task: Any, row: TaskRow, cleaned: dict[str, Any]) -> None:
    """Keep this department's opinion on the case; finish the step when its mode says."""
    parent = _parent(task)
    if parent is None:
        return
    for key in ("nrOfInstances", "nrOfCompletedInstances", "nrOfActiveInstances"):
        task.data.pop(key, None)
    opinions = parent.data.setdefault(DATA_KEY, {}).setdefault(row.bpmn_id, {})
    opinions[row.department_code or row.id] = {
        **cleaned,
        "signed_by": cs.actor.username,
        "signed_at": clock.isoformat(clock.now()),
    }
    if parent.state == TaskState.READY:
        return  # every instance done, or the completion condition held
    meta = cs.user_tasks.get(row.bpmn_id, {})
    mode, quorum = parse_mode(meta.get("properties", {}).get("countersign"))
    done = sum(1 for c in _instances(parent) if c.state == TaskState.COMPLETED)
    if mode == "any" or (mode == "quorum" and done >= (quorum or 0)):
        # As SpiffWorkflow does when a completionCondition holds: the rest are withdrawn.
        for other in _instances(parent):
            if other.state != TaskState.COMPLETED:
                other.cancel()
        parent._set_state(TaskState.READY)
        cs.audit(
            "countersign_completed", task_id=row.id, bpmn_id=row.bpmn_id, mode=mode, signed=done
        )
