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

from typing import Any

from SpiffWorkflow.util.task import TaskState

from .. import clock
from ..definitions.countersign_mode import parse_mode
from ..models import TaskRow
from ..runtime.executor import CommandContext
from ..runtime.multi_instance import instances, parent_of

DATA_KEY = "countersign"


def before_run(task: Any) -> None:
    """Give an instance the counters a Camunda completionCondition reads."""
    parent = parent_of(task)
    if parent is None:
        return
    siblings = instances(parent)
    done = sum(1 for c in siblings if c.state == TaskState.COMPLETED)
    task.data.update(
        nrOfInstances=len(siblings),
        nrOfCompletedInstances=done + 1,
        nrOfActiveInstances=sum(1 for c in siblings if c.state == TaskState.READY) - 1,
    )


def after_run(ctx: CommandContext, task: Any, row: TaskRow, cleaned: dict[str, Any]) -> None:
    """Keep this department's opinion on the case; finish the step when its mode says."""
    parent = parent_of(task)
    if parent is None:
        return
    for key in ("nrOfInstances", "nrOfCompletedInstances", "nrOfActiveInstances"):
        task.data.pop(key, None)
    opinions = parent.data.setdefault(DATA_KEY, {}).setdefault(row.bpmn_id, {})
    opinions[row.department_code or row.id] = {
        **cleaned,
        "signed_by": ctx.actor.username,
        "signed_at": clock.isoformat(clock.now()),
    }
    if parent.state == TaskState.READY:
        return  # every instance done, or the completion condition held
    meta = ctx.user_tasks.get(row.bpmn_id, {})
    mode, quorum = parse_mode(meta.get("properties", {}).get("countersign"))
    done = sum(1 for c in instances(parent) if c.state == TaskState.COMPLETED)
    if mode == "any" or (mode == "quorum" and done >= (quorum or 0)):
        # As SpiffWorkflow does when a completionCondition holds: the rest are withdrawn.
        for other in instances(parent):
            if other.state != TaskState.COMPLETED:
                other.cancel()
        parent._set_state(TaskState.READY)
        ctx.audit(
            "countersign_completed", task_id=row.id, bpmn_id=row.bpmn_id, mode=mode, signed=done
        )
