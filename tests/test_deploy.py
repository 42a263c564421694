"""Deploying process definitions: what a process designer relies on (API.md, DESIGN.md Safety).

The models are small Camunda-Modeler-style files under ``tests/fixtures/bpmn/``; the
refusal cases change one thing in the valid model so each test names exactly one problem.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest

from engine.config import Settings
from tests.support import Api

FIXTURES = Path(__file__).parent / "fixtures" / "bpmn"
DEPLOY = "/api/v1/process-definitions"
#: A small upload limit so the 413 tests need no megabytes; the fixtures are far below it.
MAX_BPMN_BYTES = 50_000


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        demo=True,
        max_bpmn_bytes=MAX_BPMN_BYTES,
    )


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


WINDOW_REVIEW = fixture("window_review.bpmn")


def variant(old: str, new: str, xml: bytes = WINDOW_REVIEW, *, count: int = 1) -> bytes:
    """``xml`` with ``old`` replaced by ``new``; ``old`` must occur exactly ``count`` times."""
    text = xml.decode("utf-8")
    assert text.count(old) == count, f"{old!r} occurs {text.count(old)} times"
    return text.replace(old, new).encode("utf-8")


def replace_element(element_id: str, new: str, xml: bytes = WINDOW_REVIEW) -> bytes:
    """``xml`` with the flow node ``element_id`` (start tag to end tag) replaced by ``new``."""
    text = xml.decode("utf-8")
    pattern = re.compile(rf'<bpmn:(\w+) id="{element_id}"[^>]*>.*?</bpmn:\1>', re.DOTALL)
    replaced, found = pattern.subn(new, text, count=1)
    assert found == 1, element_id
    return replaced.encode("utf-8")


def deploy(
    api: Api,
    xml: bytes,
    as_: str | None = "designer",
    *,
    filename: str = "model.bpmn",
    dmn: list[tuple[str, bytes]] = (),
    forms: list[tuple[str, bytes]] = (),
    headers: dict[str, str] | None = None,
) -> Any:
    data: dict[str, Any] = {"file": (io.BytesIO(xml), filename)}
    if dmn:
        data["dmn"] = [(io.BytesIO(content), name) for name, content in dmn]
    if forms:
        data["form"] = [(io.BytesIO(content), name) for name, content in forms]
    return api.post(
        DEPLOY, as_, data=data, content_type="multipart/form-data", headers=headers or {}
    )


def error_of(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.get_data(as_text=True)[:2000]
    body = response.get_json()
    assert set(body) == {"error"}
    assert set(body["error"]) >= {"code", "message", "details"}
    assert body["error"]["code"] == code, body
    return body["error"]


def refused_elements(response: Any) -> dict[str, str]:
    """The 422 ``details.elements`` of a refused upload as ``{id: message}``."""
    error = error_of(response, 422, "undeployable_bpmn")
    elements = error["details"]["elements"]
    assert elements and all(set(e) >= {"id", "message"} and e["message"] for e in elements)
    return {e["id"]: e["message"] for e in elements}


def NO_START_FORM(key: str, name: str) -> dict[str, str]:  # noqa: N802 - a constant's shape
    return {
        "id": key,
        "name": name,
        "message": "the matter has no start form: applicants apply with their identity and "
        "the listed materials only",
    }


def deployed_keys(api: Api) -> dict[str, int]:
    response = api.get(DEPLOY, "designer")
    assert response.status_code == 200
    return {d["key"]: d["version"] for d in response.get_json()["items"]}


# --- deploying and versioning -------------------------------------------------------------


def test_a_camunda_modeler_model_deploys_as_version_1_with_departments_tasks_and_forms(api):
    response = deploy(api, WINDOW_REVIEW, filename="window_review.bpmn")

    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["key"] == "window_review"
    assert body["version"] == 1
    assert body["name"] == "窗口受理与登记审核（测试事项）"
    assert body["sha256"] and body["deployed_at"]
    assert body["start_form"] is None
    # lane named by code, candidateGroups by code, lane named by Chinese department name
    assert body["departments"] == ["registry", "service_center", "tax"]
    tasks = {t["id"]: t for t in body["user_tasks"]}
    assert tasks["acceptance"]["departments"] == ["service_center"]
    assert tasks["acceptance"]["form"] == "property_transfer/acceptance"
    assert tasks["acceptance"]["name"] == "受理"
    assert tasks["review"]["departments"] == ["registry"]
    assert tasks["review"]["form"] == "property_transfer/registry_review"
    assert tasks["tax_check"]["departments"] == ["tax"]
    assert tasks["tax_check"]["form"] is None  # the generic form
    # Nothing is wrong with it; the designer only hears that applicants get no form.
    assert body["warnings"] == [NO_START_FORM("window_review", "窗口受理与登记审核（测试事项）")]
    assert deployed_keys(api)["window_review"] == 1


def test_a_start_event_form_key_is_returned_as_the_start_form(api):
    xml = variant(
        '<bpmn:startEvent id="start" name="提交申请">',
        '<bpmn:startEvent id="start" name="提交申请" '
        'camunda:formKey="property_transfer/application">',
    )

    response = deploy(api, xml)

    assert response.status_code == 201, response.get_json()
    start_form = response.get_json()["start_form"]
    assert start_form["key"] == "property_transfer/application"
    assert {f["name"] for f in start_form["fields"]} >= {"buyer_name", "buyer_id_number"}


def test_an_identical_reupload_answers_the_existing_version_with_200(api):
    first = deploy(api, WINDOW_REVIEW)
    again = deploy(api, WINDOW_REVIEW, filename="renamed.bpmn")

    assert first.status_code == 201
    assert again.status_code == 200, again.get_json()
    assert again.get_json()["version"] == 1
    assert again.get_json()["sha256"] == first.get_json()["sha256"]
    versions = api.get(f"{DEPLOY}/window_review", "designer").get_json()["versions"]
    assert [v["version"] for v in versions] == [1]


def test_a_changed_upload_becomes_version_2_and_each_version_keeps_its_xml(api):
    v2_xml = variant('camunda:candidateGroups="registry"', 'camunda:candidateGroups="housing"')
    assert deploy(api, WINDOW_REVIEW).status_code == 201

    response = deploy(api, v2_xml)

    assert response.status_code == 201, response.get_json()
    assert response.get_json()["version"] == 2
    review = {t["id"]: t for t in response.get_json()["user_tasks"]}["review"]
    assert review["departments"] == ["housing"]

    latest = api.get(f"{DEPLOY}/window_review", "designer").get_json()
    assert latest["version"] == 2
    assert [v["version"] for v in latest["versions"]] == [1, 2]
    v1 = api.get(f"{DEPLOY}/window_review", "designer", query_string={"version": 1}).get_json()
    assert v1["version"] == 1
    assert {t["id"]: t for t in v1["user_tasks"]}["review"]["departments"] == ["registry"]

    bpmn_v1 = api.get(f"{DEPLOY}/window_review/bpmn", "designer", query_string={"version": 1})
    assert bpmn_v1.status_code == 200
    assert bpmn_v1.mimetype == "application/xml"
    assert bpmn_v1.get_data() == WINDOW_REVIEW
    assert api.get(f"{DEPLOY}/window_review/bpmn", "designer").get_data() == v2_xml
    assert (
        api.get(f"{DEPLOY}/window_review", "designer", query_string={"version": 3}).status_code
        == 404
    )
    assert deployed_keys(api)["window_review"] == 2


def test_a_case_started_before_version_2_stays_on_version_1(api):
    assert deploy(api, WINDOW_REVIEW).status_code == 201
    case = api.start_case("window_review", {})
    assert case["version"] == 1
    # version 2 sends the review to another department
    v2_xml = variant('camunda:candidateGroups="registry"', 'camunda:candidateGroups="housing"')
    assert deploy(api, v2_xml).get_json()["version"] == 2

    after = api.claim_and_complete(
        "clerk_service_center", case["id"], "acceptance", {"accepted": True, "opinion": "材料齐全"}
    )

    assert after["version"] == 1
    open_tasks = [t for t in after["tasks"] if t["status"] in ("ready", "claimed")]
    assert [(t["bpmn_id"], t["department"]) for t in open_tasks] == [("review", "registry")]
    api.claim_and_complete("clerk_registry", case["id"], "review", {"approved": True})
    # once a second pair of eyes approves it, a case started now gets version 2
    assert api.post(f"{DEPLOY}/window_review/versions/2/approve", "admin").status_code == 200
    assert api.start_case("window_review", {})["version"] == 2


# --- refused with element-level reasons ---------------------------------------------------


HOSTILE = "${__import__('os').system('touch SENTINEL')}"


def _with_message(xml: bytes) -> bytes:
    """``xml`` with a message declared for ``messageRef`` to name."""
    return variant(
        "<bpmndi:BPMNDiagram ",
        '<bpmn:message id="Message_receipt" name="税务回执" />\n  <bpmndi:BPMNDiagram ',
        xml,
    )


REFUSALS = {
    "user_task_nobody_can_receive": (
        variant("<bpmn:flowNodeRef>tax_check</bpmn:flowNodeRef>", ""),
        "tax_check",
    ),
    "unknown_department_in_candidate_groups": (
        variant(
            'camunda:candidateGroups="registry"', 'camunda:candidateGroups="ministry_of_magic"'
        ),
        "review",
    ),
    "unknown_department_as_lane_name": (
        variant('name="税务局"', 'name="魔法部"'),
        "tax_check",
    ),
    "form_key_names_no_form": (
        variant(
            'camunda:formKey="property_transfer/acceptance"',
            'camunda:formKey="property_transfer/no_such_form"',
        ),
        "acceptance",
    ),
    "script_task": (
        replace_element(
            "tax_check",
            '<bpmn:scriptTask id="tax_check" name="税务核验" scriptFormat="python">'
            "<bpmn:incoming>Flow_approved</bpmn:incoming>"
            "<bpmn:outgoing>Flow_tax_check__concluded</bpmn:outgoing>"
            "<bpmn:script>approved = True</bpmn:script></bpmn:scriptTask>",
        ),
        "tax_check",
    ),
    "execution_listener": (
        variant(
            '<camunda:property name="time_limit" value="0.5wd" />\n        </camunda:properties>',
            '<camunda:property name="time_limit" value="0.5wd" />\n        </camunda:properties>'
            '\n        <camunda:executionListener class="com.example.AuditListener" '
            'event="start" />',
        ),
        "acceptance",
    ),
    "camunda_class_service_task": (
        replace_element(
            "tax_check",
            '<bpmn:serviceTask id="tax_check" name="税务核验" '
            'camunda:class="com.example.TaxCheckDelegate">'
            "<bpmn:incoming>Flow_approved</bpmn:incoming>"
            "<bpmn:outgoing>Flow_tax_check__concluded</bpmn:outgoing></bpmn:serviceTask>",
        ),
        "tax_check",
    ),
    "plain_task_outside_any_department": (
        # a bpmn:task waits for a person in SpiffWorkflow, like a user task
        replace_element(
            "tax_check",
            '<bpmn:task id="tax_check" name="税务核验">'
            "<bpmn:incoming>Flow_approved</bpmn:incoming>"
            "<bpmn:outgoing>Flow_tax_check__concluded</bpmn:outgoing></bpmn:task>",
            variant("<bpmn:flowNodeRef>tax_check</bpmn:flowNodeRef>", ""),
        ),
        "tax_check",
    ),
    "timer_without_a_value": (
        replace_element(
            "tax_check",
            '<bpmn:intermediateCatchEvent id="tax_check" name="等待">'
            "<bpmn:incoming>Flow_approved</bpmn:incoming>"
            "<bpmn:outgoing>Flow_tax_check__concluded</bpmn:outgoing>"
            '<bpmn:timerEventDefinition id="TimerEventDefinition_1" />'
            "</bpmn:intermediateCatchEvent>",
        ),
        "tax_check",
    ),
    "time_limit_not_in_working_days_or_hours": (
        variant('value="2wd"', 'value="3 days"'),
        "review",
    ),
    "business_rule_task_without_its_dmn": (
        replace_element(
            "tax_check",
            '<bpmn:businessRuleTask id="tax_check" name="计税" camunda:decisionRef="deed_tax" '
            'camunda:resultVariable="deed_tax" camunda:mapDecisionResult="singleResult">'
            "<bpmn:incoming>Flow_approved</bpmn:incoming>"
            "<bpmn:outgoing>Flow_tax_check__concluded</bpmn:outgoing>"
            "</bpmn:businessRuleTask>",
        ),
        "tax_check",
    ),
    "signal_catch_event_nothing_sends": (
        replace_element(
            "tax_check",
            '<bpmn:intermediateCatchEvent id="tax_check" name="等待通知">'
            "<bpmn:incoming>Flow_approved</bpmn:incoming>"
            "<bpmn:outgoing>Flow_tax_check__concluded</bpmn:outgoing>"
            '<bpmn:signalEventDefinition id="Def_1" />'
            "</bpmn:intermediateCatchEvent>",
        ),
        "tax_check",
    ),
    "message_start_event_of_the_process": (
        _with_message(
            variant(
                "<bpmn:outgoing>Flow_start__acceptance</bpmn:outgoing>",
                "<bpmn:outgoing>Flow_start__acceptance</bpmn:outgoing>"
                '<bpmn:messageEventDefinition id="Def_1" messageRef="Message_receipt" />',
            )
        ),
        "start",
    ),
}


@pytest.mark.parametrize("problem", sorted(REFUSALS))
def test_an_undeployable_model_is_refused_naming_the_element(api, problem):
    xml, element = REFUSALS[problem]
    before = deployed_keys(api)

    response = deploy(api, xml)

    elements = refused_elements(response)
    assert element in elements, elements
    if problem.endswith("nothing_sends"):  # our reason, not a parser's
        assert "wait here forever" in elements[element]
    assert deployed_keys(api) == before
    assert api.get(f"{DEPLOY}/window_review", "designer").status_code == 404


def test_a_message_boundary_event_deploys_without_a_warning(api):
    """Messages arrive through POST /messages (tests/test_messages.py runs them)."""
    boundary = (
        '<bpmn:boundaryEvent id="withdrawn" name="申请人撤回" attachedToRef="tax_check">'
        "<bpmn:outgoing>Flow_withdrawn</bpmn:outgoing>"
        '<bpmn:messageEventDefinition id="Def_1" messageRef="Message_receipt" />'
        "</bpmn:boundaryEvent>"
        '<bpmn:endEvent id="withdrawn_end"><bpmn:incoming>Flow_withdrawn</bpmn:incoming>'
        "</bpmn:endEvent>"
        '<bpmn:sequenceFlow id="Flow_withdrawn" sourceRef="withdrawn" targetRef="withdrawn_end" />'
    )
    xml = _with_message(
        variant('<bpmn:endEvent id="concluded"', boundary + '<bpmn:endEvent id="concluded"')
    )

    response = deploy(api, xml)

    assert response.status_code == 201, response.get_json()
    assert "withdrawn" not in {w["id"] for w in response.get_json()["warnings"]}


@pytest.mark.parametrize(
    "element",
    [
        '<bpmn:intermediateCatchEvent id="tax_check" name="等待税务回执">'
        "<bpmn:incoming>Flow_approved</bpmn:incoming>"
        "<bpmn:outgoing>Flow_tax_check__concluded</bpmn:outgoing>"
        '<bpmn:messageEventDefinition id="Def_1" messageRef="Message_receipt" />'
        "</bpmn:intermediateCatchEvent>",
        '<bpmn:receiveTask id="tax_check" name="接收税务回执" messageRef="Message_receipt">'
        "<bpmn:incoming>Flow_approved</bpmn:incoming>"
        "<bpmn:outgoing>Flow_tax_check__concluded</bpmn:outgoing>"
        "</bpmn:receiveTask>",
    ],
    ids=["catch_event", "receive_task"],
)
def test_a_wait_for_a_message_deploys(api, element):
    response = deploy(api, _with_message(replace_element("tax_check", element)))

    assert response.status_code == 201, response.get_json()


def test_a_message_wait_without_a_message_name_is_refused(api):
    element = (
        '<bpmn:intermediateCatchEvent id="tax_check">'
        "<bpmn:incoming>Flow_approved</bpmn:incoming>"
        "<bpmn:outgoing>Flow_tax_check__concluded</bpmn:outgoing>"
        '<bpmn:messageEventDefinition id="Def_1" />'
        "</bpmn:intermediateCatchEvent>"
    )

    elements = refused_elements(deploy(api, replace_element("tax_check", element)))

    assert "no message name" in elements["tax_check"]


def test_a_plain_task_in_a_department_lane_is_routed_like_a_user_task(api):
    xml = replace_element(
        "tax_check",
        '<bpmn:task id="tax_check" name="税务核验">'
        "<bpmn:incoming>Flow_approved</bpmn:incoming>"
        "<bpmn:outgoing>Flow_tax_check__concluded</bpmn:outgoing></bpmn:task>",
    )

    response = deploy(api, xml)

    assert response.status_code == 201, response.get_json()
    tasks = {t["id"]: t for t in response.get_json()["user_tasks"]}
    assert tasks["tax_check"]["departments"] == ["tax"]


def test_a_task_inside_a_sub_process_reaches_its_lanes_department(api):
    xml = replace_element(
        "tax_check",
        '<bpmn:subProcess id="tax_check" name="税务核验">'
        "<bpmn:incoming>Flow_approved</bpmn:incoming>"
        "<bpmn:outgoing>Flow_tax_check__concluded</bpmn:outgoing>"
        '<bpmn:startEvent id="inner_start"><bpmn:outgoing>inner_1</bpmn:outgoing></bpmn:startEvent>'
        '<bpmn:userTask id="inner_check" name="核验税票"><bpmn:incoming>inner_1</bpmn:incoming>'
        "<bpmn:outgoing>inner_2</bpmn:outgoing></bpmn:userTask>"
        '<bpmn:endEvent id="inner_end"><bpmn:incoming>inner_2</bpmn:incoming></bpmn:endEvent>'
        '<bpmn:sequenceFlow id="inner_1" sourceRef="inner_start" targetRef="inner_check" />'
        '<bpmn:sequenceFlow id="inner_2" sourceRef="inner_check" targetRef="inner_end" />'
        "</bpmn:subProcess>",
    )

    response = deploy(api, xml)

    # it is in the tax lane through its sub-process
    assert response.status_code == 201, response.get_json()
    tasks = {t["id"]: t for t in response.get_json()["user_tasks"]}
    assert tasks["inner_check"]["departments"] == ["tax"]


def test_a_task_of_a_called_process_in_the_same_file_reaches_a_worklist(api):
    response = deploy(api, fixture("call_activity.bpmn"))

    assert response.status_code == 201, response.get_json()
    case = api.start_case("call_activity_main", {})
    inside = api.claim_and_complete("clerk_service_center", case["id"], "register", {})
    assert [t["bpmn_id"] for t in api.worklist("clerk_tax")] == ["tax_check"]
    assert inside["status"] == "running"
    done = api.claim_and_complete("clerk_tax", case["id"], "tax_check", {})
    assert done["status"] == "completed"


def test_a_called_process_without_tasks_for_people_deploys_without_a_warning(api):
    xml = replace_element(
        "tax_check",
        '<bpmn:exclusiveGateway id="tax_check"><bpmn:incoming>Flow_check_start__tax_check'
        "</bpmn:incoming><bpmn:outgoing>Flow_tax_check__check_end</bpmn:outgoing>"
        "</bpmn:exclusiveGateway>",
        fixture("call_activity.bpmn"),
    )

    response = deploy(api, xml)

    assert response.status_code == 201, response.get_json()
    assert [w["id"] for w in response.get_json()["warnings"]] == ["call_activity_main"]
    case = api.start_case("call_activity_main", {})
    after = api.claim_and_complete("clerk_service_center", case["id"], "register", {})
    assert after["status"] == "completed"


def test_a_hostile_gateway_condition_is_refused_and_never_run(api, tmp_path):
    sentinel = tmp_path / "hostile-was-run"
    condition = HOSTILE.replace("SENTINEL", str(sentinel))
    xml = variant("${approved}", condition)
    before = deployed_keys(api)

    response = deploy(api, xml)

    elements = refused_elements(response)
    assert "Flow_approved" in elements, elements
    assert deployed_keys(api) == before
    assert not sentinel.exists()


def test_an_invalid_form_uploaded_with_the_process_is_refused(api):
    bad_form = json.dumps({"key": "window_review/extra", "fields": [{"name": "x"}]}).encode()

    response = deploy(api, WINDOW_REVIEW, forms=[("extra.json", bad_form)])

    elements = refused_elements(response)
    assert "extra.json" in elements, elements
    assert "window_review" not in deployed_keys(api)


def test_a_form_file_that_is_not_json_is_a_bad_request(api):
    response = deploy(api, WINDOW_REVIEW, forms=[("extra.json", b"{not json")])

    error_of(response, 400, "bad_request")
    assert "window_review" not in deployed_keys(api)


def test_two_different_uploaded_forms_with_one_key_are_refused(api):
    form = fixture("market_check.site_check.json")
    other = form.replace(b'"max_length": 500', b'"max_length": 800')

    response = deploy(
        api, fixture("market_check.bpmn"), forms=[("a.json", form), ("b.json", other)]
    )

    assert "b.json" in refused_elements(response)
    assert "market_check" not in deployed_keys(api)


def test_an_uploaded_form_replacing_a_shipped_one_deploys_with_a_warning(api):
    shipped = json.loads(fixture("market_check.site_check.json"))
    shipped["key"] = "property_transfer/acceptance"
    shipped["fields"].insert(0, {"name": "accepted", "type": "boolean", "required": True})

    response = deploy(api, WINDOW_REVIEW, forms=[("acceptance.json", json.dumps(shipped).encode())])

    assert response.status_code == 201, response.get_json()
    assert [w["id"] for w in response.get_json()["warnings"]] == [
        "property_transfer/acceptance",
        "window_review",  # no start form
    ]


def test_a_process_id_too_long_for_a_key_is_refused(api):
    long_id = "p" + "x" * 250
    xml = variant('"window_review"', f'"{long_id}"', count=2)

    response = deploy(api, xml)

    elements = refused_elements(response)
    assert any("id" in message for message in elements.values()), elements
    model = api.get(
        f"/api/v1/models/{error_of(response, 422, 'undeployable_bpmn')['details']['model_id']}",
        "designer",
    ).get_json()
    assert model["process_key"] is None


def test_a_very_long_process_name_is_shortened_not_a_server_error(api):
    xml = variant(
        'name="窗口受理与登记审核（测试事项）" isExecutable', f'name="{"长" * 400}" isExecutable'
    )

    response = deploy(api, xml)

    assert response.status_code == 201, response.get_json()
    assert response.get_json()["name"] == "长" * 300


def test_a_process_too_long_for_the_parser_is_refused_not_a_server_error(api):
    """SpiffWorkflow's parser follows each flow recursively; hundreds of steps in a row
    exhaust Python's stack.  Written compactly to stay under this module's size limit."""
    steps = 550
    nodes = "".join(f'<exclusiveGateway id="g{i}"/>' for i in range(1, steps + 1))
    flows = "".join(
        f'<sequenceFlow id="f{i}" sourceRef="g{i}" targetRef="g{i + 1}"/>' for i in range(1, steps)
    )
    xml = (
        '<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" '
        'targetNamespace="x"><process id="long_chain" isExecutable="true">'
        '<startEvent id="s"/><sequenceFlow id="f0" sourceRef="s" targetRef="g1"/>'
        f'{nodes}{flows}<endEvent id="e"/>'
        f'<sequenceFlow id="fe" sourceRef="g{steps}" targetRef="e"/></process></definitions>'
    )
    assert len(xml) < MAX_BPMN_BYTES

    elements = refused_elements(deploy(api, xml.encode()))

    assert any("too many steps" in message for message in elements.values()), elements
    assert "long_chain" not in deployed_keys(api)


def test_the_list_of_definitions_is_paged(api):
    seeded = api.get(DEPLOY, "designer").get_json()["total"]  # the matters and their singles
    assert deploy(api, WINDOW_REVIEW).status_code == 201

    everything = api.get(DEPLOY, "designer").get_json()
    second = api.get(DEPLOY, "designer", query_string={"page": 2, "per_page": 1}).get_json()

    assert everything["total"] == seeded + 1 and everything["per_page"] == 20
    assert [d["key"] for d in everything["items"]] == sorted(d["key"] for d in everything["items"])
    assert second["items"] == [everything["items"][1]]
    assert (second["total"], second["page"], second["per_page"]) == (seeded + 1, 2, 1)


def test_all_problems_of_a_model_are_reported_at_once(api):
    xml = variant(
        'camunda:candidateGroups="registry"',
        'camunda:candidateGroups="nowhere"',
        variant("${approved}", "${__import__('os')}"),
    )

    elements = refused_elements(deploy(api, xml))

    assert {"review", "Flow_approved"} <= set(elements)


# --- malformed uploads ---------------------------------------------------------------------


SVG = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" '
    b'width="10" height="10"><rect width="10" height="10"/></svg>'
)
XXE = (
    b'<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>\n'
    b'<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">'
    b'<bpmn:process id="xxe" name="&e;" isExecutable="true"/></bpmn:definitions>'
)
LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(
        f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i > 1 else "&lol;" * 10}">'
        for i in range(1, 10)
    )
    + ']>\n<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">'
    '<bpmn:process id="lolz" name="&lol9;" isExecutable="true"/></bpmn:definitions>'
).encode()

MALFORMED = {
    "not_xml": b"this is not XML at all",
    "truncated_xml": WINDOW_REVIEW[: len(WINDOW_REVIEW) // 2],
    "svg_not_bpmn": SVG,
    "empty_file": b"",
    "only_whitespace": b"  \n\t ",
    "xxe": XXE,
    "billion_laughs": LAUGHS,
    # the same attacks in an encoding a byte-level scan for '<!DOCTYPE' does not see
    "xxe_in_utf16": XXE.decode()
    .replace('version="1.0"?>', 'version="1.0" encoding="UTF-16"?>')
    .encode("utf-16"),
    "billion_laughs_in_utf16": LAUGHS.decode()
    .replace('version="1.0"?>', 'version="1.0" encoding="UTF-16"?>')
    .encode("utf-16"),
    "internal_entity_in_utf16": WINDOW_REVIEW.decode()
    .replace('encoding="UTF-8"?>', 'encoding="UTF-16"?>\n<!DOCTYPE x [<!ENTITY who "税务局">]>')
    .replace('<bpmn:lane id="Lane_tax" name="税务局">', '<bpmn:lane id="Lane_tax" name="&who;">')
    .encode("utf-16"),
    "doctype_after_a_long_prologue": b'<?xml version="1.0"?>\n'
    + b" " * 8000
    + b'<!DOCTYPE x SYSTEM "file:///etc/passwd">\n'
    + WINDOW_REVIEW.split(b"?>", 1)[1],
}


@pytest.mark.parametrize("problem", sorted(MALFORMED))
def test_a_file_that_is_not_a_safe_bpmn_document_is_a_bad_request(api, problem):
    before = deployed_keys(api)

    response = deploy(api, MALFORMED[problem])

    error = error_of(response, 400, "invalid_bpmn")
    text = response.get_data(as_text=True)
    assert "root:" not in text and "/bin/" not in text  # nothing of /etc/passwd echoed
    assert "lollol" not in text
    assert error["message"]
    assert deployed_keys(api) == before


def test_a_request_without_the_file_field_is_a_bad_request(api):
    response = api.post(
        DEPLOY,
        "designer",
        data={"other": (io.BytesIO(WINDOW_REVIEW), "x.bpmn")},
        content_type="multipart/form-data",
    )

    error_of(response, 400, "bad_request")


def test_a_json_body_instead_of_a_multipart_upload_is_a_bad_request(api):
    response = api.post(DEPLOY, "designer", json={"file": WINDOW_REVIEW.decode()})

    error_of(response, 400, "bad_request")


def test_a_malformed_dmn_next_to_the_bpmn_is_a_bad_request(api):
    response = deploy(api, WINDOW_REVIEW, dmn=[("rates.dmn", b"<not-closed>")])

    error_of(response, 400, "invalid_bpmn")
    assert "window_review" not in deployed_keys(api)


def test_an_upload_above_the_size_limit_is_refused_with_413(api):
    padding = b"<!-- " + b"x" * MAX_BPMN_BYTES + b" -->\n"
    xml = WINDOW_REVIEW.replace(b"<bpmn:definitions", padding + b"<bpmn:definitions", 1)

    response = deploy(api, xml)

    error = error_of(response, 413, "too_large")
    assert error["details"].get("limit") == MAX_BPMN_BYTES
    assert "window_review" not in deployed_keys(api)


def test_a_request_body_far_above_the_limit_is_refused_with_413_before_parsing(api):
    response = deploy(api, b"<x>" + b" " * (MAX_BPMN_BYTES * 4 + 1024 * 1024) + b"</x>")

    error_of(response, 413, "too_large")


def test_a_dmn_above_the_size_limit_is_refused_with_413(api):
    dmn = b"<!-- " + b"x" * MAX_BPMN_BYTES + b" -->"

    response = deploy(api, WINDOW_REVIEW, dmn=[("big.dmn", dmn)])

    error_of(response, 413, "too_large")


def test_a_non_utf8_model_is_deployed_and_stored_readably(api):
    """Older tools write ISO-8859-1; a designer's umlaut must not become a server error."""
    text = fixture("market_check.bpmn").decode("utf-8")
    text = text.replace('encoding="UTF-8"', 'encoding="ISO-8859-1"')
    text = text.replace('name="市场监督管理局"', 'name="market"')
    text = text.replace('name="经营场所核查（测试事项）"', 'name="Geschäftsprüfung"')
    text = re.sub(r'name="[^"]*[^\x00-\xff][^"]*"', 'name="Prüfung"', text)
    xml = text.encode("iso-8859-1")
    form = fixture("market_check.site_check.json")

    response = deploy(api, xml, forms=[("f.json", form)])

    assert response.status_code == 201, response.get_json()
    assert response.get_json()["name"] == "Geschäftsprüfung"
    stored = api.get(f"{DEPLOY}/market_check/bpmn", "designer").get_data()
    assert "Geschäftsprüfung" in stored.decode(_declared_encoding(stored))
    assert api.start_case("market_check", {})["version"] == 1


