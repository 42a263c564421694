"""延期 (Administrative Licensing Law art. 42): a clerk asks, the department head decides;
only an approval moves the due instants, and the applicant is told in writing."""

from __future__ import annotations

from datetime import timedelta

import time_machine

from engine import clock
from tests.support import Api, property_application
from tests.test_notices_api import accepted_case, inbox, notices


def ask(api: Api, case_id: int, user: str = "clerk_tax", **body):  # noqa: ANN003, ANN201
    payload = {"reason": "需要实地核验房屋现状", "working_days": 5, **body}
    return api.post(f"/api/v1/cases/{case_id}/extensions", user, json=payload)


def decide(api: Api, extension_id: int, approved: bool, user: str = "supervisor", **body):  # noqa: ANN003, ANN201
    return api.post(
        f"/api/v1/extensions/{extension_id}/decision",
        user,
        json={"approved": approved, **body},
    )


def statutory(api: Api, case_id: int) -> dict:
    case = api.get(f"/api/v1/cases/{case_id}", "supervisor").get_json()
    return case


def events_of(api: Api, case_id: int) -> list[str]:
    items = api.get(f"/api/v1/cases/{case_id}/events", "supervisor").get_json()["items"]
    return [e["action"] for e in items]


def test_an_approved_extension_moves_the_limits_and_tells_the_applicant(api: Api):
    case_id = accepted_case(api)
    before = statutory(api, case_id)["deadline"]
    asked = ask(api, case_id)
    assert asked.status_code == 201, asked.get_json()
    extension = asked.get_json()
    assert extension["status"] == "pending" and extension["working_days"] == 5
    assert extension["department"] == "tax" and extension["requested_by"] == "clerk_tax"
    # the head's worklist shows it; the supervisor's inbox announces it
    pending = api.get("/api/v1/extensions?status=pending", "supervisor").get_json()["items"]
    assert [e["id"] for e in pending] == [extension["id"]]
    assert any(n["kind"] == "extension_requested" for n in inbox(api, "supervisor"))
    # asking changed nothing yet
    assert statutory(api, case_id)["deadline"]["due_at"] == before["due_at"]

    done = decide(api, extension["id"], True, note="同意")
    assert done.status_code == 200, done.get_json()
    approved = done.get_json()
    assert approved["status"] == "approved" and approved["decided_by"] == "supervisor"
    assert approved["due_after"] > approved["due_before"]
    after = statutory(api, case_id)["deadline"]
    assert after["due_at"] > before["due_at"]  # the promised limit shown moved too
    assert after["limit"] == before["limit"] + 5

    kinds = [n["kind"] for n in notices(api, case_id)]
    assert kinds == ["acceptance", "extension"]
    told = next(n for n in inbox(api) if n["kind"] == "case_extended")
    assert "5 个工作日" in told["body"] and told["notice_id"] == approved["notice_id"]
    assert any(n["kind"] == "extension_approved" for n in inbox(api, "clerk_tax"))
    actions = events_of(api, case_id)
    assert "extension_requested" in actions and "extension_approved" in actions
    listed = api.get(f"/api/v1/cases/{case_id}/extensions", "zhangsan").get_json()["items"]
    assert [e["status"] for e in listed] == ["approved"]
    again = decide(api, extension["id"], False)
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "extension_decided"


def test_a_refused_extension_changes_nothing(api: Api):
    case_id = accepted_case(api)
    before = statutory(api, case_id)["deadline"]
    extension = ask(api, case_id).get_json()
    refused = decide(api, extension["id"], False, note="理由不充分")
    assert refused.status_code == 200 and refused.get_json()["status"] == "refused"
    assert statutory(api, case_id)["deadline"] == before
    assert [n["kind"] for n in notices(api, case_id)] == ["acceptance"]
    assert all(n["kind"] != "case_extended" for n in inbox(api))
    assert any(n["kind"] == "extension_refused" for n in inbox(api, "clerk_tax"))
    assert "extension_refused" in events_of(api, case_id)
    # a refused request no longer blocks a new one
    assert ask(api, case_id).status_code == 201


def test_an_expired_request_changes_nothing(api: Api):
    case_id = accepted_case(api)
    before = statutory(api, case_id)["deadline"]
    extension = ask(api, case_id).get_json()
    with time_machine.travel(clock.now() + timedelta(days=90), tick=False):
        late = decide(api, extension["id"], True)
        assert late.status_code == 409 and late.get_json()["error"]["code"] == "extension_expired"
        listed = api.get(f"/api/v1/cases/{case_id}/extensions", "supervisor").get_json()
        assert listed["items"][0]["status"] == "expired"
        assert statutory(api, case_id)["deadline"]["due_at"] == before["due_at"]
    assert [n["kind"] for n in notices(api, case_id)] == ["acceptance"]
    assert "extension_expired" in events_of(api, case_id)


def test_bad_requests_are_refused_and_change_nothing(api: Api):
    case_id = accepted_case(api)
    for body in (
        {"working_days": 11},
        {"working_days": 0},
        {"working_days": "5"},
        {"working_days": True},
        {"reason": ""},
        {"reason": None},
    ):
        response = ask(api, case_id, **body)
        assert response.status_code == 422, (body, response.get_json())
        assert response.get_json()["error"]["code"] == "validation_failed"
    assert ask(api, case_id, user="zhangsan").status_code == 403  # applicants do not ask
    assert ask(api, case_id, user="clerk_market").status_code == 404  # not their case
    assert api.get(f"/api/v1/cases/{case_id}/extensions", "supervisor").get_json()["total"] == 0
    # before acceptance no limit runs: nothing to extend
    fresh = api.start_case("property_transfer", property_application())["id"]
    early = ask(api, fresh, user="clerk_service_center")
    assert early.status_code == 409 and early.get_json()["error"]["code"] == "no_limit"

    first = ask(api, case_id).get_json()
    second = ask(api, case_id)
    assert second.status_code == 409 and second.get_json()["error"]["code"] == "extension_pending"
    # only the department head (a supervisor) or an administrator decides
    assert decide(api, first["id"], True, user="clerk_tax").status_code == 404
    assert decide(api, first["id"], True, user="zhangsan").status_code == 404
    bad = api.post(
        f"/api/v1/extensions/{first['id']}/decision", "supervisor", json={"approved": "yes"}
    )
    assert bad.status_code == 422
    assert (
        api.post("/api/v1/extensions/999999/decision", "admin", json={"approved": True}).status_code
        == 404
    )
    assert api.get("/api/v1/extensions", "zhangsan").status_code == 403
    still = api.get(f"/api/v1/cases/{case_id}/extensions", "supervisor").get_json()["items"]
    assert [e["status"] for e in still] == ["pending"]
