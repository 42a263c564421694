"""What of a case's finished work its stored workflow keeps: flat cost in long loops.

SpiffWorkflow keeps every task a case ever ran, as a tree: a rework loop (补正 again and
again) adds a level per step and round, and every command loads and saves all of it, so
each step gets slower than the last.  What running still needs of finished tasks is
little:

* for every task still to run (and the root, and the last task run), the nearest
  finished ancestor of each element: what a return (退回) aims at (``verbs.returns``:
  the nearest completed step of each id upstream), what a join looks for, and what the
  data of the next step derives from;
* through each join kept, its other instances of the same round: the branches that
  joined there, which a return may aim into;
* the last instance of each end event reached (how the case ended).

Everything else is left out of the stored state; the audit trail and the completed task
rows are the case's history.  A kept task hangs from its nearest kept ancestor.  What is
kept is bounded by the open tasks × the elements of the process, however many rounds
the case has been through.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn.specs.defaults import EndEvent
from SpiffWorkflow.specs.Join import Join
from SpiffWorkflow.util.task import TaskState


def kept_tasks(workflow: Any) -> set[UUID]:
    """The ids of the tasks a stored workflow needs (see the module's docstring)."""
    tasks = workflow.tasks
    finished = [t.task_spec for t in tasks.values() if t.has_state(TaskState.FINISHED_MASK)]
    if len(set(finished)) == len(finished):
        return set(tasks)  # no step ran twice: no round to drop (most cases, most steps)
    anchors = [t for t in tasks.values() if t.has_state(TaskState.NOT_FINISHED_MASK)]
    anchors.append(workflow.task_tree)
    if workflow.last_task is not None:
        anchors.append(workflow.last_task)
    last_end: dict[Any, Any] = {}
    for task in tasks.values():
        if isinstance(task.task_spec, EndEvent) and task.state == TaskState.COMPLETED:
            last_end[task.task_spec] = task
    anchors.extend(last_end.values())

    # Each join's finished instances, found once rather than by a scan per join kept;
    # and each task's parent, looked up once: the walks below climb the same lines many
    # times, and a Task's ``parent`` is a dictionary lookup by UUID, slow to hash.
    instances: dict[Any, list[Any]] = {}
    parent_of: dict[int, Any] = {}
    for task in tasks.values():
        parent_of[id(task)] = task.parent
        if isinstance(task.task_spec, Join) and task.has_state(TaskState.FINISHED_MASK):
            instances.setdefault(task.task_spec, []).append(task)

    keep: dict[int, Any] = {}  # each task kept, by id()
    walked: set[int] = set()
    joined: set[int] = set()  # the joins whose partners are pending already
    pending = anchors
    while pending:
        task = pending.pop()
        if id(task) in walked:
            continue
        walked.add(id(task))
        keep[id(task)] = task
        seen = {task.task_spec}
        node = _parent(task, parent_of)
        while node is not None:
            if node.task_spec not in seen:
                seen.add(node.task_spec)
                keep[id(node)] = node
                if (
                    isinstance(node.task_spec, Join)
                    and id(node) not in walked
                    and id(node) not in joined
                ):
                    joined.add(id(node))
                    partners = _same_round(node, instances.get(node.task_spec, []), parent_of)
                    pending.extend(partners)
            node = _parent(node, parent_of)
    return {t.id for t in keep.values()}


def _same_round(join: Any, instances: list[Any], parent_of: dict[int, Any]) -> list[Any]:
    """The other finished ``instances`` of ``join``'s element that arrived in the same
    round: their branch meets ``join``'s line of ancestors below its previous round."""
    this_round: set[int] = set()
    node = _parent(join, parent_of)
    while node is not None and node.task_spec is not join.task_spec:
        this_round.add(id(node))
        node = _parent(node, parent_of)
    partners = []
    for other in instances:
        if other is join:
            continue
        node = _parent(other, parent_of)
        while node is not None and id(node) not in this_round:
            if node.task_spec is join.task_spec:
                node = None  # an earlier round's branch
                break
            node = _parent(node, parent_of)
        if node is not None:
            partners.append(other)
    return partners


def _parent(task: Any, parent_of: dict[int, Any]) -> Any:
    # The workflow's last task may have left the tree (a reset): ask it, as before.
    key = id(task)
    return parent_of[key] if key in parent_of else task.parent


def kept_tree(workflow: Any, keep: set[UUID]) -> dict[UUID, tuple[Any, list[UUID]]]:
    """Each kept task's kept parent and kept children (in the tree's order)."""
    tree: dict[UUID, tuple[Any, list[UUID]]] = {}
    root = workflow.task_tree
    stack: list[tuple[Any, Any]] = [(root, None)]
    while stack:
        task, above = stack.pop()
        if task.id in keep:
            tree[task.id] = (above, [])
            if above is not None:
                tree[above.id][1].append(task.id)
            above = task
        stack.extend((child, above) for child in reversed(task.children))
    return tree
