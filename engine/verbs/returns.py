"""退回 (return to an earlier step) and 撤回 (withdraw one's own completion).

Return semantics
----------------
The clerk of an open task picks an earlier step *of the same branch*: a completed user
task on the way from the start to this task (through the joins it came through).  The
case is reset to that step with SpiffWorkflow's ``reset_from_task_id``, which drops
everything the step led to:

* within a parallel branch (the step lies after the split) only that branch is reset;
  the other branches keep their ready and completed tasks untouched;
* across a split (the step lies before it — registry review back to the window) the
  reset also unwinds the *other* branches.  Their completed work is not lost and not
  asked for again: it is kept on the return (``case_returns.carried``) and re-applied,
  with the same data, when the case passes that step again (``carry_forward``); the
  original completed rows stay as the record of who did it.  Open, unfinished work of
  those branches is cancelled and comes back as a fresh task when the case gets there.

A reset keeps the step's SpiffWorkflow task id, so the step's completed row is reopened
(with the reason as its notice) rather than duplicated.

Withdraw: the clerk who completed a step takes it back while nothing after it has been
touched (the next steps still ready and unclaimed, none completed).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from SpiffWorkflow.specs.Join import Join
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select

from .. import clock
from ..context import Govflow
from ..errors import Conflict, Forbidden, ValidationFailed
from ..models import TaskRow
from ..principal import Principal
from ..runtime.executor import CaseReading, CommandContext, execute, read
from ..runtime.multi_instance import parent_of
from ..runtime.returned_work import CaseReturn
from .common import (
    case_of_task,
    open_row_to_act_on,
    ready_spiff_task,
    reason_of,
    reopen,
    require_running,
    task_row,
)


def _is_human(task: Any) -> bool:
    return bool(task.task_spec.manual) and task.state == TaskState.COMPLETED


def _upstream(task: Any) -> list[Any]:
    """Every task the case went through to reach ``task``, nearest first: its ancestors,
    and through each join it passed, the other branches that joined there.  The path
    crosses sub-process boundaries both ways: out of a child to the step that started
    it, and into a finished child through the steps that ended it."""
    top = task.workflow.top_workflow
    found: list[Any] = []
    seen: set[UUID] = set()
    pending = [_before(top, task)]
    while pending:
        current = pending.pop(0)
        while current is not None and current.id not in seen:
            seen.add(current.id)
            found.append(current)
            child = top.subprocesses.get(current.id)
            if child is not None and child.completed and child.last_task is not None:
                # a finished sub-process: its own steps come before the caller's
                pending.insert(0, _before(top, current))
                current = child.last_task
                continue
            if isinstance(current.task_spec, Join):
                pending.extend(
                    other
                    for other in current.workflow.tasks.values()
                    if other.task_spec is current.task_spec
                    and other.id != current.id
                    and other.state in (TaskState.COMPLETED, TaskState.CANCELLED)
                    and other.parent is not None
                )
            current = _before(top, current)
    return found


def _before(top: Any, task: Any) -> Any:
    """The task before ``task``: its parent, or at the start of a child workflow, the
    sub-process (or call activity) task that started it."""
    if task.parent is not None:
        return task.parent
    parent_id = task.workflow.parent_task_id
    return top.get_task_from_id(parent_id) if parent_id is not None else None


def _is_instance(task: Any) -> bool:
    """One department's instance of a countersign (multi-instance) step."""
    return parent_of(task) is not None


def _fired_joins(step: Any) -> list[Any]:
    """Joins outside ``step``'s subtree that already fired with a branch from inside it.

    SpiffWorkflow keeps one join instance per incoming branch; the last branch to arrive
    fires and the others are cancelled.  When a branch below ``step`` arrived first, the
    work after the join hangs under *another* branch's instance, which a reset of
    ``step`` would not touch: it must be reset with it (back to waiting for this branch).
    """
    inside = {t.id for t in step}
    partners: list[Any] = []
    for task in step:
        if isinstance(task.task_spec, Join) and task.state == TaskState.CANCELLED:
            partner = _partner(task, inside)
            if partner is not None and partner not in partners:
                partners.append(partner)
    return partners


def _partner(instance: Any, inside: set[UUID]) -> Any:
    """The fired instance of the same join closest in the tree (the same round of it)."""
    depth_of: dict[UUID, int] = {}
    node, depth = instance.parent, 0
    while node is not None:
        depth_of[node.id] = depth
        node, depth = node.parent, depth + 1
    best, best_depth = None, None
    for other in instance.workflow.tasks.values():
        if (
            other.task_spec is not instance.task_spec
            or other.state != TaskState.COMPLETED
            or other.id in inside
        ):
            continue
        node = other.parent
        while node is not None and node.id not in depth_of:
            node = node.parent
        if node is not None and (best_depth is None or depth_of[node.id] < best_depth):
            best, best_depth = other, depth_of[node.id]
    return best