def _declared_encoding(xml: bytes) -> str:
    match = re.match(rb'<\?xml[^>]*encoding="([^"]+)"', xml)
    return match.group(1).decode() if match else "utf-8"


# --- who may deploy --------------------------------------------------------------------------


@pytest.mark.parametrize("username", ["clerk_tax", "zhangsan", "supervisor"])
def test_only_designers_and_admins_may_deploy(api, username):
    response = deploy(api, WINDOW_REVIEW, as_=username)

    error_of(response, 403, "forbidden")
    assert "window_review" not in deployed_keys(api)


def test_an_admin_may_deploy(api):
    assert deploy(api, WINDOW_REVIEW, as_="admin").status_code == 201


def test_deploying_without_a_token_is_unauthorized(api):
    response = deploy(api, WINDOW_REVIEW, as_=None)

    error_of(response, 401, "unauthorized")
    assert "window_review" not in deployed_keys(api)


# --- forms uploaded with the process --------------------------------------------------------


def test_a_form_uploaded_with_the_process_is_that_versions_form(api):
    form = fixture("market_check.site_check.json")

    response = deploy(api, fixture("market_check.bpmn"), forms=[("site_check.json", form)])

    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["departments"] == ["market"]
    assert body["user_tasks"] == [
        {
            **body["user_tasks"][0],
            "id": "site_check",
            "form": "market_check/site_check",
            "departments": ["market"],
        }
    ]
    # the clerk gets the uploaded form, and it validates what they submit
    case = api.start_case("market_check", {})
    task = api.open_task("clerk_market", case["id"], "site_check")
    detail = api.get(f"/api/v1/tasks/{task['id']}", "clerk_market").get_json()
    assert detail["form_definition"]["key"] == "market_check/site_check"
    assert [f["name"] for f in detail["form_definition"]["fields"]] == [
        "site_exists",
        "area",
        "opinion",
    ]
    assert api.post(f"/api/v1/tasks/{task['id']}/claim", "clerk_market").status_code == 200
    missing = api.complete("clerk_market", task["id"], {"site_exists": True})
    assert error_of(missing, 422, "validation_failed")["details"]["fields"].keys() == {"area"}
    done = api.complete("clerk_market", task["id"], {"site_exists": True, "area": 35})
    assert done.status_code == 200, done.get_json()
    assert done.get_json()["status"] == "completed"


