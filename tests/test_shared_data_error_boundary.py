"""An error boundary on a shared-data service task: a pull that could not be made (the
exchange platform down, or answering nonsense) throws the BPMN error
``shared_data_unavailable`` and the case follows the boundary's path; without such a
boundary the case goes on and the applicant uploads the material, as before."""

from __future__ import annotations

import pytest

from engine.demo import CERTIFICATE_NO
from tests.bpmn_support import deployed, model, open_tasks
from tests.shared_data_support import FakePlatform, configure
from tests.support import Api

ERROR = '<bpmn:error id="unavailable" name="共享数据不可用" errorCode="{code}"/>'


def pulling_model(boundary: str | None) -> bytes:
    """pull (property record) → acceptance; ``boundary`` is the error event definition
    of a boundary event on the pull leading to a manual collection, or None."""
    body = [
        '<bpmn:startEvent id="start"/>',
        '<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="pull"/>',
        '<bpmn:serviceTask id="pull" name="获取不动产登记信息"><bpmn:extensionElements>'
        '<camunda:properties><camunda:property name="shared_data" value="property"/>'
        '<camunda:property name="subject" value="certificate_no"/></camunda:properties>'
        "</bpmn:extensionElements></bpmn:serviceTask>",
        '<bpmn:sequenceFlow id="f2" sourceRef="pull" targetRef="acceptance"/>',
        '<bpmn:userTask id="acceptance" name="受理" camunda:candidateGroups="service_center"/>',
        '<bpmn:sequenceFlow id="f3" sourceRef="acceptance" targetRef="end"/>',
        '<bpmn:endEvent id="end"/>',
    ]
    if boundary is not None:
        body += [
            f'<bpmn:boundaryEvent id="platform_down" attachedToRef="pull">{boundary}'
            "</bpmn:boundaryEvent>",
            '<bpmn:sequenceFlow id="f4" sourceRef="platform_down" targetRef="by_hand"/>',
            '<bpmn:userTask id="by_hand" name="现场核验产权" camunda:candidateGroups="registry"/>',
            '<bpmn:sequenceFlow id="f5" sourceRef="by_hand" targetRef="end2"/>',
            '<bpmn:endEvent id="end2"/>',
        ]
    return model("pull_boundary", "\n".join(body))


def with_error(xml: bytes, code: str) -> bytes:
    return xml.replace(b"</bpmn:process>", f"</bpmn:process>{ERROR.format(code=code)}".encode(), 1)


CAUGHT = with_error(
    pulling_model('<bpmn:errorEventDefinition id="ed" errorRef="unavailable"/>'),
    "shared_data_unavailable",
)


@pytest.fixture
def platform(api: Api):  # noqa: ANN201
    fake = FakePlatform()
    with fake.running():
        response = configure(
            api,
            "property",
            kind="http",
            url=fake.url,
            timeout_seconds=0.3,
            retries=0,
            purposes=["pull_boundary/*"],
        )
        assert response.status_code == 200, response.get_json()
        yield fake


def start(api: Api) -> dict:
    # lisi owns the flat: a register answers only about a party of the case
    return api.start_case("pull_boundary", {"certificate_no": CERTIFICATE_NO}, as_="lisi")


@pytest.mark.parametrize("mode", ["down", "garbage"])
def test_a_pull_that_could_not_be_made_follows_the_error_boundary(
    api: Api, platform: FakePlatform, mode: str
):
    deployed(api, CAUGHT)
    platform.mode = mode

    case = start(api)

    assert case["status"] == "running"
    assert open_tasks(case) == ["by_hand"]  # the boundary's path, not the acceptance
    assert case["data"]["property"] is None
    events = api.get(f"/api/v1/cases/{case['id']}/events", "admin").get_json()["items"]
    (pulled,) = [e["details"] for e in events if e["action"] == "shared_data_pulled"]
    assert pulled["outcome"] == ("unavailable" if mode == "down" else "error")


def test_a_pull_that_answers_takes_the_normal_path(api: Api, platform: FakePlatform):
    deployed(api, CAUGHT)
    case = start(api)
    assert open_tasks(case) == ["acceptance"]
    assert case["data"]["property"]["certificate_no"] == CERTIFICATE_NO


def test_a_record_not_found_is_no_error(api: Api, platform: FakePlatform):
    deployed(api, CAUGHT)
    platform.mode = "missing"
    assert open_tasks(start(api)) == ["acceptance"]


@pytest.mark.parametrize(
    ("xml", "expected"),
    [
        (pulling_model(None), ["acceptance"]),  # no boundary: fall back to upload
        (
            with_error(
                pulling_model('<bpmn:errorEventDefinition id="ed" errorRef="unavailable"/>'),
                "tax_arrears",
            ),
            ["acceptance"],  # a boundary for another error
        ),
        (pulling_model("<bpmn:errorEventDefinition/>"), ["by_hand"]),  # catches any error
    ],
    ids=["no_boundary", "another_error_code", "any_error"],
)
def test_only_a_boundary_catching_the_error_changes_the_path(
    api: Api, platform: FakePlatform, xml: bytes, expected: list[str]
):
    deployed(api, xml)
    platform.mode = "down"
    assert open_tasks(start(api)) == expected


def test_a_boundary_waiting_for_another_error_on_a_pull_deploys_with_a_warning(api: Api):
    xml = with_error(
        pulling_model('<bpmn:errorEventDefinition id="ed" errorRef="unavailable"/>'),
        "tax_arrears",
    )
    definition = deployed(api, xml)
    warnings = {w["id"]: w["message"] for w in definition["warnings"]}
    assert "shared_data_unavailable" in warnings["platform_down"]
    assert "platform_down" not in {w["id"] for w in deployed(api, CAUGHT)["warnings"]}
