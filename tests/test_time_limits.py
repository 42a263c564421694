"""Time limits: the calendar, case and task deadlines, the stopped clock, warnings and
overdue work, BPMN timers fired by the scheduler — all on a controllable clock."""

from __future__ import annotations

import io
import threading
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine

from engine import scheduler
from engine.services import timers
from tests.support import Api, property_application

BEIJING = ZoneInfo("Asia/Shanghai")
FIXTURES = Path(__file__).parent / "fixtures" / "bpmn"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=BEIJING)


def accepted_case(api: Api) -> dict:
    case = api.start_case("property_transfer", property_application())
    return api.claim_and_complete(
        "clerk_service_center", case["id"], "acceptance", {"accepted": True}
    )


def deploy(api: Api, name: str) -> None:
    response = api.post(
        "/api/v1/process-definitions",
        "designer",
        data={"file": (io.BytesIO((FIXTURES / name).read_bytes()), name)},
        content_type="multipart/form-data",
    )
    assert response.status_code in (200, 201), response.get_json()


def events(api: Api, case_id: int) -> list[str]:
    return [
        e["action"]
        for e in api.get(f"/api/v1/cases/{case_id}/events", "supervisor").get_json()["items"]
    ]


# --- calendar ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        ("2026-09-30", 1, "2026-10-08"),  # National Day: 10/1–10/7 off
        ("2026-09-30", 3, "2026-10-10"),  # Saturday 10/10 is an adjusted workday
        ("2026-02-13", 1, "2026-02-14"),  # Saturday 2/14 works before Spring Festival
        ("2026-02-14", 1, "2026-02-24"),  # Spring Festival 2/15–2/23 off
        ("2026-02-27", 1, "2026-02-28"),  # and Saturday 2/28 works after it
    ],
)
def test_add_working_days_skips_holidays_and_counts_adjusted_workdays(
    api: Api, start, days, expected
):
    response = api.get(
        "/api/v1/calendar/add-working-days", "clerk_tax", query_string={"from": start, "days": days}
    )
    assert response.status_code == 200
    assert response.get_json() == {"from": start, "days": days, "date": expected, "official": True}


def test_a_year_without_an_official_schedule_is_flagged_until_an_admin_loads_it(api: Api):
    guessed = api.get(
        "/api/v1/calendar/add-working-days",
        "clerk_tax",
        query_string={"from": "2026-12-30", "days": 5},
    ).get_json()
    assert guessed["official"] is False
    year = {
        "year": 2027,
        "official": True,
        "holidays": ["2027-01-01", "2027-01-04"],
        "workdays": ["2027-01-09"],
        "source": "国务院办公厅通知（测试）",
    }
    assert (
        api.client.put(
            "/api/v1/calendar/2027", json=year, headers=api.headers("clerk_tax")
        ).status_code
        == 403
    )
    loaded = api.client.put("/api/v1/calendar/2027", json=year, headers=api.headers("admin"))
    assert loaded.status_code == 200 and loaded.get_json()["official"] is True
    official = api.get(
        "/api/v1/calendar/add-working-days",
        "clerk_tax",
        query_string={"from": "2026-12-31", "days": 2},
    ).get_json()
    # 1/1 and Monday 1/4 off, Saturday 1/9 a workday: 1/5 is the 1st, 1/6 the 2nd.
    assert official == {"from": "2026-12-31", "days": 2, "date": "2027-01-06", "official": True}
    assert api.get("/api/v1/calendar/2027", "clerk_tax").get_json()["workdays"] == ["2027-01-09"]


def test_an_invalid_calendar_year_is_refused_and_changes_nothing(api: Api):
    bad = {"year": 2027, "holidays": ["2027-13-01", "2026-05-01"], "workdays": ["2027-01-05"]}
    response = api.client.put("/api/v1/calendar/2027", json=bad, headers=api.headers("admin"))
    assert response.status_code == 422
    assert len(response.get_json()["error"]["details"]["fields"]["calendar"]) >= 3
    assert api.get("/api/v1/calendar/2027", "admin").get_json()["official"] is False


# --- deadlines ---------------------------------------------------------------------------