def test_a_form_uploaded_with_one_process_is_not_available_to_another(api):
    form = fixture("market_check.site_check.json")
    assert deploy(api, fixture("market_check.bpmn"), forms=[("f.json", form)]).status_code == 201
    xml = variant(
        'camunda:formKey="property_transfer/acceptance"',
        'camunda:formKey="market_check/site_check"',
    )

    elements = refused_elements(deploy(api, xml))

    assert "acceptance" in elements


def test_the_same_model_with_a_different_form_is_a_new_version(api):
    form = fixture("market_check.site_check.json")
    changed = form.replace(b'"max_length": 500', b'"max_length": 800')
    first = deploy(api, fixture("market_check.bpmn"), forms=[("f.json", form)])
    second = deploy(api, fixture("market_check.bpmn"), forms=[("f.json", changed)])

    assert (first.status_code, second.status_code) == (201, 201)
    assert second.get_json()["version"] == 2


# --- uploaded models ---------------------------------------------------------------------------


def test_every_well_formed_upload_is_kept_as_a_model_with_its_verdict(api):
    refused_xml = variant('camunda:candidateGroups="registry"', 'camunda:candidateGroups="nowhere"')
    refused = deploy(api, refused_xml, filename="refused.bpmn")
    model_id = error_of(refused, 422, "undeployable_bpmn")["details"]["model_id"]
    assert deploy(api, WINDOW_REVIEW, filename="good.bpmn").status_code == 201
    assert deploy(api, b"not xml").status_code == 400  # not well-formed: nothing to keep

    listing = api.get("/api/v1/models", "designer")
    assert listing.status_code == 200
    models = {m["sha256"]: m for m in listing.get_json()["items"]}
    bad = models[hashlib.sha256(refused_xml).hexdigest()]
    good = models[hashlib.sha256(WINDOW_REVIEW).hexdigest()]
    assert bad["id"] == model_id
    assert bad["deployable"] is False and bad["filename"] == "refused.bpmn"
    assert bad["process_key"] == "window_review"
    assert any(e["id"] == "review" for e in bad["errors"])
    assert good["deployable"] is True and good["errors"] == []
    # newest first, paged like every list
    assert listing.get_json()["items"][0]["sha256"] == hashlib.sha256(WINDOW_REVIEW).hexdigest()
    total = listing.get_json()["total"]
    assert total == len(listing.get_json()["items"]) >= 4  # the two flagship matters too
    page = api.get("/api/v1/models", "designer", query_string={"per_page": 1, "page": 2})
    assert page.get_json()["items"] == [listing.get_json()["items"][1]]
    assert (page.get_json()["total"], page.get_json()["page"], page.get_json()["per_page"]) == (
        total,
        2,
        1,
    )

    one = api.get(f"/api/v1/models/{model_id}", "designer").get_json()
    assert one == bad
    xml = api.get(f"/api/v1/models/{model_id}/bpmn", "designer")
    assert xml.status_code == 200 and xml.get_data() == refused_xml
    assert api.get("/api/v1/models/999999", "designer").status_code == 404


