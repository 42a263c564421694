"""Disputes (异议): the owning department confirms or corrects; the case goes on with the
applicant's upload meanwhile."""

from __future__ import annotations

import json

from engine.demo import CERTIFICATE_NO
from engine.models import SharedRecord
from engine.uow import read_only
from tests.shared_data_support import materials, upload
from tests.support import Api, property_application

DISPUTE = {"provider": "property", "subject_field": "certificate_no", "reason": "面积登记有误"}


def _raise(api: Api, case_id: int, as_: str = "zhangsan", body: dict | None = None):  # noqa: ANN202
    return api.post(f"/api/v1/cases/{case_id}/disputes", as_, json=body or DISPUTE)


def test_a_disputed_record_goes_to_the_owning_department_and_the_case_goes_on(api: Api, govflow):
    case_id = api.start_case("property_transfer", property_application())["id"]
    response = _raise(api, case_id)
    assert response.status_code == 201, response.get_json()
    dispute = response.get_json()
    assert dispute["status"] == "open" and dispute["department"] == "registry"

    # The registry's clerk has a dispute task; the material now asks for an upload.
    task = api.open_task("clerk_registry", case_id, "dispute:property")
    assert task["department"] == "registry"
    case = api.get(f"/api/v1/cases/{case_id}", "zhangsan").get_json()
    assert materials(case)["property_certificate"]["status"] == "missing"
    assert materials(case)["property_certificate"]["dispute"]["status"] == "open"
    assert upload(api, case_id, "property_certificate", "zhangsan").status_code == 201
    accepted = api.claim_and_complete(
        "clerk_service_center", case_id, "acceptance", {"accepted": True}
    )
    assert materials(accepted)["property_certificate"]["status"] == "uploaded"

    # The registry upholds it with the corrected area: case, record and material follow.
    detail = api.get(f"/api/v1/tasks/{task['id']}", "clerk_registry").get_json()
    assert detail["dispute"]["reason"] == "面积登记有误"
    settled = api.claim_and_complete(
        "clerk_registry",
        case_id,
        "dispute:property",
        {"verdict": "upheld", "corrected_record": json.dumps({"area": 92.0}), "opinion": "已更正"},
    )
    assert settled["data"]["property"]["area"] == 92.0
    material = materials(settled)["property_certificate"]
    assert material["status"] == "shared" and material["source"]["outcome"] == "corrected"
    assert material["dispute"]["status"] == "upheld"
    with read_only(govflow.db) as session:
        record = session.query(SharedRecord).filter_by(record_key=CERTIFICATE_NO).one()
        assert record.data["area"] == 92.0
    events = [
        e["action"]
        for e in api.get(f"/api/v1/cases/{case_id}/events", "zhangsan").get_json()["items"]
    ]
    assert "dispute_raised" in events and "dispute_settled" in events


def test_a_rejected_dispute_leaves_the_record_and_shares_the_material_again(api: Api):
    case_id = api.start_case("property_transfer", property_application())["id"]
    assert _raise(api, case_id, "clerk_service_center").status_code == 201
    settled = api.claim_and_complete(
        "clerk_registry",
        case_id,
        "dispute:property",
        {"verdict": "rejected", "opinion": "经核实登记无误"},
    )
    assert settled["data"]["property"]["area"] == 89.5
    assert materials(settled)["property_certificate"]["status"] == "shared"
    disputes = api.get(f"/api/v1/cases/{case_id}/disputes", "zhangsan").get_json()
    assert disputes["total"] == 1 and disputes["items"][0]["status"] == "rejected"


def test_an_invalid_correction_answers_422_and_changes_nothing(api: Api):
    case_id = api.start_case("property_transfer", property_application())["id"]
    _raise(api, case_id)
    task = api.open_task("clerk_registry", case_id, "dispute:property")
    for bad in ("not json", json.dumps({"colour": "red"}), json.dumps([1])):
        response = api.complete(
            "clerk_registry",
            task["id"],
            {"verdict": "upheld", "corrected_record": bad, "opinion": "x"},
        )
        assert response.status_code == 422, response.get_json()
        assert "corrected_record" in response.get_json()["error"]["details"]["fields"]
    case = api.get(f"/api/v1/cases/{case_id}", "zhangsan").get_json()
    assert case["data"]["property"]["area"] == 89.5
    assert materials(case)["property_certificate"]["dispute"]["status"] == "open"


def test_dispute_refusals(api: Api):
    case_id = api.start_case("property_transfer", property_application())["id"]
    missing = _raise(api, case_id, body={"provider": "property"})
    assert missing.status_code == 422
    assert set(missing.get_json()["error"]["details"]["fields"]) == {"subject_field", "reason"}
    nothing = _raise(api, case_id, body={**DISPUTE, "provider": "tax_record"})
    assert nothing.status_code == 422
    # 李四 is the seller: a party sees the case, but objects only to his own records' use
    assert _raise(api, case_id, "lisi").status_code == 403
    assert _raise(api, case_id, "supervisor").status_code == 403
    assert _raise(api, case_id).status_code == 201
    again = _raise(api, case_id)
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "dispute_open"
    # Only the owning department sees the task.
    assert all(t["case_id"] != case_id for t in api.worklist("clerk_tax"))