def _unwound(step: Any, partners: list[Any]) -> list[Any]:
    """Every task a reset to ``step`` drops or reopens.  A reset inside a child workflow
    resets the sub-process task that started it too (what came after the child is
    dropped), and the steps inside children of dropped sub-process tasks go with them."""
    found = [t for root in (step, *partners) for t in root]
    top = step.workflow.top_workflow
    workflow = step.workflow
    while workflow.parent_task_id is not None:
        caller = top.get_task_from_id(workflow.parent_task_id)
        found.extend(t for t in caller if t is not caller)
        workflow = caller.workflow
    pending = list(found)
    seen = {t.id for t in found}
    while pending:
        child = top.subprocesses.get(pending.pop().id)
        for inner in child.tasks.values() if child is not None else ():
            if inner.id not in seen:
                seen.add(inner.id)
                found.append(inner)
                pending.append(inner)
    return found


def _reset(ctx: CommandContext, step: Any, partners: list[Any]) -> None:
    # The step first: its branch's join instance becomes pending again, so the fired one,
    # reset next, goes back to waiting for it instead of firing at once.
    ctx.workflow.reset_from_task_id(step.id)
    for partner in partners:
        ctx.workflow.reset_from_task_id(partner.id)
    # SpiffWorkflow leaves a finished child workflow marked completed when a step in it
    # is reset: it would never run again.
    workflow = step.workflow
    while workflow.parent_task_id is not None:
        workflow.completed = False
        workflow = ctx.workflow.get_task_from_id(workflow.parent_task_id).workflow


def _targets(task: Any) -> dict[str, Any]:
    """bpmn id → the nearest completed user task upstream of ``task`` (a return target)."""
    targets: dict[str, Any] = {}
    for candidate in _upstream(task):
        if _is_human(candidate) and candidate.task_spec.bpmn_id != task.task_spec.bpmn_id:
            targets.setdefault(candidate.task_spec.bpmn_id, candidate)
    return targets


def _target_view(case: CaseReading, spiff_task: Any) -> dict[str, Any]:
    row = case.session.get(TaskRow, str(spiff_task.id))
    meta = case.user_tasks.get(spiff_task.task_spec.bpmn_id, {})
    return {
        "bpmn_id": spiff_task.task_spec.bpmn_id,
        "name": meta.get("name") or spiff_task.task_spec.bpmn_name,
        "department": row.department_code if row else None,
        "completed_by": row.completed_by if row else None,
        "completed_at": clock.isoformat(row.completed_at) if row else None,
    }


def return_targets(govflow: Govflow, actor: Principal, task_id: str) -> list[dict[str, Any]]:
    """The earlier steps this task may be returned to, nearest first."""

    def query(case: CaseReading) -> list[dict[str, Any]]:
        row = open_row_to_act_on(case, task_id)
        task = ready_spiff_task(case, row)
        return [_target_view(case, t) for t in _targets(task).values()]

    return read(govflow, case_of_task(govflow, actor, task_id), actor, query)


def _sibling_work(
    ctx: CommandContext, target: Any, unwound: list[Any], task: Any
) -> dict[str, dict[str, Any]]:
    """Completed user tasks the reset to ``target`` would drop that are not on the way
    from ``target`` to ``task``: the work of the other parallel branches.  (Countersign
    instances are not kept one by one: a countersign the return unwinds is signed again.)"""
    on_the_way = {t.id for t in _upstream(task)}
    kept: dict[str, dict[str, Any]] = {}
    for dropped in unwound:
        if (
            dropped is target
            or dropped.id in on_the_way
            or not _is_human(dropped)
            or _is_instance(dropped)
        ):
            continue
        row = ctx.session.get(TaskRow, str(dropped.id))
        if row is None or row.status != "completed":
            continue
        kept[dropped.task_spec.bpmn_id] = {
            "data": row.submission or {},
            "row_id": row.id,
            "completed_by": row.completed_by,
            "completed_at": clock.isoformat(row.completed_at),
            "department": row.department_code,
        }
    return kept


