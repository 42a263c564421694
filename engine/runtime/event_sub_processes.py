"""Event sub-processes whose trigger never came: a process ends without them.

BPMN 2.0 (§10.3.5): an event sub-process is no token of its parent; while it has not
been triggered it only listens, and the parent completes when its own flow is done
(a triggered, non-interrupting instance still running keeps it open until it ends).

SpiffWorkflow starts a timer-started event sub-process with its parent, as a child
workflow waiting at its start event, and the parent's end waits for that child: a case
whose review was finished before the 催办 timer fell due would wait for the timer, then
urge about finished work — and a cycle (``R/P2D``) would keep it open for ever.

``close_idle`` finds, in each workflow of the case, the moment where nothing but such
listening children is left, cancels them (the listener stops: nothing ran in them), and
lets the parent's end fire.

SpiffWorkflow also ignores ``isInterrupting``: ``interrupt`` cancels the rest of the
parent's work when an interrupting event sub-process fires.
"""

from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn.specs.mixins.events.start_event import StartEvent
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import SubWorkflowTask
from SpiffWorkflow.specs.Join import Join
from SpiffWorkflow.util.task import TaskState

_ACTIVE = (TaskState.READY, TaskState.STARTED)


def _is_event_sub_process(task: Any) -> bool:
    """A sub-process task started from its workflow's start: an event sub-process."""
    return (
        isinstance(task.task_spec, SubWorkflowTask)
        and task.parent is not None
        and task.parent.task_spec is task.workflow.spec.start
    )


def _listening_only(child: Any) -> bool:
    """Nothing runs in ``child``: it only waits at its start event(s) (and its end)."""
    for task in child.tasks.values():
        if task.state in _ACTIVE:
            return False
        if task.state == TaskState.WAITING and not isinstance(task.task_spec, StartEvent | Join):
            return False
    return True


def _idle_listeners(top: Any, workflow: Any) -> list[Any] | None:
    """The listening event sub-process tasks of ``workflow`` when nothing else of it is
    left to do; None while its own flow (or a triggered event sub-process) still runs."""
    listeners = []
    for task in workflow.tasks.values():
        if task.state == TaskState.STARTED and _is_event_sub_process(task):
            child = top.subprocesses.get(task.id)
            if child is not None and _listening_only(child):
                listeners.append(task)
                continue
            return None
        if task.state in _ACTIVE:
            return None
        if task.state == TaskState.WAITING and not isinstance(task.task_spec, Join):
            return None
    return listeners


def _triggered_interrupting(top: Any, task: Any) -> bool:
    """Has the interrupting start event of this event sub-process fired?"""
    child = top.subprocesses.get(task.id)
    return child is not None and any(
        isinstance(t.task_spec, StartEvent)
        and getattr(t.task_spec, "interrupting", False)
        and t.state == TaskState.COMPLETED
        and t.parent is not None  # not the child's own implicit Start
        for t in child.tasks.values()
    )


def interrupt(top: Any) -> bool:
    """An interrupting event sub-process that fired cancels the rest of its parent's
    work (BPMN: the parent's activities are interrupted); answers whether it did."""
    interrupted = False
    for workflow in [top, *list(top.subprocesses.values())]:
        if workflow.completed:
            continue
        started = [
            t
            for t in workflow.tasks.values()
            if t.state == TaskState.STARTED
            and _is_event_sub_process(t)
            and _triggered_interrupting(top, t)
        ]
        if not started:
            continue
        keep = {t.id for t in started}
        for task in list(workflow.tasks.values()):
            if (
                task.id not in keep
                and task.state in (*_ACTIVE, TaskState.WAITING)
                and not isinstance(task.task_spec, Join)
            ):
                task.cancel()  # a sub-process task cancels its child workflow too
                interrupted = True
    return interrupted


def close_idle(top: Any) -> bool:
    """Cancel the listening event sub-processes of every workflow of the case whose own
    work is done; answers whether any was (the caller runs the engine again)."""
    closed = False
    workflows = sorted(top.subprocesses.values(), key=lambda w: w.depth, reverse=True)
    for workflow in [*workflows, top]:
        if workflow.completed or (
            workflow is not top and workflow.parent_task_id not in top.subprocesses
        ):
            continue
        listeners = _idle_listeners(top, workflow)
        if not listeners:
            continue
        for task in listeners:
            task.cancel()  # cancels the child workflow too
        for join in [t for t in workflow.tasks.values() if t.state == TaskState.WAITING]:
            join.task_spec._update(join)
        closed = True
    return closed
