"""Bounds on what a model may make the engine do: refused at deploy when a literal says
it, a failed step (422 for a request, an incident for the scheduler) when computed —
never a worker that hangs or grows without end."""

from __future__ import annotations

import dataclasses
import time
from datetime import timedelta

import pytest
import time_machine
from lxml import etree

from engine import clock, scheduler
from engine.bounds import Bounds
from engine.definitions.bound_checks import bound_problems
from tests.bpmn_support import deploy, deployed, model, refused_elements
from tests.support import Api

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"


def flow(fid: str, source: str, target: str, condition: str | None = None) -> str:
    if condition is None:
        return f'<bpmn:sequenceFlow id="{fid}" sourceRef="{source}" targetRef="{target}"/>'
    return (
        f'<bpmn:sequenceFlow id="{fid}" sourceRef="{source}" targetRef="{target}">'
        f"<bpmn:conditionExpression>{condition}</bpmn:conditionExpression></bpmn:sequenceFlow>"
    )


def countersign(cardinality: str) -> bytes:
    return model(
        "many_signers",
        "\n".join(
            [
                '<bpmn:startEvent id="start"/>',
                flow("f1", "start", "sign"),
                '<bpmn:userTask id="sign" name="sign" camunda:candidateGroups="tax">'
                "<bpmn:multiInstanceLoopCharacteristics>"
                f"<bpmn:loopCardinality>{cardinality}</bpmn:loopCardinality>"
                "</bpmn:multiInstanceLoopCharacteristics></bpmn:userTask>",
                flow("f2", "sign", "end"),
                '<bpmn:endEvent id="end"/>',
            ]
        ),
    )


def cycle(value: str) -> bytes:
    """A clerk's task with a repeating reminder timer on it."""
    return model(
        "reminders",
        "\n".join(
            [
                '<bpmn:startEvent id="start"/>',
                flow("f1", "start", "review"),
                '<bpmn:userTask id="review" name="review" camunda:candidateGroups="tax"/>',
                '<bpmn:boundaryEvent id="remind" attachedToRef="review" cancelActivity="false">'
                f"<bpmn:timerEventDefinition><bpmn:timeCycle>{value}</bpmn:timeCycle>"
                "</bpmn:timerEventDefinition></bpmn:boundaryEvent>",
                flow("f3", "remind", "reminded"),
                '<bpmn:endEvent id="reminded"/>',
                flow("f2", "review", "end"),
                '<bpmn:endEvent id="end"/>',
            ]
        ),
    )


#: A gateway and a throw event chasing each other: nothing ever waits.
LOOP = model(
    "endless",
    "\n".join(
        [
            '<bpmn:startEvent id="start"/>',
            flow("f1", "start", "gw"),
            '<bpmn:exclusiveGateway id="gw" default="f_again"/>',
            flow("f_out", "gw", "end", "${done == True}"),
            flow("f_again", "gw", "again"),
            '<bpmn:intermediateThrowEvent id="again"/>',
            flow("f3", "again", "gw"),
            '<bpmn:endEvent id="end"/>',
        ]
    ),
)
#: The same loop, reached after an hour's timer: the scheduler runs it.
TIMER_THEN_LOOP = model(
    "endless_later",
    "\n".join(
        [
            '<bpmn:startEvent id="start"/>',
            flow("f0", "start", "wait"),
            '<bpmn:intermediateCatchEvent id="wait">'
            "<bpmn:timerEventDefinition><bpmn:timeDuration>PT1H</bpmn:timeDuration>"
            "</bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>",
            flow("f1", "wait", "gw"),
            '<bpmn:exclusiveGateway id="gw" default="f_again"/>',
            flow("f_out", "gw", "end", "${done == True}"),
            flow("f_again", "gw", "again"),
            '<bpmn:intermediateThrowEvent id="again"/>',
            flow("f3", "again", "gw"),
            '<bpmn:endEvent id="end"/>',
        ]
    ),
)


def start(api: Api, key: str, data: dict):  # noqa: ANN201
    return api.post("/api/v1/cases", "zhangsan", json={"process_key": key, "data": data})


def workflow_error(response) -> str:  # noqa: ANN001
    assert response.status_code == 422, response.get_json()
    error = response.get_json()["error"]
    assert error["code"] == "workflow_error", error
    return error["details"]["reason"]


def case_count(api: Api) -> int:
    return api.get("/api/v1/cases", "admin").get_json()["total"]


# --- multi-instance cardinality -----------------------------------------------------------
def test_a_literal_cardinality_over_the_bound_is_refused_at_deploy(api: Api):
    reasons = refused_elements(deploy(api, countersign("1000000000")))
    assert "over the bound of 200 instances" in reasons["sign"]
    assert deploy(api, countersign("200")).status_code == 201


