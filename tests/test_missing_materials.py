"""Accepting (受理) or concluding (办结) a case whose required materials are missing never
passes silently: without ``missing_materials_reason`` the step is refused (422
``materials_missing``, naming them) and nothing changes; with a reason it goes on and the
trail keeps the reason and the materials."""

from __future__ import annotations

from tests.shared_data_support import upload
from tests.support import Api, business_application

WINDOW = "clerk_service_center"
REASON = "申请人当场出示房屋所有权证原件，复印件三日内补交"
#: An address no register knows: the proof of address (住所证明) does not arrive.
UNREGISTERED = "北京市海淀区某某路 99 号（自有平房）"
PARALLEL = {
    "clerk_public_security": ("seal_filing", {"seal_count": 2}),
    "clerk_tax": ("tax_registration", {"taxpayer_type": "small_scale", "invoices_issued": True}),
    "clerk_hrss": ("social_insurance", {"registered": True, "employees": 3}),
    "clerk_housing_fund": ("housing_fund_registration", {"account_no": "GJJ-0001"}),
}


def _claimed(api: Api, clerk: str, case_id: int, bpmn_id: str) -> dict:
    task = api.open_task(clerk, case_id, bpmn_id)
    assert api.post(f"/api/v1/tasks/{task['id']}/claim", clerk).status_code == 200
    return task


def _events(api: Api, case_id: int, action: str) -> list[dict]:
    items = api.get(f"/api/v1/cases/{case_id}/events", "admin").get_json()["items"]
    return [e for e in items if e["action"] == action]


def _accepted_without_the_proof(api: Api) -> int:
    case_id = api.start_case("business_startup", business_application(address=UNREGISTERED))["id"]
    task = _claimed(api, WINDOW, case_id, "acceptance")
    answer = api.complete(
        WINDOW, task["id"], {"accepted": True, "missing_materials_reason": REASON}
    )
    assert answer.status_code == 200, answer.get_json()
    return case_id


def test_accepting_without_a_required_material_is_refused_and_names_it(api: Api):
    case_id = api.start_case("business_startup", business_application(address=UNREGISTERED))["id"]
    task = _claimed(api, WINDOW, case_id, "acceptance")
    before = api.get(f"/api/v1/cases/{case_id}", "admin").get_json()

    refused = api.complete(WINDOW, task["id"], {"accepted": True, "opinion": "材料齐全"})

    assert refused.status_code == 422
    error = refused.get_json()["error"]
    assert error["code"] == "materials_missing"
    assert "补正" in error["message"]
    assert error["details"]["stage"] == "acceptance"
    assert [m["code"] for m in error["details"]["missing_materials"]] == ["address_proof"]
    name = error["details"]["missing_materials"][0]["name"]["zh"]
    assert name in error["details"]["fields"]["missing_materials_reason"][0]
    after = api.get(f"/api/v1/cases/{case_id}", "admin").get_json()
    assert after["status"] == before["status"] == "running"
    assert [(t["bpmn_id"], t["status"]) for t in after["tasks"]] == [("acceptance", "claimed")]
    assert _events(api, case_id, "missing_materials_accepted") == []
    assert _events(api, case_id, "task_completed") == []


def test_the_refusal_follows_the_request_language(api: Api):
    case_id = api.start_case("business_startup", business_application(address=UNREGISTERED))["id"]
    task = _claimed(api, WINDOW, case_id, "acceptance")
    refused = api.post(
        f"/api/v1/tasks/{task['id']}/complete",
        WINDOW,
        json={"data": {"accepted": True}},
        headers={"Accept-Language": "en"},
    )
    error = refused.get_json()["error"]
    assert refused.status_code == 422 and error["message"].startswith("Required materials")
    assert "proof" in error["details"]["fields"]["missing_materials_reason"][0].lower()


def test_accepting_with_a_reason_goes_on_and_records_it(api: Api):
    case_id = _accepted_without_the_proof(api)
    case = api.get(f"/api/v1/cases/{case_id}", "admin").get_json()
    assert {t["bpmn_id"] for t in case["tasks"] if t["status"] == "ready"} == {
        "market_registration"
    }
    (recorded,) = _events(api, case_id, "missing_materials_accepted")
    assert recorded["actor"] == WINDOW
    assert recorded["details"]["stage"] == "acceptance"
    assert recorded["details"]["reason"] == REASON
    assert [m["code"] for m in recorded["details"]["materials"]] == ["address_proof"]
    # The reason is the case's trail, not a form value of the step.
    assert "missing_materials_reason" not in case["data"]