def return_task(govflow: Govflow, actor: Principal, task_id: str, target: Any, reason: Any) -> int:
    """退回: send the case back from this open task to an earlier step of its branch."""
    text = reason_of(reason)
    if not isinstance(target, str) or not target.strip():
        raise ValidationFailed("name the step to return to", fields={"target": ["必填 / required"]})

    def command(ctx: CommandContext) -> int:
        row = open_row_to_act_on(ctx, task_id)
        require_running(ctx)
        task = ready_spiff_task(ctx, row)
        targets = _targets(task)
        step = targets.get(target.strip())
        if step is None:
            raise ValidationFailed(
                "not an earlier step of this branch",
                fields={"target": ["只能退回到本分支已办理的环节 / not an earlier step"]},
                allowed=sorted(targets),
            )
        partners = _fired_joins(step)
        unwound = _unwound(step, partners)
        carried = _sibling_work(ctx, step, unwound, task)
        unwound_ids = {str(t.id) for t in unwound}
        dropped_open = [
            r.id
            for r in ctx.session.scalars(
                select(TaskRow).where(
                    TaskRow.case_id == ctx.case.id,
                    TaskRow.kind == "bpmn",
                    TaskRow.status.in_(("ready", "claimed")),
                    TaskRow.id != row.id,
                )
            )
            if r.id in unwound_ids
        ]
        _reset(ctx, step, partners)
        record = CaseReturn(
            case_id=ctx.case.id,
            from_task_id=row.id,
            from_bpmn_id=row.bpmn_id,
            target_task_id=str(step.id),
            target_bpmn_id=step.task_spec.bpmn_id,
            reason=text,
            returned_by=actor.username,
            returned_at=clock.now(),
            carried=carried,
            pending=sorted(carried),
        )
        ctx.session.add(record)
        notice = {
            "kind": "returned",
            "reason": text,
            "by": actor.username,
            "from_task": row.name,
            "from_department": row.department_code,
            "at": clock.isoformat(clock.now()),
        }
        target_row = ctx.session.get(TaskRow, str(step.id))
        meta = ctx.user_tasks.get(step.task_spec.bpmn_id, {})
        reopen(target_row, assignee=meta.get("assignee"), notice=notice)
        # the returning task itself is closed by the projection (no longer READY)
        ctx.audit(
            "task_returned",
            task_id=row.id,
            name=row.name,
            department=row.department_code,
            target=step.task_spec.bpmn_id,
            target_task_id=target_row.id,
            reason=text,
            carried=sorted(carried),
            cancelled=dropped_open,
        )
        return ctx.case.id

    return execute(govflow, case_of_task(govflow, actor, task_id), actor, command)


def withdraw(govflow: Govflow, actor: Principal, task_id: str, reason: Any) -> int:
    """撤回: take back one's own completion while the next steps are untouched."""
    text = reason_of(reason, required=False)

    def command(ctx: CommandContext) -> int:
        row = task_row(ctx, task_id)
        if row.kind != "bpmn":
            raise Conflict("only process steps can be withdrawn", code="task_not_ready")
        if row.status != "completed":
            raise Conflict("the task is not completed", code="not_completed")
        if row.completed_by != actor.username:
            raise Forbidden("only the clerk who completed it may withdraw it")
        require_running(ctx)
        task = ctx.workflow.get_task_from_id(UUID(row.id))
        if task.state != TaskState.COMPLETED or _is_instance(task):
            raise Conflict("the step can no longer be withdrawn", code="next_task_touched")
        partners = _fired_joins(task)
        touched = _touched_next_steps(ctx, task, _unwound(task, partners))
        if touched:
            raise Conflict(
                "the next step has already been taken up",
                code="next_task_touched",
                tasks=touched,
            )
        _reset(ctx, task, partners)
        notice = {
            "kind": "withdrawn",
            "reason": text,
            "by": actor.username,
            "at": clock.isoformat(clock.now()),
        }
        reopen(row, assignee=actor.username, notice=notice)
        ctx.audit("task_withdrawn", task_id=row.id, name=row.name, reason=text)
        return ctx.case.id

    return execute(govflow, case_of_task(govflow, actor, task_id), actor, command)


def _touched_next_steps(ctx: CommandContext, task: Any, unwound: list[Any]) -> list[str]:
    """BPMN ids of the steps after ``task`` someone has already claimed or completed."""
    touched = []
    for later in unwound:
        if later is task or not later.task_spec.manual:
            continue
        if later.state == TaskState.COMPLETED:
            touched.append(later.task_spec.bpmn_id)
        elif later.state == TaskState.READY:
            row = ctx.session.get(TaskRow, str(later.id))
            if row is not None and (row.assignee or row.status != "ready"):
                touched.append(later.task_spec.bpmn_id)
    return touched
