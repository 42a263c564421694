"""会签: one step signed by several departments (multi-instance), all / any / quorum."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from tests.support import Api

FIXTURES = Path(__file__).parent / "fixtures" / "bpmn"
DEPARTMENTS = ["tax", "registry", "housing"]


def deploy(api: Api, name: str, xml: str | None = None):  # noqa: ANN201
    content = xml.encode() if xml is not None else (FIXTURES / name).read_bytes()
    return api.post(
        "/api/v1/process-definitions",
        "designer",
        data={"file": (io.BytesIO(content), name)},
        content_type="multipart/form-data",
    )


def started(api: Api, key: str, departments: list[str] = DEPARTMENTS) -> int:
    assert deploy(api, f"{key}.bpmn").status_code in (200, 201)
    case = api.start_case(key, {"departments": departments})
    api.claim_and_complete("clerk_service_center", case["id"], "intake", {})
    return case["id"]


def open_rows(api: Api, case_id: int) -> list[tuple[str, str]]:
    case = api.get(f"/api/v1/cases/{case_id}", "supervisor").get_json()
    return sorted(
        (t["bpmn_id"], t["department"])
        for t in case["tasks"]
        if t["status"] in ("ready", "claimed")
    )


def sign(api: Api, department: str, case_id: int, opinion: str) -> dict:
    return api.claim_and_complete(
        f"clerk_{department}", case_id, "joint_review", {"opinion": opinion}
    )


def test_each_department_gets_its_own_instance_and_every_opinion_is_kept(api: Api):
    case_id = started(api, "countersign_all")
    assert open_rows(api, case_id) == [
        ("joint_review", "housing"),
        ("joint_review", "registry"),
        ("joint_review", "tax"),
    ]
    # each department sees only its own instance
    for department in DEPARTMENTS:
        mine = [
            t
            for t in api.worklist(f"clerk_{department}", status="ready")
            if t["case_id"] == case_id
        ]
        assert [t["department"] for t in mine] == [department]
    sign(api, "tax", case_id, "税务无异议")
    sign(api, "registry", case_id, "登记无异议")
    assert open_rows(api, case_id) == [("joint_review", "housing")]
    done = sign(api, "housing", case_id, "住建无异议")
    assert open_rows(api, case_id) == [("decide", "service_center")]
    opinions = done["data"]["countersign"]["joint_review"]
    assert {d: o["opinion"] for d, o in opinions.items()} == {
        "tax": "税务无异议",
        "registry": "登记无异议",
        "housing": "住建无异议",
    }
    assert opinions["tax"]["signed_by"] == "clerk_tax"


def test_any_mode_completes_on_the_first_signature_and_withdraws_the_rest(api: Api):
    case_id = started(api, "countersign_any")
    sign(api, "registry", case_id, "同意")
    assert open_rows(api, case_id) == [("decide", "service_center")]
    assert [t for t in api.worklist("clerk_tax", status="ready") if t["case_id"] == case_id] == []
    events = api.get(f"/api/v1/cases/{case_id}/events", "supervisor").get_json()["items"]
    assert any(e["action"] == "countersign_completed" for e in events)


@pytest.mark.parametrize("key", ["countersign_quorum", "countersign_condition"])
def test_a_quorum_of_two_completes_the_step(api: Api, key: str):
    case_id = started(api, key)
    sign(api, "tax", case_id, "同意")
    assert ("joint_review", "registry") in open_rows(api, case_id)
    sign(api, "housing", case_id, "同意")
    assert open_rows(api, case_id) == [("decide", "service_center")]
    case = api.get(f"/api/v1/cases/{case_id}", "supervisor").get_json()
    assert sorted(case["data"]["countersign"]["joint_review"]) == ["housing", "tax"]


def test_another_department_cannot_sign_an_instance_not_routed_to_it(api: Api):
    case_id = started(api, "countersign_all")
    tax_instance = api.open_task("clerk_tax", case_id, "joint_review")
    refused = api.complete("clerk_registry", tax_instance["id"], {"opinion": "代签"})
    assert refused.status_code == 404
    assert ("joint_review", "tax") in open_rows(api, case_id)


def test_an_unknown_department_in_the_collection_fails_the_step_and_changes_nothing(api: Api):
    assert deploy(api, "countersign_all.bpmn").status_code in (200, 201)
    case = api.start_case("countersign_all", {"departments": ["tax", "nowhere"]})
    task = api.open_task("clerk_service_center", case["id"], "intake")
    api.post(f"/api/v1/tasks/{task['id']}/claim", "clerk_service_center")
    response = api.complete("clerk_service_center", task["id"], {})
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "workflow_error"
    assert open_rows(api, case["id"]) == [("intake", "service_center")]


@pytest.mark.parametrize(
    ("replace", "message"),
    [
        ('value="all"', "quorum"),  # becomes value="most"
        ('camunda:elementVariable="department"', "expression"),  # elementVariable renamed
    ],
)
def test_bad_countersign_models_are_refused_at_deploy(api: Api, replace: str, message: str):
    xml = (FIXTURES / "countersign_all.bpmn").read_text()
    broken = {
        'value="all"': xml.replace('value="all"', 'value="most"'),
        'camunda:elementVariable="department"': xml.replace(
            'camunda:elementVariable="department"', 'camunda:elementVariable="dept"'
        ),
    }[replace]
    response = deploy(api, "broken.bpmn", broken)
    assert response.status_code == 422
    elements = response.get_json()["error"]["details"]["elements"]
    assert any(e["id"] == "joint_review" and message in e["message"] for e in elements)
