"""转办 (transfer within a department) and 委派 (delegate to anyone, resolve back)."""

from __future__ import annotations

from tests.support import Api, property_application


def tax_task(api: Api) -> dict:
    case = api.start_case("property_transfer", property_application())
    api.claim_and_complete("clerk_service_center", case["id"], "acceptance", {"accepted": True})
    return api.open_task("clerk_tax", case["id"], "collect_tax")


def actions(api: Api, case_id: int) -> list[dict]:
    return api.get(f"/api/v1/cases/{case_id}/events", "supervisor").get_json()["items"]


def test_a_clerk_transfers_a_task_to_a_colleague_of_the_same_department(api: Api):
    task = tax_task(api)
    api.post(f"/api/v1/tasks/{task['id']}/claim", "clerk_tax")
    response = api.post(
        f"/api/v1/tasks/{task['id']}/transfer",
        "clerk_tax",
        json={"to": "clerk_tax2", "reason": "休假，转同事办理"},
    )
    assert response.status_code == 200, response.get_json()
    moved = response.get_json()
    assert moved["assignee"] == "clerk_tax2" and moved["status"] == "claimed"
    assert moved["notice"]["reason"] == "休假，转同事办理"
    # the colleague completes it; the first clerk no longer may
    data = {"tax_amount": 32000, "paid": True, "receipt_no": "WS-T-1"}
    assert api.complete("clerk_tax", task["id"], data).status_code == 409
    assert api.complete("clerk_tax2", task["id"], data).status_code == 200
    event = next(e for e in actions(api, task["case_id"]) if e["action"] == "task_transferred")
    assert event["actor"] == "clerk_tax"
    assert event["details"]["to"] == "clerk_tax2"
    assert event["details"]["reason"] == "休假，转同事办理"


def test_transfer_refusals(api: Api):
    task = tax_task(api)
    url = f"/api/v1/tasks/{task['id']}/transfer"
    body = {"to": "clerk_tax2", "reason": "转办"}
    # another department's clerk does not see the task; applicants neither
    assert api.post(url, "clerk_registry", json=body).status_code == 404
    assert api.post(url, "zhangsan", json=body).status_code == 404
    # the receiver must be a clerk of the same department
    other = api.post(url, "clerk_tax", json={"to": "clerk_registry", "reason": "转办"})
    assert other.status_code == 422
    assert "to" in other.get_json()["error"]["details"]["fields"]
    assert api.post(url, "clerk_tax", json={"to": "zhangsan", "reason": "x"}).status_code == 422
    assert api.post(url, "clerk_tax", json={"to": "clerk_tax2"}).status_code == 422
    # held by a colleague
    api.post(f"/api/v1/tasks/{task['id']}/claim", "clerk_tax2")
    assert api.post(url, "clerk_tax", json=body).status_code == 409
    unchanged = api.get(f"/api/v1/tasks/{task['id']}", "clerk_tax").get_json()
    assert unchanged["assignee"] == "clerk_tax2" and unchanged["notice"] is None
    assert "task_transferred" not in [e["action"] for e in actions(api, task["case_id"])]


def test_a_delegated_task_returns_to_its_owner_on_resolve(api: Api):
    task = tax_task(api)
    api.post(f"/api/v1/tasks/{task['id']}/claim", "clerk_tax")
    response = api.post(
        f"/api/v1/tasks/{task['id']}/delegate",
        "clerk_tax",
        json={"to": "clerk_registry", "reason": "请核对登记面积"},
    )
    assert response.status_code == 200, response.get_json()
    delegated = response.get_json()
    assert delegated["assignee"] == "clerk_registry" and delegated["owner"] == "clerk_tax"
    # the delegate, of another department, sees it; nobody completes it before resolve
    assert task["id"] in [t["id"] for t in api.worklist("clerk_registry")]
    data = {"tax_amount": 32000, "paid": True, "receipt_no": "WS-D-1"}
    blocked = api.complete("clerk_registry", task["id"], data)
    assert blocked.status_code == 409
    assert blocked.get_json()["error"]["code"] == "delegation_pending"
    # only the delegate resolves
    url = f"/api/v1/tasks/{task['id']}/resolve"
    assert api.post(url, "clerk_tax", json={"opinion": "x"}).status_code == 403
    resolved = api.post(url, "clerk_registry", json={"opinion": "面积 89.5 平方米无误"})
    assert resolved.status_code == 200, resolved.get_json()
    back = resolved.get_json()
    assert back["assignee"] == "clerk_tax" and back["owner"] is None
    assert back["notice"]["opinion"] == "面积 89.5 平方米无误"
    assert api.post(url, "clerk_registry", json={}).status_code in (404, 409)
    assert api.complete("clerk_tax", task["id"], data).status_code == 200
    trail = [e["action"] for e in actions(api, task["case_id"])]
    assert "task_delegated" in trail and "task_resolved" in trail


def test_delegation_refusals(api: Api):
    task = tax_task(api)
    url = f"/api/v1/tasks/{task['id']}/delegate"
    assert api.post(url, "supervisor", json={"to": "clerk_tax2", "reason": "x"}).status_code == 403
    assert api.post(url, "clerk_tax", json={"to": "clerk_tax", "reason": "x"}).status_code == 422
    assert api.post(url, "clerk_tax", json={"to": "admin", "reason": "x"}).status_code == 422
    ok = api.post(url, "clerk_tax", json={"to": "clerk_tax2", "reason": "协助"})
    assert ok.status_code == 200
    # a delegated task is neither delegated again nor handed back to the pool
    assert (
        api.post(url, "clerk_tax2", json={"to": "clerk_market", "reason": "x"}).status_code == 409
    )
    unclaim = api.post(f"/api/v1/tasks/{task['id']}/unclaim", "clerk_tax2")
    assert unclaim.status_code == 409
