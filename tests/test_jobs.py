"""Pulls from the exchange platform are jobs: no network call inside a case's transaction,
answers applied once, retried with backoff, surviving a runner that dies."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from engine import clock
from engine.jobs import queue
from engine.jobs.models import DONE, FAILED, PENDING, RUNNING, Job
from engine.services import jobs
from engine.uow import read_only, run_in_transaction
from tests.shared_data_support import FakePlatform, configure, materials
from tests.support import Api, business_application, property_application

PROPERTY_MATERIALS = ("property_certificate", "parcel_map", "floor_plan")


@pytest.fixture
def platform(api: Api):  # noqa: ANN201
    fake = FakePlatform()
    with fake.running():
        response = configure(
            api, "property", kind="http", url=fake.url, timeout_seconds=0.5, retries=0
        )
        assert response.status_code == 200, response.get_json()
        yield fake


def _jobs(govflow) -> list[Job]:  # noqa: ANN001
    with read_only(govflow.db) as session:
        return list(session.scalars(select(Job).order_by(Job.id)))


def _case(api: Api, case_id: int) -> dict:
    return api.get(f"/api/v1/cases/{case_id}", "zhangsan").get_json()


def _window_tasks(api: Api, case_id: int) -> list[dict]:
    return [
        t
        for t in api.worklist("clerk_service_center")
        if t["case_id"] == case_id and t["bpmn_id"] == "acceptance"
    ]


def test_the_case_shows_records_being_fetched_and_the_window_waits_for_them(
    api: Api, govflow, platform: FakePlatform
):
    case = api.start_case("property_transfer", property_application(), fetched=False)
    # The step committed without asking: the platform has not been called yet.
    assert platform.requests == []
    assert case["fetching"] == ["property:certificate_no"]
    mats = materials(case)
    for code in PROPERTY_MATERIALS:
        assert mats[code]["status"] == "missing" and mats[code]["action"] == "wait"
        assert mats[code]["source"]["outcome"] == "fetching"
    assert _window_tasks(api, case["id"]) == []  # the window's task waits for the answer
    [job] = _jobs(govflow)
    assert (job.kind, job.state, job.case_id) == ("shared_data.pull", PENDING, case["id"])

    assert jobs.run_due(govflow).done == 1
    after = _case(api, case["id"])
    assert after["fetching"] == []
    assert after["data"]["property"]["area"] == 89.5
    assert all(materials(after)[c]["status"] == "shared" for c in PROPERTY_MATERIALS)
    assert len(_window_tasks(api, case["id"])) == 1
    assert [j.state for j in _jobs(govflow)] == [DONE]


def test_the_call_is_made_with_no_transaction_open_other_cases_go_on(
    api: Api, govflow, platform: FakePlatform
):
    case = api.start_case("property_transfer", property_application(), fetched=False)
    asked, release = threading.Event(), threading.Event()

    def hold(body: dict) -> None:  # the platform takes its time
        asked.set()
        release.wait(10)

    platform.on_request = hold
    runner = threading.Thread(target=jobs.run_due, args=(govflow,))
    runner.start()
    try:
        assert asked.wait(5)
        # While the platform keeps the call open, another case's command (a write) runs.
        began = time.monotonic()
        other = api.start_case("business_startup", business_application(), fetched=False)
        took = time.monotonic() - began
        assert not release.is_set() and took < 3.0
        assert other["status"] == "running"
    finally:
        release.set()
        runner.join(10)
    assert _case(api, case["id"])["data"]["property"]["area"] == 89.5


def test_a_repeated_or_late_answer_changes_nothing(api: Api, govflow, platform: FakePlatform):
    case_id = api.start_case("property_transfer", property_application(), fetched=False)["id"]
    [claimed] = run_in_transaction(govflow.db, lambda s: queue.claim_due(s, 5))
    handler = jobs.handler_for(claimed.kind)
    answer = handler.perform(govflow, claimed)
    handler.apply(govflow, claimed, answer)
    settled = _case(api, case_id)
    # The same answer again (a runner that died before recording the job done).
    handler.apply(govflow, claimed, answer)
    # A late answer saying the opposite.
    handler.apply(govflow, claimed, {"outcome": "unavailable", "reason": "late"})
    again = _case(api, case_id)
    for key in ("data", "materials", "tasks", "status", "materials_summary"):
        assert again[key] == settled[key]
    assert len(_window_tasks(api, case_id)) == 1
    events = api.get(f"/api/v1/cases/{case_id}/events", "admin").get_json()["items"]
    assert sum(e["action"] == "shared_data_answer_ignored" for e in events) == 2


def test_an_answer_for_a_case_that_moved_on_is_kept_without_moving_it_back(
    api: Api, govflow, platform: FakePlatform
):
    case_id = api.start_case("property_transfer", property_application(), fetched=False)["id"]
    [claimed] = run_in_transaction(govflow.db, lambda s: queue.claim_due(s, 5))
    answer = jobs.handler_for(claimed.kind).perform(govflow, claimed)
    ended = api.post(
        f"/api/v1/cases/{case_id}/terminate", "supervisor", json={"reason": "申请人撤回申请"}
    )
    assert ended.status_code == 200, ended.get_json()
    jobs.handler_for(claimed.kind).apply(govflow, claimed, answer)
    after = _case(api, case_id)
    assert after["status"] == "terminated"
    assert [t for t in after["tasks"] if t["status"] in ("ready", "claimed")] == []
    # The record is on the case (the trail says it came late), the case did not reopen.
    assert materials(after)["property_certificate"]["source"]["outcome"] == "found"
    events = api.get(f"/api/v1/cases/{case_id}/events", "admin").get_json()["items"]
    assert any(e["action"] == "shared_data_answer_late" for e in events)


def test_a_job_claimed_by_a_runner_that_died_is_made_again_after_its_lease(
    api: Api, govflow, platform: FakePlatform
):
    case_id = api.start_case("property_transfer", property_application(), fetched=False)["id"]
    # A runner claims the job and dies before making the call (kill -9).
    [claimed] = run_in_transaction(govflow.db, lambda s: queue.claim_due(s, 5))
    assert [j.state for j in _jobs(govflow)] == [RUNNING]
    assert jobs.run_due(govflow).done == 0  # its lease holds it meanwhile
    with time_machine.travel(clock.now() + queue.LEASE + timedelta(seconds=1), tick=False):
        report = jobs.run_due(govflow)
    assert report.done == 1
    [job] = _jobs(govflow)
    assert (job.state, job.attempts) == (DONE, 2)
    assert _case(api, case_id)["data"]["property"]["area"] == 89.5
    assert claimed.attempts == 1


def test_a_platform_down_is_retried_with_growing_pauses_then_falls_back_to_upload(
    api: Api, govflow, platform: FakePlatform
):
    platform.mode = "down"
    case_id = api.start_case("property_transfer", property_application(), fetched=False)["id"]
    start = clock.now()
    pauses = []
    with time_machine.travel(start, tick=False) as traveller:
        for attempt in range(1, govflow.settings.job_attempts):
            assert jobs.run_due(govflow).retried == 1
            [job] = _jobs(govflow)
            assert (job.state, job.attempts) == (PENDING, attempt)
            assert "HTTP 503" in job.last_error
            pauses.append((job.next_attempt_at - clock.now()).total_seconds())
            assert jobs.run_due(govflow).retried == 0  # not due before the pause is over
            assert _window_tasks(api, case_id) == []  # still fetching: the window waits
            traveller.move_to(job.next_attempt_at)
        assert jobs.run_due(govflow).failed == 1
    assert pauses == [5.0, 10.0, 20.0]  # GOVFLOW_JOB_RETRY_SECONDS, doubling
    [job] = _jobs(govflow)
    assert job.state == FAILED and "HTTP 503" in job.last_error
    assert len(platform.requests) == govflow.settings.job_attempts
    case = _case(api, case_id)
    for code in PROPERTY_MATERIALS:
        material = materials(case)[code]
        assert material["status"] == "missing" and material["action"] == "upload"
        assert material["source"]["outcome"] == "unavailable"
    assert len(_window_tasks(api, case_id)) == 1  # the fall-back: the window takes it


def test_administrators_see_the_queue(api: Api, govflow, platform: FakePlatform):
    platform.mode = "down"
    case_id = api.start_case("property_transfer", property_application(), fetched=False)["id"]
    jobs.run_due(govflow)
    response = api.get("/api/v1/admin/jobs", "admin", query_string={"state": "pending"})
    assert response.status_code == 200, response.get_json()
    [item] = response.get_json()["items"]
    assert item["case_id"] == case_id and item["attempts"] == 1
    assert item["summary"] == {
        "provider": "property",
        "field": "certificate_no",
        "purpose": "property_transfer/pull_property",
    }
    assert "HTTP 503" in item["last_error"]
    assert "key" not in item["summary"]  # the lookup key (personal data) is not shown
    assert api.get("/api/v1/admin/jobs", "supervisor").status_code == 403
    assert api.get("/api/v1/admin/jobs", "admin", query_string={"state": "x"}).status_code == 400


def test_the_administrators_page_lists_the_calls_by_state(app, api: Api, govflow, platform):  # noqa: ANN001
    from tests.test_pages import Browser, _text

    platform.mode = "down"
    case_id = api.start_case("property_transfer", property_application(), fetched=False)["id"]
    jobs.run_due(govflow)
    page = Browser(app, "admin").get("/admin/jobs?state=pending")
    assert page.status_code == 200
    text = _text(page)
    assert "外部调用队列" in text and "HTTP 503" in text and "等待办理 (1)" in text
    assert f'href="/cases/{case_id}"' in page.get_data(as_text=True)
    assert Browser(app, "supervisor").get("/admin/jobs").status_code == 403


def test_the_scheduler_process_runs_the_due_jobs(api: Api, govflow, platform: FakePlatform):
    from engine import scheduler

    case_id = api.start_case("property_transfer", property_application(), fetched=False)["id"]
    scheduler.run_jobs(govflow)  # what the scheduler's second interval job does each second
    assert [j.state for j in _jobs(govflow)] == [DONE]
    assert len(_window_tasks(api, case_id)) == 1
