"""Flat cost in long loops: the stored workflow keeps only the finished tasks running
still needs (engine/runtime/history.py), so a case's thousandth round costs what its
tenth did, and what it does next is unchanged."""

from __future__ import annotations

from SpiffWorkflow.util.task import TaskState

from engine.runtime import stepper
from engine.runtime.projection import ready_human_tasks
from engine.runtime.workflow import dump, load, new_workflow
from tests.test_workflow_quirks import parsed_loop, run_review


def _rounds(count: int):
    """A rework-loop case stored and restored at every step, as commands do."""
    parsed = parsed_loop()
    workflow = new_workflow(parsed)
    stepper.advance(workflow, {}, lambda task, meta: None)
    for number in range(count):
        run_review(workflow, again=True)
        workflow = load(dump(workflow), parsed)
        (review,) = ready_human_tasks(workflow)
        review.data["round"] = number
    return parsed, workflow


def test_the_stored_state_does_not_grow_with_the_rounds():
    _, ten = _rounds(10)
    _, thousand = _rounds(1000)
    assert len(thousand.tasks) == len(ten.tasks)
    assert len(dump(thousand)) <= len(dump(ten)) * 1.05


def test_a_pruned_case_runs_on_with_its_data_and_ends():
    parsed, workflow = _rounds(50)
    (review,) = ready_human_tasks(workflow)
    assert review.data["round"] == 49
    # The previous round's review is still there to return to (the nearest of its id).
    done = [
        t
        for t in workflow.tasks.values()
        if t.task_spec.bpmn_id == "review" and t.state == TaskState.COMPLETED
    ]
    assert len(done) == 1 and done[0].data["round"] == 48
    run_review(workflow, again=False)
    restored = load(dump(workflow), parsed)
    assert restored.is_completed()
    assert restored.last_task.data["round"] == 49


def test_an_unfinished_workflow_in_memory_is_not_changed_by_storing_it():
    parsed, workflow = _rounds(3)
    run_review(workflow, again=True)
    run_review(workflow, again=True)  # two rounds not yet stored: the tree is deeper
    before = len(workflow.tasks)
    state = dump(workflow)
    assert len(workflow.tasks) == before
    assert len(load(state, parsed).tasks) < before
