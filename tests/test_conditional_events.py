"""Conditional events are refused at deploy, each named with what to draw instead.

BPMN fires a conditional event when its condition becomes true, re-evaluated whenever the
case's data changes; SpiffWorkflow evaluates it once when reached.  Before, such a model
deployed and completing the task before the event answered 500.
"""

from __future__ import annotations

import pytest

from tests.bpmn_support import deploy, model, refused_elements
from tests.support import Api

ADVICE = "conditional events are not run by govflow: use an exclusive gateway"


def condition(eid: str) -> str:
    return (
        f'<bpmn:conditionalEventDefinition id="{eid}_def"><bpmn:condition>${{ready}}'
        "</bpmn:condition></bpmn:conditionalEventDefinition>"
    )


TASK = '<bpmn:userTask id="a" name="A" camunda:candidateGroups="tax"/>'
END = '<bpmn:endEvent id="end"/>'


def flow(fid: str, source: str, target: str) -> str:
    return f'<bpmn:sequenceFlow id="{fid}" sourceRef="{source}" targetRef="{target}"/>'


INTERMEDIATE = "\n".join(
    [
        '<bpmn:startEvent id="start"/>',
        flow("f1", "start", "a"),
        TASK,
        flow("f2", "a", "wait"),
        f'<bpmn:intermediateCatchEvent id="wait">{condition("wait")}</bpmn:intermediateCatchEvent>',
        flow("f3", "wait", "end"),
        END,
    ]
)

MODELS = {
    "intermediate": ("wait", INTERMEDIATE),
    "start": (
        "start",
        "\n".join(
            [
                f'<bpmn:startEvent id="start">{condition("start")}</bpmn:startEvent>',
                flow("f1", "start", "a"),
                TASK,
                flow("f2", "a", "end"),
                END,
            ]
        ),
    ),
    "boundary": (
        "watch",
        "\n".join(
            [
                '<bpmn:startEvent id="start"/>',
                flow("f1", "start", "a"),
                TASK,
                flow("f2", "a", "end"),
                END,
                f'<bpmn:boundaryEvent id="watch" attachedToRef="a">{condition("watch")}'
                "</bpmn:boundaryEvent>",
                flow("f3", "watch", "end2"),
                '<bpmn:endEvent id="end2"/>',
            ]
        ),
    ),
    "event_sub_process_start": (
        "sub_start",
        "\n".join(
            [
                '<bpmn:startEvent id="start"/>',
                flow("f1", "start", "a"),
                TASK,
                flow("f2", "a", "end"),
                END,
                '<bpmn:subProcess id="on_ready" triggeredByEvent="true">'
                f'<bpmn:startEvent id="sub_start">{condition("sub_start")}</bpmn:startEvent>'
                + flow("s1", "sub_start", "sub_end")
                + '<bpmn:endEvent id="sub_end"/></bpmn:subProcess>',
            ]
        ),
    ),
}


@pytest.mark.parametrize("kind", sorted(MODELS))
def test_a_conditional_event_is_refused_naming_the_event(api: Api, kind: str):
    event_id, body = MODELS[kind]

    elements = refused_elements(deploy(api, model("conditional", body)))

    assert ADVICE in elements[event_id]
    started = api.post("/api/v1/cases", "zhangsan", json={"process_key": "conditional"})
    assert started.status_code == 404  # nothing was deployed
