"""退回 (return to an earlier step) and 撤回 (withdraw), across parallel branches."""

from __future__ import annotations

from tests.support import Api, property_application

TAX = {"tax_amount": 32000, "paid": True, "receipt_no": "WS-RET-1"}


def accepted(api: Api) -> int:
    case = api.start_case("property_transfer", property_application())
    api.claim_and_complete("clerk_service_center", case["id"], "acceptance", {"accepted": True})
    return case["id"]


def open_tasks(api: Api, case_id: int) -> list[tuple[str, str]]:
    case = api.get(f"/api/v1/cases/{case_id}", "supervisor").get_json()
    return sorted(
        (t["bpmn_id"], t["department"])
        for t in case["tasks"]
        if t["status"] in ("ready", "claimed")
    )


def events(api: Api, case_id: int) -> list[dict]:
    return api.get(f"/api/v1/cases/{case_id}/events", "supervisor").get_json()["items"]


def return_task(api: Api, user: str, task_id: str, target: str, reason: str = "材料有误"):
    return api.post(
        f"/api/v1/tasks/{task_id}/return", user, json={"target": target, "reason": reason}
    )


def test_registry_returns_to_the_window_and_the_case_completes_with_tax_work_intact(api: Api):
    case_id = accepted(api)
    api.claim_and_complete("clerk_tax", case_id, "collect_tax", TAX)
    review = api.open_task("clerk_registry", case_id, "registry_review")

    targets = api.get(f"/api/v1/tasks/{review['id']}/return-targets", "clerk_registry")
    assert [t["bpmn_id"] for t in targets.get_json()["items"]] == ["acceptance"]

    response = return_task(
        api, "clerk_registry", review["id"], "acceptance", "卖方婚姻状况与共享数据不符"
    )
    assert response.status_code == 200, response.get_json()
    returned = response.get_json()
    assert returned["status"] == "running"
    assert open_tasks(api, case_id) == [("acceptance", "service_center")]
    assert returned["returns"][0]["carried"] == ["collect_tax"]

    # The window sees the task again, with the reason the registry gave.
    window = api.open_task("clerk_service_center", case_id, "acceptance")
    assert window["notice"]["kind"] == "returned"
    assert window["notice"]["reason"] == "卖方婚姻状况与共享数据不符"
    assert window["notice"]["from_department"] == "registry"

    # 补正: the window asks the applicant, who answers; the window accepts again.
    supplement = api.post(
        f"/api/v1/tasks/{window['id']}/request-supplement",
        "clerk_service_center",
        json={"items": [{"name": "婚姻状况证明", "reason": "与共享数据不符"}]},
    )
    assert supplement.status_code == 200, supplement.get_json()
    assert supplement.get_json()["status"] == "waiting_applicant"
    answered = api.post(
        f"/api/v1/cases/{case_id}/supplement", "zhangsan", json={"note": "已提交证明"}
    )
    assert answered.status_code == 200, answered.get_json()
    reaccepted = api.claim_and_complete(
        "clerk_service_center", case_id, "acceptance", {"accepted": True, "opinion": "补正后受理"}
    )

    # Tax is not asked again: its completed work was carried forward, only registry reviews.
    assert open_tasks(api, case_id) == [("registry_review", "registry")]
    assert reaccepted["data"]["tax_amount"] == 32000
    assert reaccepted["data"]["receipt_no"] == "WS-RET-1"
    assert [t["bpmn_id"] for t in api.worklist("clerk_tax") if t["case_id"] == case_id] == [
        "collect_tax"
    ]  # the one completed row, no duplicate

    api.claim_and_complete("clerk_registry", case_id, "registry_review", {"approved": True})
    done = api.claim_and_complete(
        "clerk_registry",
        case_id,
        "record_register",
        {"new_certificate_no": "BJ2026-0100001", "registered_on": "2026-11-23"},
    )
    assert done["status"] == "completed" and done["outcome"] == "concluded"
    assert done["data"]["tax_record"]["certificate_no"] == "WS-RET-1"
    rows = [(t["bpmn_id"], t["status"]) for t in done["tasks"]]
    assert rows.count(("collect_tax", "completed")) == 1
    assert rows.count(("registry_review", "completed")) == 1
    assert rows.count(("acceptance", "completed")) == 1
    assert ("record_register", "completed") in rows

    trail = events(api, case_id)
    returned_event = next(e for e in trail if e["action"] == "task_returned")
    assert returned_event["actor"] == "clerk_registry"
    assert returned_event["details"]["reason"] == "卖方婚姻状况与共享数据不符"
    assert returned_event["details"]["target"] == "acceptance"
    carried = [e for e in trail if e["action"] == "task_carried_forward"]
    assert [c["details"]["bpmn_id"] for c in carried] == ["collect_tax"]
    assert carried[0]["details"]["completed_by"] == "clerk_tax"


def test_a_return_while_the_other_branch_is_open_brings_that_task_back_once(api: Api):
    case_id = accepted(api)
    tax = api.open_task("clerk_tax", case_id, "collect_tax")
    api.post(f"/api/v1/tasks/{tax['id']}/claim", "clerk_tax")
    review = api.open_task("clerk_registry", case_id, "registry_review")
    assert return_task(api, "clerk_registry", review["id"], "acceptance").status_code == 200
    # The unfinished tax task leaves the worklist with the branch it belonged to ...
    mine = [t for t in api.worklist("clerk_tax") if t["case_id"] == case_id]
    assert [t["status"] for t in mine] == ["cancelled"]
    api.claim_and_complete("clerk_service_center", case_id, "acceptance", {"accepted": True})
    # ... and comes back once when the case passes the split again.
    assert open_tasks(api, case_id) == [("collect_tax", "tax"), ("registry_review", "registry")]


