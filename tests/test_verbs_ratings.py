"""好差评: the applicant's rating after 办结 or refusal, and the rectification of bad ones."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import time_machine

from tests.support import Api, property_application

BEIJING = ZoneInfo("Asia/Shanghai")


def concluded(api: Api) -> int:
    case = api.start_case("property_transfer", property_application())
    case_id = case["id"]
    api.claim_and_complete("clerk_service_center", case_id, "acceptance", {"accepted": True})
    api.claim_and_complete("clerk_registry", case_id, "registry_review", {"approved": True})
    api.claim_and_complete(
        "clerk_tax", case_id, "collect_tax", {"tax_amount": 1, "paid": True, "receipt_no": "R-1"}
    )
    done = api.claim_and_complete(
        "clerk_registry",
        case_id,
        "record_register",
        {"new_certificate_no": "BJ2026-0100002", "registered_on": "2026-11-23"},
    )
    assert done["status"] == "completed"
    return case_id


def rate(api: Api, case_id: int, body: dict, user: str = "zhangsan"):  # noqa: ANN201
    return api.post(f"/api/v1/cases/{case_id}/rating", user, json=body)


def test_the_applicant_rates_the_case_and_each_department_once(api: Api):
    case_id = concluded(api)
    response = rate(
        api,
        case_id,
        {
            "level": 4,
            "comment": "整体满意",
            "departments": {"service_center": 5, "tax": {"level": 4}, "registry": {"level": 3}},
        },
    )
    assert response.status_code == 201, response.get_json()
    rating = response.get_json()
    assert rating["level"] == 4 and rating["label"] == "满意"
    assert rating["departments"]["service_center"]["label"] == "非常满意"
    assert rating["departments"]["registry"]["rectification_task_id"] is None
    case = api.get(f"/api/v1/cases/{case_id}", "zhangsan").get_json()
    assert case["rating"]["departments"]["tax"]["level"] == 4
    again = rate(api, case_id, {"level": 5})
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "already_rated"
    assert [t for t in api.worklist("supervisor") if t.get("bpmn_id") == "rectification"] == []
    events = api.get(f"/api/v1/cases/{case_id}/events", "supervisor").get_json()["items"]
    rated = next(e for e in events if e["action"] == "case_rated")
    assert rated["actor"] == "zhangsan" and rated["details"]["level"] == 4


def test_a_bad_rating_opens_a_rectification_for_that_departments_supervisor(api: Api):
    case_id = concluded(api)
    with time_machine.travel(datetime(2026, 11, 23, 10, tzinfo=BEIJING), tick=False):  # Monday
        response = rate(
            api,
            case_id,
            {"level": 3, "departments": {"tax": {"level": 1, "comment": "多次往返，态度差"}}},
        )
        assert response.status_code == 201, response.get_json()
        task_id = response.get_json()["departments"]["tax"]["rectification_task_id"]
        task = api.get(f"/api/v1/tasks/{task_id}", "supervisor").get_json()
        assert task["department"] == "tax" and task["status"] == "ready"
        assert task["notice"]["label"] == "非常不满意"
        assert task["notice"]["reason"] == "多次往返，态度差"
        # 15 working days counted from the day after Monday 2026-11-23: Monday 2026-12-14.
        assert task["due_at"] == "2026-12-14T17:30:00+08:00"
        assert task["form_definition"]["key"] == "govflow/rectification"
        # the department's clerks do not get it; a clerk may not complete it
        assert task_id not in [t["id"] for t in api.worklist("clerk_tax")]
        assert (
            api.complete("clerk_tax", task_id, {"findings": "x", "measures": "y"}).status_code
            == 404
        )

        summary = api.get("/api/v1/supervision/ratings", "supervisor").get_json()
        tax = next(d for d in summary["departments"] if d["code"] == "tax")
        assert tax["count"] == 1 and tax["bad"] == 1 and tax["rectifications_open"] == 1
        assert summary["cases"]["by_level"]["3"] == 1

        done = api.complete(
            "supervisor",
            task_id,
            {"findings": "窗口人员解释不清", "measures": "约谈并培训", "applicant_contacted": True},
        )
        assert done.status_code == 200, done.get_json()
    summary = api.get("/api/v1/supervision/ratings", "supervisor").get_json()
    assert next(d for d in summary["departments"] if d["code"] == "tax")["rectifications_open"] == 0
    events = api.get(f"/api/v1/cases/{case_id}/events", "supervisor").get_json()["items"]
    assert any(e["action"] == "rating_rectified" for e in events)


def test_a_bad_rating_of_the_whole_case_goes_to_the_window(api: Api):
    case_id = concluded(api)
    rating = rate(api, case_id, {"level": 2, "comment": "太慢"}).get_json()
    task = api.get(f"/api/v1/tasks/{rating['rectification_task_id']}", "supervisor").get_json()
    assert task["department"] == "service_center"


def test_a_refused_case_can_be_rated(api: Api):
    case = api.start_case("property_transfer", property_application())
    task = api.open_task("clerk_service_center", case["id"], "acceptance")
    api.post(
        f"/api/v1/tasks/{task['id']}/refuse",
        "clerk_service_center",
        json={"reasons": ["not_competent"]},
    )
    assert rate(api, case["id"], {"level": 3}).status_code == 201


def test_rating_refusals(api: Api):
    running = api.start_case("property_transfer", property_application())
    early = rate(api, running["id"], {"level": 5})
    assert early.status_code == 409 and early.get_json()["error"]["code"] == "not_concluded"
    case_id = concluded(api)
    # not theirs: 李四 is the seller, a party who sees the case but does not rate it
    assert rate(api, case_id, {"level": 5}, user="lisi").status_code == 403
    assert rate(api, case_id, {"level": 5}, user="supervisor").status_code == 403
    assert rate(api, case_id, {"level": 6}).status_code == 422
    assert rate(api, case_id, {"level": "5"}).status_code == 422
    stray = rate(api, case_id, {"level": 5, "departments": {"market": 1}})
    assert stray.status_code == 422
    assert api.get(f"/api/v1/cases/{case_id}/rating", "zhangsan").status_code == 404
    assert api.get("/api/v1/supervision/ratings", "clerk_tax").status_code == 403