def test_a_model_refused_for_its_form_is_kept_too(api):
    bad_form = json.dumps({"key": "k/x", "fields": "nope"}).encode()

    response = deploy(api, WINDOW_REVIEW, forms=[("bad.json", bad_form)])

    model_id = error_of(response, 422, "undeployable_bpmn")["details"]["model_id"]
    model = api.get(f"/api/v1/models/{model_id}", "designer").get_json()
    assert model["deployable"] is False
    assert [e["id"] for e in model["errors"]] == ["bad.json"]


def test_a_refused_model_fixed_and_uploaded_again_is_deployable(api):
    refused_xml = variant('value="2wd"', 'value="soon"')
    model_id = error_of(deploy(api, refused_xml), 422, "undeployable_bpmn")["details"]["model_id"]

    assert deploy(api, WINDOW_REVIEW).status_code == 201

    assert api.get(f"/api/v1/models/{model_id}", "designer").get_json()["deployable"] is False
    models = {m["sha256"]: m for m in api.get("/api/v1/models", "designer").get_json()["items"]}
    assert models[hashlib.sha256(WINDOW_REVIEW).hexdigest()]["deployable"] is True
    assert models[hashlib.sha256(refused_xml).hexdigest()]["id"] == model_id


@pytest.mark.parametrize("username", ["clerk_tax", "zhangsan"])
def test_only_designers_see_uploaded_models(api, username):
    deploy(api, WINDOW_REVIEW)

    error_of(api.get("/api/v1/models", username), 403, "forbidden")


# --- error bodies ----------------------------------------------------------------------------


def test_error_messages_are_chinese_by_default_and_english_on_request(api):
    refused_xml = variant('camunda:candidateGroups="registry"', 'camunda:candidateGroups="nowhere"')

    zh = error_of(deploy(api, refused_xml), 422, "undeployable_bpmn")
    en = error_of(
        deploy(api, refused_xml, headers={"Accept-Language": "en"}), 422, "undeployable_bpmn"
    )
    bad_zh = error_of(deploy(api, b"nope"), 400, "invalid_bpmn")
    bad_en = error_of(
        deploy(api, b"nope", headers={"Accept-Language": "en-US,en;q=0.9"}), 400, "invalid_bpmn"
    )

    assert re.search(r"[\u4e00-\u9fff]", zh["message"])
    assert re.search(r"[\u4e00-\u9fff]", bad_zh["message"])
    assert en["message"].isascii() and "deploy" in en["message"].lower()
    assert bad_en["message"].isascii() and "BPMN" in bad_en["message"]
    assert zh["details"]["elements"] == en["details"]["elements"]
