"""容缺受理 end to end through the API: the window accepts with non-key materials to
follow, registration waits for them, the applicant uploads them later, the scheduler
reminds and — when the date passes — hands the window a task (extend once, 补正, refuse)."""

from __future__ import annotations

import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from engine import scheduler
from engine.reforms import deferrals
from tests.shared_data_support import PDF
from tests.support import Api, business_application

BEIJING = ZoneInfo("Asia/Shanghai")
MONDAY = datetime(2026, 11, 23, 10, tzinfo=BEIJING)


def started(api: Api) -> tuple[int, str]:
    """张三's company application (its articles of association are never shared), and the
    window's acceptance step."""
    case = api.start_case("business_startup", business_application())
    task = api.open_task("clerk_service_center", case["id"], "acceptance")
    return case["id"], task["id"]


def defer(api: Api, case_id: int, task_id: str, materials: list[str], **extra) -> object:
    return api.post(
        f"/api/v1/cases/{case_id}/deferred-materials",
        "clerk_service_center",
        json={"task_id": task_id, "materials": materials, **extra},
    )


def accept(api: Api, task_id: str) -> dict:
    response = api.complete("clerk_service_center", task_id, {"accepted": True})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def upload(api: Api, case_id: int, code: str, as_: str = "zhangsan") -> object:
    return api.post(
        f"/api/v1/cases/{case_id}/materials/{code}",
        as_,
        json=None,
        data={"file": (io.BytesIO(PDF), "articles.pdf")},
        content_type="multipart/form-data",
    )


def events(api: Api, case_id: int) -> list[dict]:
    return api.get(f"/api/v1/cases/{case_id}/events", "supervisor").get_json()["items"]


def actions(api: Api, case_id: int) -> list[str]:
    return [e["action"] for e in events(api, case_id)]


def registration_answer(api: Api, case_id: int) -> object:
    task = api.open_task("clerk_market", case_id, "market_registration")
    return api.complete(
        "clerk_market", task["id"], {"approved": True, "credit_code": "91110108MA01XYK12Q"}
    )


def test_accept_with_a_deferred_material_then_registration_waits_until_it_is_uploaded(api: Api):
    with time_machine.travel(MONDAY, tick=False):
        case_id, task_id = started(api)
        response = defer(api, case_id, task_id, ["articles_of_association"])
        assert response.status_code == 201, response.get_json()
        (item,) = response.get_json()["items"]
        assert item["status"] == "outstanding"
        assert item["working_days"] == 5  # the matter's default
        assert item["due_at"] == "2026-12-01T00:00:00+08:00"  # end of Monday 30 Nov
        case = accept(api, task_id)
        # The clock runs: not a 补正.
        assert case["status"] == "running"
        assert not case["deadline"]["paused"]
        material = {m["code"]: m for m in case["materials"]}["articles_of_association"]
        assert material["deferral"]["status"] == "outstanding"
        trail = events(api, case_id)
        told = [e for e in trail if e["action"] == "applicant_notified"]
        assert told and told[0]["details"]["kind"] == "deferred_due"
        assert any(e["action"] == "confirmation_issued" for e in trail)

        # 登簿 (the market registration) waits for the material.
        waiting = registration_answer(api, case_id)
        assert waiting.status_code == 409
        assert waiting.get_json()["error"]["code"] == "awaiting_deferred_material"

        # Another applicant cannot upload it, nor see the list.
        assert upload(api, case_id, "articles_of_association", "lisi").status_code == 404
        assert api.get(f"/api/v1/cases/{case_id}/deferred-materials", "lisi").status_code == 404

        assert upload(api, case_id, "articles_of_association").status_code == 201
        listed = api.get(f"/api/v1/cases/{case_id}/deferred-materials", "zhangsan").get_json()
        assert listed["items"][0]["status"] == "supplied"
        assert registration_answer(api, case_id).status_code == 200


def test_the_scheduler_reminds_then_hands_an_overdue_material_to_the_window(api: Api, govflow):
    with time_machine.travel(MONDAY, tick=False):
        case_id, task_id = started(api)
        assert defer(api, case_id, task_id, ["articles_of_association"]).status_code == 201
        accept(api, task_id)
        assert deferrals.sweep(govflow) == 0  # nothing due yet
    with time_machine.travel(datetime(2026, 11, 30, 9, tzinfo=BEIJING), tick=False):
        assert deferrals.sweep(govflow) == 1
        reminders = [
            e
            for e in events(api, case_id)
            if e["action"] == "applicant_notified" and e["details"]["kind"] == "deferral_reminder"
        ]
        assert len(reminders) == 1
        deferrals.sweep(govflow)  # reminded once only
        assert (
            sum(
                e["details"].get("kind") == "deferral_reminder"
                for e in events(api, case_id)
                if e["action"] == "applicant_notified"
            )
            == 1
        )
    with time_machine.travel(datetime(2026, 12, 1, 9, tzinfo=BEIJING), tick=False):
        assert deferrals.sweep(govflow) == 1
        task = api.open_task("clerk_service_center", case_id, "deferral_overdue")
        case = api.get(f"/api/v1/cases/{case_id}", "zhangsan").get_json()
        assert case["status"] == "running"  # never silently concluded
        assert "deferred_material_overdue" in actions(api, case_id)

        # Extend once ...
        api.post(f"/api/v1/tasks/{task['id']}/claim", "clerk_service_center")
        done = api.complete(
            "clerk_service_center", task["id"], {"decision": "extend", "opinion": "申请人请求延期"}
        )
        assert done.status_code == 200, done.get_json()
        (item,) = api.get(f"/api/v1/cases/{case_id}/deferred-materials", "zhangsan").get_json()[
            "items"
        ]
        assert item["status"] == "outstanding" and item["extended"] is True
        assert item["due_at"] == "2026-12-09T00:00:00+08:00"
    with time_machine.travel(datetime(2026, 12, 9, 9, tzinfo=BEIJING), tick=False):
        deferrals.sweep(govflow)
        again = api.open_task("clerk_service_center", case_id, "deferral_overdue")
        # ... but not twice: the form refuses and nothing changes.
        refused = api.complete(
            "clerk_service_center", again["id"], {"decision": "extend", "opinion": "再延"}
        )
        assert refused.status_code == 422
        assert "decision" in refused.get_json()["error"]["details"]["fields"]
        # A 补正 instead: the case waits for the applicant, the clocks stop.
        done = api.complete(
            "clerk_service_center", again["id"], {"decision": "supplement", "opinion": "请补交章程"}
        )
        assert done.status_code == 200, done.get_json()
        case = done.get_json()
        assert case["status"] == "waiting_applicant"
        assert "supplement_requested" in actions(api, case_id)
        # The late material arrives: registration may go on once the 补正 is answered.
        assert upload(api, case_id, "articles_of_association").status_code == 201
        answered = api.post(f"/api/v1/cases/{case_id}/supplement", "zhangsan", json={"data": {}})
        assert answered.status_code == 200, answered.get_json()
        assert registration_answer(api, case_id).status_code == 200