def test_a_return_within_a_branch_leaves_the_other_branch_alone(api: Api):
    case_id = accepted(api)
    api.claim_and_complete("clerk_registry", case_id, "registry_review", {"approved": True})
    api.claim_and_complete("clerk_tax", case_id, "collect_tax", TAX)
    register = api.open_task("clerk_registry", case_id, "record_register")
    targets = api.get(f"/api/v1/tasks/{register['id']}/return-targets", "clerk_registry")
    assert {t["bpmn_id"] for t in targets.get_json()["items"]} == {
        "registry_review",
        "collect_tax",
        "acceptance",
    }
    response = return_task(api, "clerk_registry", register["id"], "registry_review", "重新审核")
    assert response.status_code == 200, response.get_json()
    assert open_tasks(api, case_id) == [("registry_review", "registry")]
    assert response.get_json()["returns"][0]["carried"] == []
    # The tax branch stays done: reviewing again leads straight to 登簿.
    api.claim_and_complete("clerk_registry", case_id, "registry_review", {"approved": True})
    assert open_tasks(api, case_id) == [("record_register", "registry")]
    rows = api.get(f"/api/v1/cases/{case_id}", "supervisor").get_json()["tasks"]
    assert [t["bpmn_id"] for t in rows].count("collect_tax") == 1


def test_return_refusals_change_nothing(api: Api):
    case_id = accepted(api)
    review = api.open_task("clerk_registry", case_id, "registry_review")
    tax = api.open_task("clerk_tax", case_id, "collect_tax")
    # another department's task: not visible
    assert return_task(api, "clerk_tax", review["id"], "acceptance").status_code == 404
    # wrong role
    assert return_task(api, "zhangsan", review["id"], "acceptance").status_code == 404
    # the other branch's step is not an earlier step of this branch
    wrong = return_task(api, "clerk_registry", review["id"], "collect_tax")
    assert wrong.status_code == 422
    assert wrong.get_json()["error"]["details"]["allowed"] == ["acceptance"]
    # a reason is required
    no_reason = return_task(api, "clerk_registry", review["id"], "acceptance", "  ")
    assert no_reason.status_code == 422
    assert "reason" in no_reason.get_json()["error"]["details"]["fields"]
    # claimed by another clerk of the department
    api.post(f"/api/v1/tasks/{review['id']}/claim", "clerk_registry2")
    assert return_task(api, "clerk_registry", review["id"], "acceptance").status_code == 409
    # a completed task cannot be returned
    api.claim_and_complete("clerk_tax", case_id, "collect_tax", TAX)
    assert return_task(api, "clerk_tax", tax["id"], "acceptance").status_code == 409
    assert open_tasks(api, case_id) == [("registry_review", "registry")]
    assert "task_returned" not in [e["action"] for e in events(api, case_id)]


def test_a_clerk_withdraws_a_completion_while_the_next_step_is_untouched(api: Api):
    case_id = accepted(api)
    api.claim_and_complete("clerk_tax", case_id, "collect_tax", TAX)
    done = api.claim_and_complete("clerk_registry", case_id, "registry_review", {"approved": True})
    review = next(t for t in done["tasks"] if t["bpmn_id"] == "registry_review")
    assert open_tasks(api, case_id) == [("record_register", "registry")]

    response = api.post(
        f"/api/v1/tasks/{review['id']}/withdraw", "clerk_registry", json={"reason": "意见写错"}
    )
    assert response.status_code == 200, response.get_json()
    # Back with the clerk who withdrew it; 登簿 is gone; tax stays done.
    assert open_tasks(api, case_id) == [("registry_review", "registry")]
    again = api.open_task("clerk_registry", case_id, "registry_review")
    assert again["id"] == review["id"] and again["assignee"] == "clerk_registry"
    assert again["notice"]["kind"] == "withdrawn"
    api.complete("clerk_registry", review["id"], {"approved": True, "opinion": "更正"})
    assert open_tasks(api, case_id) == [("record_register", "registry")]
    trail = events(api, case_id)
    withdrawn = next(e for e in trail if e["action"] == "task_withdrawn")
    assert withdrawn["actor"] == "clerk_registry"
    assert withdrawn["details"]["reason"] == "意见写错"


def test_withdraw_is_refused_once_the_next_step_is_taken_or_by_someone_else(api: Api):
    case = api.start_case("property_transfer", property_application())
    done = api.claim_and_complete(
        "clerk_service_center", case["id"], "acceptance", {"accepted": True}
    )
    acceptance = next(t for t in done["tasks"] if t["bpmn_id"] == "acceptance")
    url = f"/api/v1/tasks/{acceptance['id']}/withdraw"
    # someone else's completion
    assert api.post(url, "clerk_tax", json={}).status_code in (403, 404)
    # the tax clerk has claimed the next step
    tax = api.open_task("clerk_tax", case["id"], "collect_tax")
    api.post(f"/api/v1/tasks/{tax['id']}/claim", "clerk_tax")
    refused = api.post(url, "clerk_service_center", json={})
    assert refused.status_code == 409
    assert refused.get_json()["error"]["code"] == "next_task_touched"
    # an open task is not withdrawn
    still_open = api.post(f"/api/v1/tasks/{tax['id']}/withdraw", "clerk_tax", json={})
    assert still_open.status_code == 409
    assert open_tasks(api, case["id"]) == [("collect_tax", "tax"), ("registry_review", "registry")]
    # untouched again: the window takes its acceptance back
    api.post(f"/api/v1/tasks/{tax['id']}/unclaim", "clerk_tax")
    assert api.post(url, "clerk_service_center", json={}).status_code == 200
    assert open_tasks(api, case["id"]) == [("acceptance", "service_center")]