def test_case_limits_start_at_acceptance_and_task_limits_when_ready(api: Api):
    with time_machine.travel(at("2026-09-29T10:00:00"), tick=False):
        case = api.start_case("property_transfer", property_application())
        assert case["deadline"] is None  # not accepted yet: the clock has not started
        acceptance = api.open_task("clerk_service_center", case["id"], "acceptance")
        # 0.5 wd: 3.5 office hours of the next working day (9:00–12:00, 13:30–14:00)
        assert acceptance["due_at"] == "2026-09-30T14:00:00+08:00"
        done = api.claim_and_complete(
            "clerk_service_center", case["id"], "acceptance", {"accepted": True}
        )
    assert done["deadline"]["state"] == "ok"
    assert done["deadline"]["due_at"] == "2026-09-30T17:30:00+08:00"  # promised: 1 wd
    # Statutory 30 wd from 9/29 crosses National Day (7 days off, 10/10 worked).
    expected = api.get(
        "/api/v1/calendar/add-working-days",
        "clerk_tax",
        query_string={"from": "2026-09-29", "days": 30},
    ).get_json()["date"]
    assert done["deadlines"]["statutory"]["due_at"] == f"{expected}T17:30:00+08:00"
    assert expected == "2026-11-16"  # counted by hand: 9/30, 10/8–10, then weekdays


def test_warning_then_overdue_with_one_notification_each(api: Api, govflow):
    with time_machine.travel(at("2026-09-29T10:00:00"), tick=False):
        case = accepted_case(api)
    with time_machine.travel(at("2026-09-30T15:00:00"), tick=False):
        scheduler.tick(govflow)
        now = api.get(f"/api/v1/cases/{case['id']}", "supervisor").get_json()
        assert now["deadline"]["state"] == "warning"
        assert (
            api.get(
                "/api/v1/cases", "supervisor", query_string={"deadline_state": "warning"}
            ).get_json()["total"]
            == 1
        )
    with time_machine.travel(at("2026-10-08T09:00:00"), tick=False):
        scheduler.tick(govflow)
        scheduler.tick(govflow)  # nothing is due twice
        now = api.get(f"/api/v1/cases/{case['id']}", "supervisor").get_json()
        overdue = api.get("/api/v1/supervision/overdue", "supervisor").get_json()["items"]
        overview = api.get("/api/v1/supervision/overview", "supervisor").get_json()
        late_tasks = api.worklist("clerk_tax", deadline_state="overdue")
    assert now["deadline"]["state"] == "overdue"
    trail = events(api, case["id"])
    assert trail.count("deadline_overdue") >= 2  # the case's limit and the tax task's
    case_warnings = [
        e
        for e in api.get(f"/api/v1/cases/{case['id']}/events", "supervisor").get_json()["items"]
        if e["action"] == "deadline_warning" and not e["task_id"]
    ]
    assert len(case_warnings) == 1
    assert overdue[0]["state"] == "overdue"
    assert {i["kind"] for i in overdue} == {"case", "task"}
    assert [t["bpmn_id"] for t in late_tasks] == ["collect_tax"]
    process = next(p for p in overview["processes"] if p["key"] == "property_transfer")
    assert process["cases"]["overdue"] == 1  # the case's own limit
    tax = next(d for d in overview["departments"] if d["code"] == "tax")
    assert tax["overdue"] == 1 and tax["open"] == 1
    # By matter and by department count the same steps: the two tables agree.
    for figure in ("open", "warning", "overdue"):
        by_matter = sum(p[figure] for p in overview["processes"])
        assert (
            by_matter
            == overview["totals"][figure]
            == sum(d[figure] for d in overview["departments"])
        )


