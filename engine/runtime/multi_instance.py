"""Multi-instance user tasks (会签) as the runtime sees them: which instances belong to one
step, and which department each instance is routed to.

When a countersign step is done (all, any, quorum) is the verbs' business
(``engine.verbs.countersign``); routing its instances is the worklist projection's, so it
lives here, below both.
"""

from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import MultiInstanceTask
from sqlalchemy.orm import Session

from ..errors import WorkflowFailure
from ..models import Department, TaskRow


def parent_of(task: Any) -> Any | None:
    """The multi-instance step ``task`` is one instance of, or None."""
    parent = task.parent
    if parent is not None and isinstance(parent.task_spec, MultiInstanceTask):
        return parent
    return None


def instances(parent: Any) -> list[Any]:
    """The instances of a multi-instance step (its children of the instance spec)."""
    return [c for c in parent.children if c.task_spec.name == parent.task_spec.task_spec]


def instance_department(task: Any, meta: dict[str, Any]) -> str | None:
    """The department an instance of a countersign step goes to (its element variable)."""
    variable = meta.get("department_variable")
    if not variable or parent_of(task) is None:
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