def test_a_blank_reason_is_no_reason_and_a_non_text_one_is_refused(api: Api):
    case_id = api.start_case("business_startup", business_application(address=UNREGISTERED))["id"]
    task = _claimed(api, WINDOW, case_id, "acceptance")
    blank = api.complete(WINDOW, task["id"], {"accepted": True, "missing_materials_reason": "  "})
    assert blank.status_code == 422
    assert blank.get_json()["error"]["code"] == "materials_missing"
    number = api.complete(WINDOW, task["id"], {"accepted": True, "missing_materials_reason": 7})
    assert number.status_code == 422
    assert "missing_materials_reason" in number.get_json()["error"]["details"]["fields"]
    too_long = api.complete(
        WINDOW, task["id"], {"accepted": True, "missing_materials_reason": "长" * 2001}
    )
    assert too_long.status_code == 422
    assert _events(api, case_id, "task_completed") == []


def test_not_accepting_needs_no_reason(api: Api):
    case_id = api.start_case("business_startup", business_application(address=UNREGISTERED))["id"]
    task = _claimed(api, WINDOW, case_id, "acceptance")
    refused = api.complete(
        WINDOW, task["id"], {"accepted": False, "refusal_reason": "不属于本机关职权范围"}
    )
    assert refused.status_code == 200, refused.get_json()
    assert refused.get_json()["status"] == "completed"
    assert _events(api, case_id, "missing_materials_accepted") == []


def test_a_document_no_register_holds_is_left_to_the_window(api: Api):
    """The articles of association (no provider) missing: accepting asks nothing (the
    flagship flows accept before the applicant uploads them)."""
    case_id = api.start_case("business_startup", business_application())["id"]
    api.claim_and_complete(WINDOW, case_id, "acceptance", {"accepted": True})
    assert _events(api, case_id, "missing_materials_accepted") == []


def test_a_material_uploaded_before_acceptance_needs_no_reason(api: Api):
    case_id = api.start_case("business_startup", business_application(address=UNREGISTERED))["id"]
    assert upload(api, case_id, "address_proof", "zhangsan").status_code == 201
    api.claim_and_complete(WINDOW, case_id, "acceptance", {"accepted": True})
    assert _events(api, case_id, "missing_materials_accepted") == []


def _to_the_last_step(api: Api, case_id: int) -> dict:
    api.claim_and_complete(
        "clerk_market",
        case_id,
        "market_registration",
        {"approved": True, "credit_code": "91110108MA01XYK12Q"},
    )
    clerks = list(PARALLEL.items())
    for clerk, (bpmn_id, data) in clerks[:-1]:
        answer = api.claim_and_complete(clerk, case_id, bpmn_id, data)
        assert answer["status"] == "running"  # not the concluding step: no question asked
    clerk, (bpmn_id, data) = clerks[-1]
    return {"clerk": clerk, "task": _claimed(api, clerk, case_id, bpmn_id), "data": data}


def test_concluding_with_a_material_still_missing_asks_again(api: Api):
    case_id = _accepted_without_the_proof(api)
    last = _to_the_last_step(api, case_id)

    refused = api.complete(last["clerk"], last["task"]["id"], last["data"])

    assert refused.status_code == 422
    error = refused.get_json()["error"]
    assert error["code"] == "materials_missing" and error["details"]["stage"] == "conclusion"
    case = api.get(f"/api/v1/cases/{case_id}", "admin").get_json()
    assert case["status"] == "running" and case["completed_at"] is None
    assert _events(api, case_id, "case_completed") == []
    assert [
        n["kind"] for n in api.get(f"/api/v1/cases/{case_id}/notices", "admin").get_json()["items"]
    ].count("completion") == 0

    done = api.complete(
        last["clerk"],
        last["task"]["id"],
        {**last["data"], "missing_materials_reason": "住所证明原件已由市场监管部门核验"},
    )
    assert done.status_code == 200, done.get_json()
    assert done.get_json()["status"] == "completed"
    stages = [e["details"]["stage"] for e in _events(api, case_id, "missing_materials_accepted")]
    assert stages == ["acceptance", "conclusion"]


def test_concluding_with_every_material_present_asks_nothing(api: Api):
    case_id = _accepted_without_the_proof(api)
    assert upload(api, case_id, "address_proof", "zhangsan").status_code == 201
    last = _to_the_last_step(api, case_id)
    done = api.complete(last["clerk"], last["task"]["id"], last["data"])
    assert done.status_code == 200, done.get_json()
    assert done.get_json()["status"] == "completed"
    assert len(_events(api, case_id, "missing_materials_accepted")) == 1  # acceptance only