def test_yellow_and_red_show_the_moment_they_pass_before_any_sweep(api: Api, govflow):
    """States are read from the instants: no scheduler has run, yet every view agrees the
    work is late; the sweep only announces it, once."""
    with time_machine.travel(at("2026-09-29T10:00:00"), tick=False):
        case = accepted_case(api)
        assert api.worklist("clerk_tax", deadline_state="ok")
    with time_machine.travel(at("2026-10-08T09:00:00"), tick=False):
        shown = api.get(f"/api/v1/cases/{case['id']}", "supervisor").get_json()
        late_tasks = api.worklist("clerk_tax", deadline_state="overdue")
        in_time = api.worklist("clerk_tax", deadline_state="ok")
        overview = api.get("/api/v1/supervision/overview", "supervisor").get_json()
        overdue = api.get("/api/v1/supervision/overdue", "supervisor").get_json()["items"]
        late_cases = api.get(
            "/api/v1/cases", "supervisor", query_string={"deadline_state": "overdue"}
        ).get_json()
        assert "deadline_overdue" not in events(api, case["id"])  # nothing announced yet
        assert scheduler.tick(govflow).deadlines >= 2
        assert scheduler.tick(govflow).deadlines == 0
    assert shown["deadline"]["state"] == "overdue"
    assert [t["bpmn_id"] for t in late_tasks] == ["collect_tax"] and in_time == []
    assert late_tasks[0]["deadline_state"] == "overdue"
    tax = next(d for d in overview["departments"] if d["code"] == "tax")
    assert tax["overdue"] == 1 and tax["warning"] == 0
    assert {i["state"] for i in overdue} == {"overdue"}
    assert [c["id"] for c in late_cases["items"]] == [case["id"]]
    assert events(api, case["id"]).count("deadline_overdue") >= 2


def test_a_mass_transition_is_announced_once_in_short_batches_behind_due_timers(
    api: Api, govflow, monkeypatch
):
    with time_machine.travel(at("2026-09-29T10:00:00"), tick=False):
        late = [accepted_case(api)["id"] for _ in range(3)]
    deploy(api, "escalation.bpmn")
    with time_machine.travel(at("2026-10-08T09:00:00"), tick=False):
        timed = api.start_case("escalation_demo", {})["id"]
    monkeypatch.setattr(timers, "SWEEP_LIMIT", 1)
    monkeypatch.setattr(timers, "SWEEP_BUDGET", 0.0)
    with time_machine.travel(at("2026-10-08T16:00:00"), tick=False):
        # Every limit of the three cases has passed, and the fourth case's timer is due:
        # the timer fires on the first tick, the announcements go out one per
        # transaction, tick after tick, until none is left.
        reports = [scheduler.tick(govflow)]
        while reports[-1].deadlines and len(reports) < 30:
            reports.append(scheduler.tick(govflow))
    assert reports[0].timers == 1 and "timer_fired" in events(api, timed)
    assert [r.deadlines for r in reports] == [1] * (len(reports) - 1) + [0]
    announced = []
    for case_id in late:
        announced += [
            (e["case_id"], e["task_id"], e["details"]["deadline"])
            for e in api.get(f"/api/v1/cases/{case_id}/events", "supervisor").get_json()["items"]
            if e["action"].startswith("deadline_")
        ]
    assert len(announced) == len(reports) - 1 >= 6  # each case: its limits and its tasks'
    assert len(set(announced)) == len(announced)  # and each of them once


def test_an_unknown_deadline_state_filter_is_refused(api: Api):
    for path, user in (("/api/v1/cases", "supervisor"), ("/api/v1/tasks", "clerk_tax")):
        response = api.get(path, user, query_string={"deadline_state": "late"})
        assert response.status_code == 400
        assert response.get_json()["error"]["code"] == "bad_request"


def test_met_and_missed_are_recorded_when_work_finishes(api: Api):
    with time_machine.travel(at("2026-09-29T10:00:00"), tick=False):
        case = accepted_case(api)
        api.claim_and_complete("clerk_registry", case["id"], "registry_review", {"approved": True})
    with time_machine.travel(at("2026-10-09T10:00:00"), tick=False):
        done = api.claim_and_complete(
            "clerk_tax", case["id"], "collect_tax", {"tax_amount": 100, "paid": True}
        )
    tasks = {t["bpmn_id"]: t for t in done["tasks"]}
    assert tasks["registry_review"]["deadline_state"] == "met"
    assert tasks["collect_tax"]["deadline_state"] == "missed"


