"""SpiffWorkflow quirks govflow guards against: the depth-1000 task iterator, data types
its serializer cannot store, and tasks "completed" while not READY."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

from engine.definitions.specs import parse_process
from engine.definitions.xml_safety import parse_bpmn
from engine.runtime import stepper
from engine.runtime.projection import ready_human_tasks
from engine.runtime.workflow import dump, load, new_workflow
from engine.script_engine import GovflowScriptEngine

LOOP = Path(__file__).parent / "fixtures" / "bpmn" / "rework_loop.bpmn"


def parsed_loop():
    root = parse_bpmn(LOOP.read_bytes(), max_bytes=1_000_000)
    return parse_process(root, [], "rework_loop")


def run_review(workflow, again: bool) -> None:
    (task,) = ready_human_tasks(workflow)
    task.data["again"] = again
    task.run()
    stepper.advance(workflow, {}, lambda task, meta: None)


def test_long_rework_loop_never_reports_completion_with_work_pending():
    parsed = parsed_loop()
    workflow = new_workflow(parsed)
    stepper.advance(workflow, {}, lambda task, meta: None)
    for _ in range(600):  # each round adds three levels to the task tree: depth ≫ 1000
        run_review(workflow, again=True)

    depth = max(len(list(_ancestors(t))) for t in workflow.tasks.values())
    assert depth > 1000
    # What stock SpiffWorkflow sees at this depth: no ready task, and "complete".
    stock = BpmnWorkflow(parsed.spec, script_engine=GovflowScriptEngine())
    stock.task_tree = workflow.task_tree
    stock.tasks = workflow.tasks
    assert stock.get_tasks(state=TaskState.READY) == []
    assert BpmnWorkflow.is_completed(stock)
    # govflow still finds the pending review and does not call the case done.
    assert len(ready_human_tasks(workflow)) == 1
    assert len(workflow.get_tasks(state=TaskState.READY)) == 1
    assert not workflow.is_completed()

    restored = load(dump(workflow), parsed)
    assert not restored.is_completed()
    run_review(restored, again=False)
    assert restored.is_completed()


def _ancestors(task):
    while task is not None:
        yield task
        task = task.parent


def test_dates_decimals_and_sets_in_case_data_survive_a_save():
    parsed = parsed_loop()
    workflow = new_workflow(parsed)
    stepper.advance(workflow, {}, lambda task, meta: None)
    (task,) = ready_human_tasks(workflow)
    task.data.update(
        {
            "signed_on": date(2026, 10, 8),
            "price": Decimal("3200000.50"),
            "owners": {"110101198806124568"},
        }
    )
    restored = load(dump(workflow), parsed)
    (again,) = ready_human_tasks(restored)
    assert again.data["signed_on"] == date(2026, 10, 8)
    assert again.data["price"] == Decimal("3200000.50")
    assert again.data["owners"] == {"110101198806124568"}


def test_a_stored_workflow_does_not_carry_its_spec():
    parsed = parsed_loop()
    workflow = new_workflow(parsed)
    stepper.advance(workflow, {}, lambda task, meta: None)
    state = dump(workflow)
    assert '"spec"' not in state and "subprocess_specs" not in state
    assert len(ready_human_tasks(load(state, parsed))) == 1


@pytest.mark.parametrize("state", [TaskState.FUTURE, TaskState.COMPLETED])
def test_spiff_itself_would_run_a_task_that_is_not_ready(state):
    """Why the engine checks READY before completing: SpiffWorkflow does not."""
    workflow = new_workflow(parsed_loop())
    stepper.advance(workflow, {}, lambda task, meta: None)
    end = next(t for t in workflow.tasks.values() if t.task_spec.bpmn_id == "end")
    end._set_state(state)
    end.run()  # no complaint from SpiffWorkflow
    assert end.state == TaskState.COMPLETED


def test_a_countersign_restored_by_a_fresh_worker_still_completes():
    """SpiffWorkflow wires a multi-instance step to merge its instances on the spec object
    that created them; a worker that parsed the spec afresh (a restart) must wire it too."""
    xml = (Path(__file__).parent / "fixtures" / "bpmn" / "countersign_all.bpmn").read_bytes()

    def parsed():
        return parse_process(parse_bpmn(xml, max_bytes=1_000_000), [], "countersign_all")

    workflow = new_workflow(parsed())
    next(iter(workflow.tasks.values())).data["departments"] = ["tax", "registry"]
    stepper.advance(workflow, {}, lambda task, meta: None)
    for _ in range(2):  # the intake, then the first department's instance
        ready_human_tasks(workflow)[0].run()
        stepper.advance(workflow, {}, lambda task, meta: None)
    restarted = load(dump(workflow), parsed())
    ready_human_tasks(restarted)[0].run()
    stepper.advance(restarted, {}, lambda task, meta: None)
    assert [t.task_spec.bpmn_id for t in ready_human_tasks(restarted)] == ["decide"]
