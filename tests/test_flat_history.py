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


PARALLEL_LOOP = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="d" targetNamespace="t">
  <bpmn:process id="parallel_loop" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f0</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="review" camunda:candidateGroups="registry">
      <bpmn:incoming>f0</bpmn:incoming><bpmn:incoming>f_again</bpmn:incoming>
      <bpmn:outgoing>f1</bpmn:outgoing></bpmn:userTask>
    <bpmn:parallelGateway id="split"><bpmn:incoming>f1</bpmn:incoming>
      <bpmn:outgoing>fa</bpmn:outgoing><bpmn:outgoing>fb</bpmn:outgoing></bpmn:parallelGateway>
    <bpmn:userTask id="tax" camunda:candidateGroups="tax"><bpmn:incoming>fa</bpmn:incoming>
      <bpmn:outgoing>fa2</bpmn:outgoing></bpmn:userTask>
    <bpmn:userTask id="housing" camunda:candidateGroups="housing"><bpmn:incoming>fb</bpmn:incoming>
      <bpmn:outgoing>fb2</bpmn:outgoing></bpmn:userTask>
    <bpmn:parallelGateway id="join"><bpmn:incoming>fa2</bpmn:incoming><bpmn:incoming>fb2</bpmn:incoming>
      <bpmn:outgoing>f2</bpmn:outgoing></bpmn:parallelGateway>
    <bpmn:userTask id="sign" camunda:candidateGroups="registry"><bpmn:incoming>f2</bpmn:incoming>
      <bpmn:outgoing>f3</bpmn:outgoing></bpmn:userTask>
    <bpmn:exclusiveGateway id="decide"><bpmn:incoming>f3</bpmn:incoming>
      <bpmn:outgoing>f_again</bpmn:outgoing><bpmn:outgoing>f_done</bpmn:outgoing></bpmn:exclusiveGateway>
    <bpmn:endEvent id="end"><bpmn:incoming>f_done</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="review"/>
    <bpmn:sequenceFlow id="f1" sourceRef="review" targetRef="split"/>
    <bpmn:sequenceFlow id="fa" sourceRef="split" targetRef="tax"/>
    <bpmn:sequenceFlow id="fb" sourceRef="split" targetRef="housing"/>
    <bpmn:sequenceFlow id="fa2" sourceRef="tax" targetRef="join"/>
    <bpmn:sequenceFlow id="fb2" sourceRef="housing" targetRef="join"/>
    <bpmn:sequenceFlow id="f2" sourceRef="join" targetRef="sign"/>
    <bpmn:sequenceFlow id="f3" sourceRef="sign" targetRef="decide"/>
    <bpmn:sequenceFlow id="f_again" sourceRef="decide" targetRef="review">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">${again}</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f_done" sourceRef="decide" targetRef="end">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">${!again}</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
  </bpmn:process>
</bpmn:definitions>
"""


def test_return_targets_across_a_join_are_the_same_in_a_pruned_loop():
    """退回 from the step after a join aims at the nearest review and at both branches of
    the same round, whether the history is stored whole or pruned."""
    from engine.definitions.specs import parse_process
    from engine.definitions.xml_safety import parse_bpmn
    from engine.verbs.returns import _targets

    parsed = parse_process(parse_bpmn(PARALLEL_LOOP, max_bytes=100_000), [], "parallel_loop")
    whole = new_workflow(parsed)
    stepper.advance(whole, {}, lambda task, meta: None)

    def step(workflow, bpmn_id: str, again: bool = True) -> None:
        (task,) = [t for t in ready_human_tasks(workflow) if t.task_spec.bpmn_id == bpmn_id]
        task.data["again"] = again
        task.run()
        stepper.advance(workflow, {}, lambda task, meta: None)

    for _ in range(20):
        for bpmn_id in ("review", "tax", "housing", "sign"):
            step(whole, bpmn_id)
    for bpmn_id in ("review", "housing", "tax"):
        step(whole, bpmn_id)
    pruned = load(dump(whole), parsed)
    assert len(pruned.tasks) < len(whole.tasks) / 5

    def targets(workflow) -> dict[str, str]:
        (sign,) = [t for t in ready_human_tasks(workflow) if t.task_spec.bpmn_id == "sign"]
        return {k: str(v.id) for k, v in _targets(sign).items()}

    assert set(targets(whole)) == {"review", "tax", "housing"}
    assert targets(pruned) == targets(whole)
    step(pruned, "sign", again=False)
    assert pruned.is_completed()