def test_the_cardinality_bound_is_configurable(api: Api, govflow):
    govflow.settings = dataclasses.replace(govflow.settings, max_instances=5)
    assert "over the bound of 5" in refused_elements(deploy(api, countersign("6")))["sign"]
    # A designer's expression is left to run time.
    process = etree.fromstring(countersign("${n}")).find(f"{{{BPMN}}}process")
    assert bound_problems(process, Bounds(max_instances=5)) == []


def test_a_computed_cardinality_over_the_bound_fails_the_step_before_any_instance(api: Api):
    deployed(api, countersign("${n}"))
    before = case_count(api)
    began = time.monotonic()
    message = workflow_error(start(api, "many_signers", {"n": 1_000_000_000}))
    assert time.monotonic() - began < 5  # no billion tasks were made first
    assert "over the bound of 200 instances" in message
    assert case_count(api) == before  # nothing was kept
    case = start(api, "many_signers", {"n": 3})
    assert case.status_code == 201
    assert len([t for t in case.get_json()["tasks"] if t["status"] == "ready"]) == 3


# --- timer cycles -------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("R/PT0S", "repeats without end"),
        ("R/PT1S", "repeats without end"),
        ("R999999999/PT1S", "repeats 999999999 times, over the bound of 1000"),
        ("R5/PT1S", "repeats every 1 s, more often than once per 3600 s"),
        ("R5/PT0S", "repeats every 0 s"),
    ],
)
def test_runaway_timer_cycles_are_refused_at_deploy_with_the_element(
    api: Api, value: str, reason: str
):
    assert reason in refused_elements(deploy(api, cycle(value)))["remind"]


def test_a_bounded_cycle_deploys_and_the_interval_is_configurable(api: Api, govflow):
    assert deploy(api, cycle("R3/PT1H")).status_code == 201
    govflow.settings = dataclasses.replace(govflow.settings, min_timer_cycle_seconds=60)
    assert deploy(api, cycle("R3/PT10M")).status_code == 201


def test_a_computed_cycle_over_the_bound_fails_the_step(api: Api):
    deployed(api, cycle("${every}"))
    assert "repeats without end" in workflow_error(start(api, "reminders", {"every": "R/PT1S"}))
    assert start(api, "reminders", {"every": "R2/PT2H"}).status_code == 201


# --- automatic steps per command ----------------------------------------------------------
def test_a_gateway_throw_event_loop_is_stopped_by_the_step_budget(api: Api):
    deployed(api, LOOP)
    before = case_count(api)
    began = time.monotonic()
    message = workflow_error(start(api, "endless", {"done": False}))
    took = time.monotonic() - began
    assert "more than 500 automatic steps" in message
    assert took < 10, took
    assert case_count(api) == before
    # Meanwhile and after, everyone else is answered.
    assert api.get("/api/v1/cases", "admin").status_code == 200
    assert start(api, "endless", {"done": True}).status_code == 201


def test_a_loop_the_scheduler_runs_becomes_an_incident(api: Api, govflow):
    deployed(api, TIMER_THEN_LOOP)
    case_id = api.start_case("endless_later", {"done": False})["id"]
    due = clock.now() + timedelta(hours=1)
    for offset in (0, 15, 45):  # the step retry policy: three attempts
        with time_machine.travel(due + timedelta(seconds=offset), tick=False):
            assert scheduler.tick(govflow).errors == 1
    case = api.get(f"/api/v1/cases/{case_id}", "admin").get_json()
    assert case["status"] == "error"
    [incident] = api.get("/api/v1/incidents", "admin").get_json()["items"]
    assert incident["case_id"] == case_id and "automatic steps" in incident["message"]


def test_the_step_budget_is_configurable(api: Api, govflow):
    deployed(api, LOOP)
    govflow.settings = dataclasses.replace(govflow.settings, max_engine_steps=50)
    assert "more than 50 automatic steps" in workflow_error(start(api, "endless", {"done": False}))


# --- the case's state ---------------------------------------------------------------------
def test_a_state_over_the_size_limit_fails_the_step_and_keeps_nothing(api: Api, govflow):
    deployed(api, countersign("${n}"))
    govflow.settings = dataclasses.replace(govflow.settings, max_state_bytes=20_000)
    before = case_count(api)
    message = workflow_error(start(api, "many_signers", {"n": 150}))
    assert "over the limit of 20,000" in message and "GOVFLOW_MAX_STATE_BYTES" in message
    assert case_count(api) == before
    assert start(api, "many_signers", {"n": 1}).status_code == 201