def test_supplement_stops_every_clock_across_a_weekend(api: Api):
    with time_machine.travel(at("2026-11-19T10:00:00"), tick=False):  # Thursday
        case = accepted_case(api)
    due_before = case["deadline"]["due_at"]
    assert due_before == "2026-11-20T17:30:00+08:00"
    task = api.open_task("clerk_tax", case["id"], "collect_tax")
    with time_machine.travel(at("2026-11-20T16:00:00"), tick=False):  # Friday 16:00
        response = api.post(
            f"/api/v1/tasks/{task['id']}/request-supplement",
            "clerk_tax",
            json={
                "items": [
                    {
                        "material": "buyer_marriage_certificate",
                        "name": "婚姻状况证明",
                        "reason": "共享数据显示未婚，申请表填写已婚，请核实",
                    },
                    {"name": "首套住房声明", "reason": "缺少签字"},
                ],
                "note": "请一次性补齐",
            },
        )
        assert response.status_code == 200, response.get_json()
        waiting = response.get_json()
        assert waiting["status"] == "waiting_applicant"
        assert waiting["deadline"]["state"] == "paused"
        assert len(waiting["supplement"]["details"]["items"]) == 2
        # The applicant sees the whole list on the case.
        seen = api.get(f"/api/v1/cases/{case['id']}", "zhangsan").get_json()
        assert [i["name"] for i in seen["supplement"]["details"]["items"]] == [
            "婚姻状况证明",
            "首套住房声明",
        ]
    with time_machine.travel(at("2026-11-23T10:00:00"), tick=False):  # Monday 10:00
        answered = api.post(
            f"/api/v1/cases/{case['id']}/supplement",
            "zhangsan",
            json={"data": {"first_home": False}, "note": "已更正"},
        )
        assert answered.status_code == 200, answered.get_json()
    resumed = answered.get_json()
    assert resumed["status"] == "running" and resumed["supplement"] is None
    assert resumed["data"]["first_home"] is False
    # Friday 16:00–17:30 and Monday 09:00–10:00 were paused: 2.5 office hours, no weekend.
    assert resumed["deadline"]["paused_days"] == round(2.5 / 7, 2)
    # The 1.5 h that were left on Friday run from Monday 10:00.
    assert resumed["deadline"]["due_at"] == "2026-11-23T11:30:00+08:00"
    assert resumed["deadline"]["state"] in ("ok", "warning")
    trail = events(api, case["id"])
    assert "supplement_requested" in trail and "supplement_answered" in trail


def test_supplement_requests_must_list_every_item_with_a_reason(api: Api):
    case = accepted_case(api)
    task = api.open_task("clerk_tax", case["id"], "collect_tax")
    for items in ([], [{"name": "身份证"}], "身份证", [{"reason": "不清晰"}]):
        response = api.post(
            f"/api/v1/tasks/{task['id']}/request-supplement", "clerk_tax", json={"items": items}
        )
        assert response.status_code == 422, items
    assert api.get(f"/api/v1/cases/{case['id']}", "supervisor").get_json()["status"] == "running"
    other = api.post(
        f"/api/v1/tasks/{task['id']}/request-supplement",
        "clerk_registry",
        json={"items": [{"name": "x", "reason": "y"}]},
    )
    assert other.status_code == 404
    assert (
        api.post(
            f"/api/v1/cases/{case['id']}/supplement", "zhangsan", json={"data": {}}
        ).status_code
        == 409
    )
    # 李四 is the seller: a party sees the case but answers no supplement for the applicant
    assert (
        api.post(f"/api/v1/cases/{case['id']}/supplement", "lisi", json={"data": {}}).status_code
        == 403
    )


def test_a_special_procedure_pauses_the_clock_with_its_reason_and_result(api: Api):
    with time_machine.travel(at("2026-11-19T10:00:00"), tick=False):  # Thursday
        case = accepted_case(api)
        task = api.open_task("clerk_registry", case["id"], "registry_review")
    with time_machine.travel(at("2026-11-20T10:00:00"), tick=False):  # Friday
        started = api.post(
            f"/api/v1/tasks/{task['id']}/special-procedures",
            "clerk_registry",
            json={"kind": "public_notice", "reason": "公告期"},
        )
        assert started.status_code == 201, started.get_json()
        pause_id = started.get_json()["id"]
        assert started.get_json()["case"]["deadline"]["state"] == "paused"
    with time_machine.travel(at("2026-11-23T10:00:00"), tick=False):  # Monday
        ended = api.post(
            f"/api/v1/cases/{case['id']}/special-procedures/{pause_id}/end",
            "clerk_registry",
            json={"result": "公告期满无异议"},
        )
        assert ended.status_code == 200
        again = api.post(
            f"/api/v1/cases/{case['id']}/special-procedures/{pause_id}/end",
            "clerk_registry",
            json={"result": "x"},
        )
        assert again.status_code == 409
    # Friday 10:00–17:30 (6 office hours) and Monday 9:00–10:00: one working day.
    body = ended.get_json()
    assert body["deadline"]["paused_days"] == 1.0
    assert body["pauses"][0]["result"] == {"result": "公告期满无异议"}
    bad = api.post(
        f"/api/v1/tasks/{task['id']}/special-procedures",
        "clerk_registry",
        json={"kind": "nap", "reason": "x"},
    )
    assert bad.status_code == 422


