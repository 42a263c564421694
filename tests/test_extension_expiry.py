"""延期 requests the department head never answered expire: the scheduler's sweep marks
them expired once their case's limit has run out (or the case closed), with an audit
event, and changes nothing else (issue 16 item 3)."""

from __future__ import annotations

from datetime import timedelta

import time_machine

from engine import clock, scheduler
from tests.support import Api
from tests.test_extensions import ask, decide, events_of, statutory
from tests.test_notices_api import accepted_case, inbox, notices


def _extension(api: Api, case_id: int) -> dict:
    [item] = api.get(f"/api/v1/cases/{case_id}/extensions", "supervisor").get_json()["items"]
    return item


def test_an_unanswered_request_expires_when_the_limit_runs_out_and_changes_nothing_else(
    api: Api, govflow
):
    case_id = accepted_case(api)
    before = statutory(api, case_id)["deadline"]
    asked = ask(api, case_id)
    assert asked.status_code == 201, asked.get_json()
    # Within the limit the sweep leaves it for the head to decide.
    assert scheduler.tick(govflow).extensions == 0
    assert _extension(api, case_id)["status"] == "pending"
    told_before = [n["id"] for n in inbox(api, "zhangsan") if n["case_id"] == case_id]

    with time_machine.travel(clock.now() + timedelta(days=90), tick=False):
        # A request asked on a fresh case meanwhile is not touched.
        fresh_id = accepted_case(api)
        assert ask(api, fresh_id).status_code == 201
        report = scheduler.tick(govflow)
        assert report.extensions == 1 and report.errors == 0
        expired = _extension(api, case_id)
        assert expired["status"] == "expired" and expired["decided_by"] is None
        assert _extension(api, fresh_id)["status"] == "pending"
        # nothing else changed: the limit, the notices, the applicant's inbox
        assert statutory(api, case_id)["deadline"]["due_at"] == before["due_at"]
        assert [n["kind"] for n in notices(api, case_id)] == ["acceptance"]
        told = [n["id"] for n in inbox(api, "zhangsan") if n["case_id"] == case_id]
        assert told == told_before
        # the head's worklist no longer offers it, and a late decision is refused
        pending = api.get("/api/v1/extensions?status=pending", "supervisor").get_json()["items"]
        assert [e["case_id"] for e in pending] == [fresh_id]
        late = decide(api, expired["id"], True)
        assert late.status_code == 409
        assert late.get_json()["error"]["code"] == "extension_decided"
        # a second sweep finds nothing more
        assert scheduler.tick(govflow).extensions == 0
    trail = api.get(f"/api/v1/cases/{case_id}/events", "supervisor").get_json()["items"]
    [event] = [e for e in trail if e["action"] == "extension_expired"]
    assert event["actor"] == "system"
    assert event["details"]["extension_id"] == expired["id"]
    assert events_of(api, case_id).count("extension_expired") == 1
