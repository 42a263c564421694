"""催办, 挂起/恢复, 终止, 不予受理."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import time_machine

from tests.support import Api, property_application

BEIJING = ZoneInfo("Asia/Shanghai")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=BEIJING)


def accepted(api: Api) -> int:
    case = api.start_case("property_transfer", property_application())
    api.claim_and_complete("clerk_service_center", case["id"], "acceptance", {"accepted": True})
    return case["id"]


def trail(api: Api, case_id: int) -> list[dict]:
    return api.get(f"/api/v1/cases/{case_id}/events", "supervisor").get_json()["items"]


def open_rows(api: Api, case_id: int) -> list[str]:
    case = api.get(f"/api/v1/cases/{case_id}", "supervisor").get_json()
    return sorted(t["bpmn_id"] for t in case["tasks"] if t["status"] in ("ready", "claimed"))


# --- 催办 -----------------------------------------------------------------------------


def test_supervisor_and_applicant_urge_an_open_task_and_the_clerk_sees_it(api: Api):
    case_id = accepted(api)
    task = api.open_task("clerk_tax", case_id, "collect_tax")
    url = f"/api/v1/tasks/{task['id']}/urge"
    first = api.post(url, "supervisor", json={"message": "请今日办结"})
    assert first.status_code == 201, first.get_json()
    second = api.post(url, "zhangsan", json={"message": "麻烦尽快"})
    assert second.status_code == 201 and second.get_json()["urge_count"] == 2
    seen = api.get(f"/api/v1/tasks/{task['id']}", "clerk_tax").get_json()
    assert seen["urge_count"] == 2
    assert [u["message"] for u in seen["urges"]] == ["请今日办结", "麻烦尽快"]
    assert api.open_task("clerk_tax", case_id, "collect_tax")["urge_count"] == 2
    urged = [e for e in trail(api, case_id) if e["action"] == "task_urged"]
    assert [e["actor"] for e in urged] == ["supervisor", "zhangsan"]


def test_urge_refusals(api: Api):
    case_id = accepted(api)
    task = api.open_task("clerk_tax", case_id, "collect_tax")
    url = f"/api/v1/tasks/{task['id']}/urge"
    assert api.post(url, "clerk_registry", json={}).status_code == 403  # wrong role
    assert api.post(url, "lisi", json={}).status_code == 404  # another applicant's case
    assert api.post("/api/v1/tasks/nope/urge", "supervisor", json={}).status_code == 404
    assert api.post(url, "supervisor", json={}).status_code == 201
    again = api.post(url, "supervisor", json={})
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "already_urged"
    api.claim_and_complete(
        "clerk_tax", case_id, "collect_tax", {"tax_amount": 1, "paid": True, "receipt_no": "U"}
    )
    assert api.post(url, "zhangsan", json={}).status_code == 409  # no longer open
    assert api.get(f"/api/v1/tasks/{task['id']}", "clerk_tax").get_json()["urge_count"] == 1


# --- 挂起 / 恢复 ------------------------------------------------------------------------


def test_a_suspended_case_stops_its_clocks_and_its_steps(api: Api):
    with time_machine.travel(at("2026-11-19T10:00:00"), tick=False):  # Thursday
        case_id = accepted(api)
        task = api.open_task("clerk_tax", case_id, "collect_tax")
        api.post(f"/api/v1/tasks/{task['id']}/claim", "clerk_tax")
        response = api.post(
            f"/api/v1/cases/{case_id}/suspend", "supervisor", json={"reason": "涉及司法查封核查"}
        )
        assert response.status_code == 200, response.get_json()
        suspended = response.get_json()
        assert suspended["suspended"] is True and suspended["status"] == "running"
        assert suspended["deadline"]["state"] == "paused"
        assert suspended["pauses"][-1]["kind"] == "suspension"
        blocked = api.complete(
            "clerk_tax", task["id"], {"tax_amount": 1, "paid": True, "receipt_no": "S"}
        )
        assert blocked.status_code == 409
        assert blocked.get_json()["error"]["code"] == "case_suspended"
        # Its other open step cannot be claimed either while nothing moves.
        review = api.open_task("clerk_registry", case_id, "registry_review")
        refused = api.post(f"/api/v1/tasks/{review['id']}/claim", "clerk_registry")
        assert refused.status_code == 409
        assert refused.get_json()["error"]["code"] == "case_suspended"
    with time_machine.travel(at("2026-11-23T10:00:00"), tick=False):  # Monday
        resumed = api.post(
            f"/api/v1/cases/{case_id}/resume", "supervisor", json={"note": "核查完毕"}
        )
        assert resumed.status_code == 200, resumed.get_json()
        case = resumed.get_json()
        assert case["suspended"] is False and case["deadline"]["state"] != "paused"
        # Thursday 10:00 → Monday 10:00 was not counted: due moves by the paused time.
        assert case["deadline"]["paused_days"] > 1
        ok = api.complete(
            "clerk_tax", task["id"], {"tax_amount": 1, "paid": True, "receipt_no": "S"}
        )
        assert ok.status_code == 200
    actions = [e for e in trail(api, case_id) if e["action"] in ("case_suspended", "case_resumed")]
    assert [(e["action"], e["actor"]) for e in actions] == [
        ("case_suspended", "supervisor"),
        ("case_resumed", "supervisor"),
    ]
    assert actions[0]["details"]["reason"] == "涉及司法查封核查"


def test_suspend_and_resume_refusals(api: Api):
    case_id = accepted(api)
    url = f"/api/v1/cases/{case_id}/suspend"
    assert api.post(url, "clerk_tax", json={"reason": "x"}).status_code == 403
    assert api.post(url, "zhangsan", json={"reason": "x"}).status_code == 403
    assert api.post(url, "supervisor", json={}).status_code == 422
    assert api.post(f"/api/v1/cases/{case_id}/resume", "supervisor", json={}).status_code == 409
    assert api.post(url, "supervisor", json={"reason": "x"}).status_code == 200
    again = api.post(url, "supervisor", json={"reason": "x"})
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "already_suspended"
    assert (
        api.post("/api/v1/cases/999/suspend", "supervisor", json={"reason": "x"}).status_code == 404
    )


# --- 终止 ------------------------------------------------------------------------------


def test_a_supervisor_terminates_a_case_and_its_tasks_leave_the_worklists(api: Api):
    case_id = accepted(api)
    assert open_rows(api, case_id) == ["collect_tax", "registry_review"]
    response = api.post(
        f"/api/v1/cases/{case_id}/terminate", "supervisor", json={"reason": "申请人撤回申请"}
    )
    assert response.status_code == 200, response.get_json()
    case = response.get_json()
    assert case["status"] == "terminated" and case["completed_at"]
    assert case["closure"]["kind"] == "terminated" and case["closure"]["reason"] == "申请人撤回申请"
    assert open_rows(api, case_id) == []
    for clerk in ("clerk_tax", "clerk_registry"):
        assert [t for t in api.worklist(clerk, status="ready") if t["case_id"] == case_id] == []
    assert case["deadline"]["state"] == "cancelled"
    event = next(e for e in trail(api, case_id) if e["action"] == "case_terminated")
    assert event["actor"] == "supervisor" and event["details"]["reason"] == "申请人撤回申请"
    again = api.post(f"/api/v1/cases/{case_id}/terminate", "supervisor", json={"reason": "x"})
    assert again.status_code == 409


def test_terminate_refusals(api: Api):
    case_id = accepted(api)
    url = f"/api/v1/cases/{case_id}/terminate"
    assert api.post(url, "clerk_tax", json={"reason": "x"}).status_code == 403
    assert api.post(url, "admin", json={}).status_code == 422
    assert open_rows(api, case_id) == ["collect_tax", "registry_review"]


# --- 不予受理 --------------------------------------------------------------------------


def test_the_window_refuses_with_statutory_reasons_and_the_applicant_sees_them(api: Api):
    case = api.start_case("property_transfer", property_application())
    task = api.open_task("clerk_service_center", case["id"], "acceptance")
    codes = api.get("/api/v1/refusal-reasons", "clerk_service_center").get_json()["items"]
    assert "legally_restricted" in [c["code"] for c in codes]
    response = api.post(
        f"/api/v1/tasks/{task['id']}/refuse",
        "clerk_service_center",
        json={
            "reasons": [
                {"code": "legally_restricted"},
                {"code": "other", "text": "《不动产登记暂行条例》第二十二条"},
            ],
            "note": "该房产处于查封状态",
        },
    )
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["status"] == "completed"
    seen = api.get(f"/api/v1/cases/{case['id']}", "zhangsan").get_json()
    assert seen["outcome"] == "refused"
    assert [r["code"] for r in seen["closure"]["reasons"]] == ["legally_restricted", "other"]
    assert "查封" in seen["closure"]["reasons"][0]["text"]
    assert open_rows(api, case["id"]) == []
    event = next(e for e in trail(api, case["id"]) if e["action"] == "case_refused")
    assert event["actor"] == "clerk_service_center"
    assert event["details"]["note"] == "该房产处于查封状态"


def test_refusal_refusals(api: Api):
    case = api.start_case("property_transfer", property_application())
    task = api.open_task("clerk_service_center", case["id"], "acceptance")
    url = f"/api/v1/tasks/{task['id']}/refuse"
    assert api.post(url, "clerk_tax", json={"reasons": ["not_competent"]}).status_code == 404
    assert api.post(url, "clerk_service_center", json={"reasons": []}).status_code == 422
    bad = api.post(url, "clerk_service_center", json={"reasons": [{"code": "dislike"}]})
    assert bad.status_code == 422
    other = api.post(url, "clerk_service_center", json={"reasons": [{"code": "other"}]})
    assert other.status_code == 422
    # only the window's acceptance step refuses
    api.claim_and_complete("clerk_service_center", case["id"], "acceptance", {"accepted": True})
    tax = api.open_task("clerk_tax", case["id"], "collect_tax")
    not_window = api.post(
        f"/api/v1/tasks/{tax['id']}/refuse", "clerk_tax", json={"reasons": ["not_competent"]}
    )
    assert not_window.status_code == 409
    assert not_window.get_json()["error"]["code"] == "not_refusable"
    assert (
        api.post(url, "clerk_service_center", json={"reasons": ["not_competent"]}).status_code
        == 409
    )
    assert "case_refused" not in [e["action"] for e in trail(api, case["id"])]
