"""Link events run as the sequence flow they stand for (BPMN 2.0 §10.5.6), or are refused.

SpiffWorkflow alone would end the branch at the throw and never reach the catch: the
steps after a link were skipped silently.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.bpmn_support import deploy, deployed, model, open_tasks, refused_elements
from tests.support import Api

EXAMPLE = Path(__file__).parent / "fixtures" / "bpmn" / "link_example.bpmn"


def link_throw(eid: str, name: str) -> str:
    return (
        f'<bpmn:intermediateThrowEvent id="{eid}">'
        f'<bpmn:linkEventDefinition id="{eid}_def" name="{name}"/></bpmn:intermediateThrowEvent>'
    )


def link_catch(eid: str, name: str) -> str:
    return (
        f'<bpmn:intermediateCatchEvent id="{eid}">'
        f'<bpmn:linkEventDefinition id="{eid}_def" name="{name}"/></bpmn:intermediateCatchEvent>'
    )


def task(eid: str, form: str | None = None) -> str:
    form_key = f' camunda:formKey="{form}"' if form else ""
    return f'<bpmn:userTask id="{eid}" name="{eid}" camunda:candidateGroups="tax"{form_key}/>'


def flow(fid: str, source: str, target: str, condition: str | None = None) -> str:
    if condition is None:
        return f'<bpmn:sequenceFlow id="{fid}" sourceRef="{source}" targetRef="{target}"/>'
    return (
        f'<bpmn:sequenceFlow id="{fid}" sourceRef="{source}" targetRef="{target}">'
        f"<bpmn:conditionExpression>{condition}</bpmn:conditionExpression></bpmn:sequenceFlow>"
    )


def test_the_step_after_a_link_is_reached(api: Api):
    deployed(api, EXAMPLE.read_bytes())
    case = api.start_case("link_test", {})
    assert open_tasks(case) == ["a"]

    after_a = api.claim_and_complete("clerk_tax", case["id"], "a", {})

    assert after_a["status"] == "running"
    assert open_tasks(after_a) == ["b"]
    done = api.claim_and_complete("clerk_tax", case["id"], "b", {})
    assert done["status"] == "completed"
    ran = [
        e["details"].get("bpmn_id")
        for e in api.get(f"/api/v1/cases/{case['id']}/events", "admin").get_json()["items"]
        if e["action"] == "task_created"
    ]
    assert ran == ["a", "b"]


LOOP = model(
    "link_loop",
    "\n".join(
        [
            '<bpmn:startEvent id="start"/>',
            flow("f1", "start", "review"),
            task("review", form="property_transfer/acceptance"),
            flow("f2", "review", "again"),
            '<bpmn:exclusiveGateway id="again" default="f_done"/>',
            flow("f_back", "again", "go_back", "${!accepted}"),
            flow("f_done", "again", "archive"),
            link_throw("go_back", "rework"),
            link_catch("back_here", "rework"),
            flow("f3", "back_here", "review"),
            task("archive"),
            flow("f4", "archive", "end"),
            '<bpmn:endEvent id="end"/>',
        ]
    ),
)


def test_a_link_leads_back_to_an_earlier_step(api: Api):
    deployed(api, LOOP)
    case = api.start_case("link_loop", {})

    again = api.claim_and_complete("clerk_tax", case["id"], "review", {"accepted": False})
    assert open_tasks(again) == ["review"]  # back through the link, not to the end
    once_more = api.claim_and_complete("clerk_tax", case["id"], "review", {"accepted": True})
    assert open_tasks(once_more) == ["archive"]
    assert api.claim_and_complete("clerk_tax", case["id"], "archive", {})["status"] == "completed"


def test_links_join_within_an_embedded_sub_process(api: Api):
    inner = "\n".join(
        [
            '<bpmn:startEvent id="inner_start"/>',
            flow("i1", "inner_start", "inner_throw"),
            link_throw("inner_throw", "L"),
            link_catch("inner_catch", "L"),
            flow("i2", "inner_catch", "inner_end"),
            '<bpmn:endEvent id="inner_end"/>',
        ]
    )
    xml = model(
        "link_sub",
        "\n".join(
            [
                '<bpmn:startEvent id="start"/>',
                flow("f1", "start", "sub"),
                f'<bpmn:subProcess id="sub">{inner}</bpmn:subProcess>',
                flow("f2", "sub", "after"),
                task("after"),
                flow("f3", "after", "end"),
                '<bpmn:endEvent id="end"/>',
            ]
        ),
    )
    deployed(api, xml)
    assert open_tasks(api.start_case("link_sub", {})) == ["after"]


PLAIN_START = ['<bpmn:startEvent id="start"/>', flow("f1", "start", "a"), task("a")]

REFUSED = {
    "throw_without_catch": (
        [*PLAIN_START, flow("f2", "a", "t"), link_throw("t", "nowhere")],
        {"t": "no link catch event named 'nowhere'"},
    ),
    "two_catches_of_one_name": (
        [
            *PLAIN_START,
            flow("f2", "a", "t"),
            link_throw("t", "L"),
            link_catch("c1", "L"),
            flow("f3", "c1", "e1"),
            '<bpmn:endEvent id="e1"/>',
            link_catch("c2", "L"),
            flow("f4", "c2", "e2"),
            '<bpmn:endEvent id="e2"/>',
        ],
        {"c1": "two link catch events are named 'L'", "c2": "two link catch events"},
    ),
    "catch_with_an_incoming_flow": (
        [
            *PLAIN_START,
            flow("f2", "a", "t"),
            link_throw("t", "L"),
            link_catch("c", "L"),
            flow("f3", "c", "e"),
            '<bpmn:endEvent id="e"/>',
            flow("f_in", "a", "c"),
        ],
        {"c": "a link catch event has no incoming sequence flow"},
    ),
    "throw_with_an_outgoing_flow": (
        [
            *PLAIN_START,
            flow("f2", "a", "t"),
            link_throw("t", "L"),
            flow("f_out", "t", "e"),
            link_catch("c", "L"),
            flow("f3", "c", "e"),
            '<bpmn:endEvent id="e"/>',
        ],
        {"t": "a link throw event has no outgoing sequence flow"},
    ),
    "catch_only_in_another_process_level": (
        [
            *PLAIN_START,
            flow("f2", "a", "t"),
            link_throw("t", "L"),
            '<bpmn:subProcess id="sub"><bpmn:startEvent id="s2"/>'
            + flow("s2f", "s2", "e2")
            + '<bpmn:endEvent id="e2"/>'
            + link_catch("c", "L")
            + flow("f3", "c", "e3")
            + '<bpmn:endEvent id="e3"/></bpmn:subProcess>',
        ],
        {"t": "no link catch event named 'L' at this process level"},
    ),
}


@pytest.mark.parametrize("problem", sorted(REFUSED))
def test_a_link_that_cannot_be_joined_is_refused_at_deploy(api: Api, problem: str):
    body, expected = REFUSED[problem]
    before = api.get("/api/v1/process-definitions", "designer").get_json()["items"]

    elements = refused_elements(deploy(api, model("bad_link", "\n".join(body))))

    for eid, message in expected.items():
        assert message in elements.get(eid, ""), elements
    assert api.get("/api/v1/process-definitions", "designer").get_json()["items"] == before