# --- timers and the scheduler ------------------------------------------------------------


def test_a_boundary_timer_escalates_a_stalled_task(api: Api, govflow):
    deploy(api, "escalation.bpmn")
    with time_machine.travel(at("2026-11-19T10:00:00"), tick=False):
        case = api.start_case("escalation_demo", {})
        assert api.worklist("clerk_service_center") == []
    with time_machine.travel(at("2026-11-19T12:30:00"), tick=False):
        report = scheduler.tick(govflow)
        assert report.timers == 1
        assert scheduler.tick(govflow).timers == 0  # fired once
    urge = api.worklist("clerk_service_center")
    assert [t["bpmn_id"] for t in urge] == ["urge"]
    # Non-interrupting: the stalled review is still there for the registry.
    assert [t["bpmn_id"] for t in api.worklist("clerk_registry")] == ["review"]
    assert "timer_fired" in events(api, case["id"])


def test_two_schedulers_ticking_at_once_fire_once(api: Api, govflow):
    deploy(api, "escalation.bpmn")
    with time_machine.travel(at("2026-11-19T10:00:00"), tick=False):
        case = api.start_case("escalation_demo", {})
    # 4 office hours from 10:00 end at 15:30 (lunch 12:00–13:30 does not count).
    with time_machine.travel(at("2026-11-19T16:00:00"), tick=False):
        barrier = threading.Barrier(2)

        def tick() -> None:
            barrier.wait()
            scheduler.tick(govflow)

        threads = [threading.Thread(target=tick) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    trail = events(api, case["id"])
    assert trail.count("timer_fired") == 1
    assert trail.count("deadline_overdue") == 1  # the 4 h limit of the review
    assert [t["bpmn_id"] for t in api.worklist("clerk_service_center")] == ["urge"]


def test_what_fell_due_while_the_scheduler_was_down_fires_once_on_restart(api: Api, govflow):
    deploy(api, "escalation.bpmn")
    with time_machine.travel(at("2026-11-19T10:00:00"), tick=False):
        case = api.start_case("escalation_demo", {})
    # Days pass with no scheduler running; the first tick after restart catches up.
    with time_machine.travel(at("2026-11-23T09:30:00"), tick=False):
        first = scheduler.tick(govflow)
        second = scheduler.tick(govflow)
    assert first.timers == 1 and first.deadlines == 1
    assert second.timers == 0 and second.deadlines == 0
    trail = events(api, case["id"])
    assert trail.count("timer_fired") == 1 and trail.count("deadline_overdue") == 1


def test_a_suspended_cases_timers_wait_until_it_is_resumed(api: Api, govflow):
    deploy(api, "escalation.bpmn")
    with time_machine.travel(at("2026-11-19T10:00:00"), tick=False):
        case = api.start_case("escalation_demo", {})
        suspended = api.post(
            f"/api/v1/cases/{case['id']}/suspend",
            "supervisor",
            json={"reason": "涉及司法查封，暂停办理"},
        )
        assert suspended.status_code == 200, suspended.get_json()
    with time_machine.travel(at("2026-11-19T13:00:00"), tick=False):
        assert scheduler.tick(govflow).timers == 0
        assert api.worklist("clerk_service_center") == []
        resumed = api.post(
            f"/api/v1/cases/{case['id']}/resume", "supervisor", json={"note": "解除"}
        )
        assert resumed.status_code == 200, resumed.get_json()
        assert scheduler.tick(govflow).timers == 1
    assert [t["bpmn_id"] for t in api.worklist("clerk_service_center")] == ["urge"]