def test_an_overdue_material_may_end_in_refusal(api: Api, govflow):
    with time_machine.travel(MONDAY, tick=False):
        case_id, task_id = started(api)
        defer(api, case_id, task_id, ["articles_of_association"], working_days=1)
        accept(api, task_id)
    with time_machine.travel(datetime(2026, 11, 25, 9, tzinfo=BEIJING), tick=False):
        assert scheduler.tick(govflow).deferrals == 1  # the scheduler's own tick sweeps
        task = api.open_task("clerk_service_center", case_id, "deferral_overdue")
        done = api.complete(
            "clerk_service_center", task["id"], {"decision": "refuse", "opinion": "逾期未补"}
        )
        assert done.status_code == 200, done.get_json()
        case = done.get_json()
        assert case["status"] == "completed" and case["outcome"] == "refused"
        assert case["closure"]["reasons"][0]["code"] == "deferral_overdue"
        assert not [
            t
            for t in api.worklist("clerk_market")
            if t["case_id"] == case_id and t["status"] in ("ready", "claimed")
        ]


def test_a_material_supplied_in_time_closes_the_windows_overdue_task(api: Api, govflow):
    with time_machine.travel(MONDAY, tick=False):
        case_id, task_id = started(api)
        defer(api, case_id, task_id, ["articles_of_association"], working_days=1)
        accept(api, task_id)
    with time_machine.travel(datetime(2026, 11, 25, 9, tzinfo=BEIJING), tick=False):
        deferrals.sweep(govflow)
        task = api.open_task("clerk_service_center", case_id, "deferral_overdue")
        assert upload(api, case_id, "articles_of_association").status_code == 201
        detail = api.get(f"/api/v1/tasks/{task['id']}", "clerk_service_center").get_json()
        assert detail["status"] == "cancelled"


@pytest.mark.parametrize(
    ("materials", "field_message"),
    [
        (["legal_rep_id_card"], "关键材料"),  # identity: key, never deferred
        (["name_precheck"], "不在容缺材料清单内"),  # not on the matter's list
        (["no_such_material"], "没有材料"),
        (["articles_of_association"], "重复"),  # the same material twice
    ],
)
def test_deferring_what_may_not_be_deferred_is_422_and_changes_nothing(
    api: Api, materials: list[str], field_message: str
):
    case_id, task_id = started(api)
    response = defer(api, case_id, task_id, ["articles_of_association", *materials])
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "validation_failed"
    assert field_message in error["details"]["fields"]["materials[1]"][0]
    listed = api.get(f"/api/v1/cases/{case_id}/deferred-materials", "clerk_service_center")
    assert listed.get_json()["items"] == []
    assert "materials_deferred" not in actions(api, case_id)


def test_deferral_refusals(api: Api):
    case_id, task_id = started(api)
    # Only the window, at its open acceptance step.
    other = api.post(
        f"/api/v1/cases/{case_id}/deferred-materials",
        "clerk_market",
        json={"task_id": task_id, "materials": ["articles_of_association"]},
    )
    assert other.status_code in (403, 404)
    assert defer(api, case_id, task_id, []).status_code == 422
    assert (
        defer(api, case_id, task_id, ["articles_of_association"], working_days=0).status_code == 422
    )
    assert defer(api, case_id, task_id, ["articles_of_association"]).status_code == 201
    again = defer(api, case_id, task_id, ["articles_of_association"])
    assert again.status_code == 409
    assert again.get_json()["error"]["code"] == "already_deferred"
    accept(api, task_id)
    late = defer(api, case_id, task_id, ["lease_contract"])
    assert late.status_code == 409  # the acceptance step is done


def test_an_application_not_accepted_closes_its_deferrals(api: Api):
    case_id, task_id = started(api)
    defer(api, case_id, task_id, ["articles_of_association"])
    response = api.complete(
        "clerk_service_center", task_id, {"accepted": False, "refusal_reason": "不符合条件"}
    )
    assert response.status_code == 200, response.get_json()
    items = api.get(f"/api/v1/cases/{case_id}/deferred-materials", "zhangsan").get_json()["items"]
    assert items[0]["status"] == "closed"
