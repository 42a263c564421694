"""Departments and users, administered through the API (issue 18, API.md).

The outside check first: an administrator creates a department and a clerk; the clerk
signs in and sees the department's worklist; a model naming the new department deploys
and its tasks reach that clerk; deactivating the clerk stops their token at once.  Then
every bad input: each answers its error and changes nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from engine.models import AuditEvent, Department, User
from engine.uow import read_only
from tests.support import Api
from tests.test_deploy import deploy, error_of, refused_elements

FIXTURES = Path(__file__).parent / "fixtures" / "bpmn"
HARBOUR = {
    "code": "harbour",
    "name": {"zh": "港务局", "en": "Harbour Bureau"},
    "kind": "harbour",
    "parent": None,
    "division": "110105",
    "active": True,
}
CLERK_PASSWORD = "Harbour-clerk-2026"


def sign_in(api: Api, username: str, password: str) -> Any:
    return api.client.post("/api/v1/auth/token", json={"username": username, "password": password})


def token_of(api: Api, username: str, password: str) -> str:
    response = sign_in(api, username, password)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["token"]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def put(api: Api, path: str, as_: str, body: Any) -> Any:
    return api.client.put(path, headers=api.headers(as_), json=body)


def create_harbour_and_clerk(api: Api) -> None:
    created = api.post("/api/v1/departments", "admin", json=HARBOUR)
    assert created.status_code == 201, created.get_json()
    clerk = {
        "username": "clerk_harbour",
        "display_name": "港务局办事员",
        "roles": ["clerk"],
        "department": "harbour",
        "password": CLERK_PASSWORD,
    }
    response = api.post("/api/v1/users", "admin", json=clerk)
    assert response.status_code == 201, response.get_json()


def harbour_model() -> bytes:
    """window_review with the review offered to the new department by code and the tax
    check put in a lane named with its Chinese name."""
    xml = (FIXTURES / "window_review.bpmn").read_text(encoding="utf-8")
    xml = xml.replace('camunda:candidateGroups="registry"', 'camunda:candidateGroups="harbour"')
    xml = xml.replace('name="税务局"', 'name="港务局"')
    return xml.replace("window_review", "harbour_review").encode("utf-8")


def events(app: Any, action: str) -> list[AuditEvent]:
    with read_only(app.extensions["govflow"].db) as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


# --- the outside check -----------------------------------------------------------------


def test_a_department_and_clerk_made_through_the_api_receive_a_deployed_models_work(api, app):
    create_harbour_and_clerk(api)
    listed = api.get("/api/v1/departments", "clerk_tax", query_string={"per_page": 100})
    assert HARBOUR in listed.get_json()["items"]
    token = token_of(api, "clerk_harbour", CLERK_PASSWORD)
    worklist = api.client.get("/api/v1/tasks", headers=bearer(token))
    assert worklist.status_code == 200 and worklist.get_json()["items"] == []

    deployed = deploy(api, harbour_model())
    assert deployed.status_code == 201, deployed.get_json()
    tasks = {t["id"]: t["departments"] for t in deployed.get_json()["user_tasks"]}
    assert tasks["review"] == ["harbour"] and tasks["tax_check"] == ["harbour"]

    case = api.start_case("harbour_review", {})
    api.claim_and_complete("clerk_service_center", case["id"], "acceptance", {"accepted": True})
    items = api.client.get("/api/v1/tasks", headers=bearer(token)).get_json()["items"]
    assert [(t["bpmn_id"], t["department"]) for t in items] == [("review", "harbour")]
    assert all(t["case_id"] != case["id"] for t in api.worklist("clerk_registry"))
    task_id = items[0]["id"]
    assert (
        api.client.post(f"/api/v1/tasks/{task_id}/claim", headers=bearer(token)).status_code == 200
    )
    done = api.client.post(
        f"/api/v1/tasks/{task_id}/complete",
        headers=bearer(token),
        json={"data": {"approved": True}},
    )
    assert done.status_code == 200, done.get_json()
    items = api.client.get("/api/v1/tasks", headers=bearer(token)).get_json()["items"]
    assert [t["bpmn_id"] for t in items if t["status"] == "ready"] == ["tax_check"]
    assert [e.details["department"] for e in events(app, "department_created")] == ["harbour"]
    assert [e.details["user"] for e in events(app, "user_created")] == ["clerk_harbour"]


def test_a_deactivated_clerks_token_stops_working_at_once(api, app):
    create_harbour_and_clerk(api)
    token = token_of(api, "clerk_harbour", CLERK_PASSWORD)
    assert api.client.get("/api/v1/me", headers=bearer(token)).status_code == 200

    response = put(api, "/api/v1/users/clerk_harbour", "admin", {"active": False})

    assert response.status_code == 200 and response.get_json()["active"] is False
    error_of(api.client.get("/api/v1/tasks", headers=bearer(token)), 401, "unauthorized")
    error_of(api.client.get("/api/v1/me", headers=bearer(token)), 401, "unauthorized")
    error_of(sign_in(api, "clerk_harbour", CLERK_PASSWORD), 401, "unauthorized")
    # reactivated, the old token stays dead: deactivation ended it
    assert put(api, "/api/v1/users/clerk_harbour", "admin", {"active": True}).status_code == 200
    error_of(api.client.get("/api/v1/me", headers=bearer(token)), 401, "unauthorized")
    assert sign_in(api, "clerk_harbour", CLERK_PASSWORD).status_code == 200
    changes = [e.details["after"]["active"] for e in events(app, "user_changed")]
    assert changes == [False, True]


def test_a_deactivated_users_page_session_ends_at_once(api, app):
    create_harbour_and_clerk(api)
    browser = app.test_client()
    page = browser.get("/login")
    assert page.status_code == 200
    with browser.session_transaction() as session:
        csrf = session["_csrf"]
    signed_in = browser.post(
        "/login",
        data={"username": "clerk_harbour", "password": CLERK_PASSWORD, "csrf_token": csrf},
    )
    assert signed_in.status_code == 302
    assert browser.get("/worklist").status_code == 200

    put(api, "/api/v1/users/clerk_harbour", "admin", {"active": False})

    again = browser.get("/worklist")
    assert again.status_code == 302 and "/login" in again.headers["Location"]


# --- changing departments and users ------------------------------------------------------


def test_a_department_is_renamed_moved_and_deactivated(api, app):
    create_harbour_and_clerk(api)
    renamed = put(
        api,
        "/api/v1/departments/harbour",
        "admin",
        {"name": {"zh": "港口管理局", "en": "Port Authority"}, "parent": "housing"},
    )
    assert renamed.status_code == 200, renamed.get_json()
    assert renamed.get_json()["name"]["zh"] == "港口管理局"
    assert renamed.get_json()["parent"] == "housing"
    under = api.get("/api/v1/departments", "admin", query_string={"parent": "housing"})
    assert [d["code"] for d in under.get_json()["items"]] == ["harbour"]

    off = put(api, "/api/v1/departments/harbour", "admin", {"active": False})
    assert off.status_code == 200 and off.get_json()["active"] is False
    # a model naming a deactivated department is refused; its clerk cannot be re-homed there
    assert "review" in refused_elements(deploy(api, harbour_model()))
    moved = put(api, "/api/v1/users/clerk_tax2", "admin", {"department": "harbour"})
    assert error_of(moved, 422, "validation_failed")["details"]["fields"]["department"]
    inactive = api.get("/api/v1/departments", "admin", query_string={"active": "false"})
    assert [d["code"] for d in inactive.get_json()["items"]] == ["harbour"]
    changed = events(app, "department_changed")
    assert [(e.details["before"]["active"], e.details["after"]["active"]) for e in changed] == [
        (True, True),
        (True, False),
    ]


def test_deactivating_a_department_with_open_tasks_needs_a_successor_who_gets_the_queue(api, app):
    create_harbour_and_clerk(api)
    assert deploy(api, harbour_model()).status_code == 201
    case = api.start_case("harbour_review", {})
    api.claim_and_complete("clerk_service_center", case["id"], "acceptance", {"accepted": True})

    refused = put(api, "/api/v1/departments/harbour", "admin", {"active": False})
    error = error_of(refused, 409, "department_has_open_tasks")
    assert error["details"]["open_tasks"] == 1
    assert api.get("/api/v1/departments/harbour", "admin").get_json()["active"] is True

    response = put(
        api, "/api/v1/departments/harbour", "admin", {"active": False, "successor": "registry"}
    )

    assert response.status_code == 200, response.get_json()
    review = api.open_task("clerk_registry", case["id"], "review")
    assert review["department"] == "registry"
    moved = events(app, "task_moved_to_successor")
    assert [(e.case_id, e.details["to_department"]) for e in moved] == [(case["id"], "registry")]


def test_a_password_reset_makes_the_user_choose_a_new_one_first(api, app):
    create_harbour_and_clerk(api)
    reset = put(api, "/api/v1/users/clerk_harbour", "admin", {"password": "Temporary-pass-1"})
    assert reset.status_code == 200 and reset.get_json()["must_change_password"] is True
    error_of(sign_in(api, "clerk_harbour", CLERK_PASSWORD), 401, "unauthorized")
    token = token_of(api, "clerk_harbour", "Temporary-pass-1")
    error_of(
        api.client.get("/api/v1/tasks", headers=bearer(token)), 403, "password_change_required"
    )
    me = api.client.get("/api/v1/me", headers=bearer(token)).get_json()
    assert me["must_change_password"] is True

    weak = api.client.post(
        "/api/v1/me/password",
        headers=bearer(token),
        json={"current_password": "Temporary-pass-1", "new_password": "short"},
    )
    assert error_of(weak, 422, "validation_failed")["details"]["fields"]["new_password"]
    wrong = api.client.post(
        "/api/v1/me/password",
        headers=bearer(token),
        json={"current_password": "nope", "new_password": "Chosen-by-me-2026"},
    )
    assert set(error_of(wrong, 422, "validation_failed")["details"]["fields"]) == {
        "current_password"
    }
    changed = api.client.post(
        "/api/v1/me/password",
        headers=bearer(token),
        json={"current_password": "Temporary-pass-1", "new_password": "Chosen-by-me-2026"},
    )
    assert changed.status_code == 200 and changed.get_json()["must_change_password"] is False
    assert api.client.get("/api/v1/tasks", headers=bearer(token)).status_code == 200
    assert events(app, "user_changed")[0].details["password_reset"] is True
    assert [e.actor for e in events(app, "password_changed")] == ["clerk_harbour"]


def test_the_user_list_is_paginated_and_filtered(api):
    response = api.get("/api/v1/users", "admin", query_string={"role": "clerk", "per_page": 5})
    body = response.get_json()
    assert response.status_code == 200 and body["per_page"] == 5 and len(body["items"]) == 5
    assert body["total"] == 15  # ten departments' clerks, the two second clerks, Haidian's three
    assert set(body["items"][0]) >= {"username", "display_name", "roles", "department", "active"}
    tax = api.get("/api/v1/users", "admin", query_string={"department": "tax"}).get_json()
    assert [u["username"] for u in tax["items"]] == ["clerk_tax", "clerk_tax2"]


# --- bad input ---------------------------------------------------------------------------


def _unchanged(app: Any, code: str = "harbour") -> tuple[Any, ...]:
    with read_only(app.extensions["govflow"].db) as session:
        d = session.get(Department, code)
        return (d.name_zh, d.parent_code, d.active) if d else None


def test_duplicate_codes_and_usernames_answer_409(api, app):
    create_harbour_and_clerk(api)
    twin = {**HARBOUR, "name": {"zh": "另一个", "en": "Another"}}
    error_of(api.post("/api/v1/departments", "admin", json=twin), 409, "conflict")
    assert _unchanged(app) == ("港务局", None, True)
    user = {
        "username": "clerk_tax",
        "display_name": "冒名",
        "roles": ["clerk"],
        "department": "tax",
        "password": "Another-strong-1",
    }
    error_of(api.post("/api/v1/users", "admin", json=user), 409, "conflict")
    with read_only(app.extensions["govflow"].db) as session:
        assert (
            session.scalar(select(User.display_name).where(User.username == "clerk_tax")) != "冒名"
        )


def test_cycles_and_unknown_parents_are_refused_with_422(api, app):
    create_harbour_and_clerk(api)
    pier = {"code": "pier", "name": {"zh": "码头", "en": "Pier"}, "parent": "harbour"}
    assert api.post("/api/v1/departments", "admin", json=pier).status_code == 201
    for body in ({"parent": "pier"}, {"parent": "harbour"}, {"parent": "no_such"}):
        response = put(api, "/api/v1/departments/harbour", "admin", body)
        assert error_of(response, 422, "validation_failed")["details"]["fields"]["parent"]
    orphan = {"code": "orphan", "name": {"zh": "孤儿", "en": "Orphan"}, "parent": "no_such"}
    error_of(api.post("/api/v1/departments", "admin", json=orphan), 422, "validation_failed")
    assert _unchanged(app) == ("港务局", None, True) and _unchanged(app, "orphan") is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**HARBOUR, "code": "Harbour Bureau"}, "code"),
        ({**HARBOUR, "name": {"zh": "港务局"}}, "name"),
        ({**HARBOUR, "division": "11010"}, "division"),
        ({**HARBOUR, "colour": "blue"}, "colour"),
    ],
)
def test_malformed_departments_are_refused_field_by_field(api, app, body, field):
    response = api.post("/api/v1/departments", "admin", json=body)
    assert field in error_of(response, 422, "validation_failed")["details"]["fields"]
    assert _unchanged(app) is None


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"password": "short"}, "password"),
        ({"password": "alllowercaseletters"}, "password"),
        ({"password": "xx-clerk_new-xx"}, "password"),
        ({"roles": ["clerk"], "department": None}, "department"),
        ({"roles": ["wizard"]}, "roles"),
        ({"department": "no_such"}, "department"),
        ({"roles": ["applicant"], "department": None}, "id_number"),
    ],
)
def test_bad_users_are_refused_and_nothing_is_created(api, app, change, field):
    user = {
        "username": "clerk_new",
        "display_name": "新办事员",
        "roles": ["clerk"],
        "department": "tax",
        "password": "Strong-enough-1",
        **change,
    }
    response = api.post("/api/v1/users", "admin", json=user)
    assert field in error_of(response, 422, "validation_failed")["details"]["fields"]
    with read_only(app.extensions["govflow"].db) as session:
        assert session.scalar(select(User).where(User.username == "clerk_new")) is None


def test_only_administrators_change_the_directory(api, app):
    for who in ("clerk_tax", "supervisor", "designer", "zhangsan"):
        error_of(api.post("/api/v1/departments", who, json=HARBOUR), 403, "forbidden")
        error_of(put(api, "/api/v1/departments/tax", who, {"active": False}), 403, "forbidden")
        error_of(api.get("/api/v1/users", who), 403, "forbidden")
        error_of(put(api, "/api/v1/users/clerk_tax", who, {"active": False}), 403, "forbidden")
    assert _unchanged(app) is None and _unchanged(app, "tax") == ("税务局", "chaoyang", True)
    error_of(api.client.get("/api/v1/departments"), 401, "unauthorized")


def test_unknown_codes_and_usernames_answer_404(api):
    error_of(put(api, "/api/v1/departments/no_such", "admin", {"active": False}), 404, "not_found")
    error_of(api.get("/api/v1/departments/no_such", "admin"), 404, "not_found")
    error_of(put(api, "/api/v1/users/nobody", "admin", {"active": False}), 404, "not_found")


def test_the_last_administrator_cannot_be_deactivated_or_demoted(api, app):
    error_of(put(api, "/api/v1/users/admin", "admin", {"active": False}), 409, "last_admin")
    error_of(
        put(api, "/api/v1/users/admin", "admin", {"roles": ["clerk"], "department": "tax"}),
        409,
        "last_admin",
    )
    assert api.get("/api/v1/users/admin", "admin").get_json()["active"] is True


def test_a_successor_must_be_an_active_other_department(api):
    create_harbour_and_clerk(api)
    for successor in ("harbour", "no_such"):
        body = {"active": False, "successor": successor}
        response = put(api, "/api/v1/departments/harbour", "admin", body)
        assert error_of(response, 422, "validation_failed")["details"]["fields"]["successor"]
    keep = put(api, "/api/v1/departments/harbour", "admin", {"successor": "tax"})
    assert error_of(keep, 422, "validation_failed")["details"]["fields"]["successor"]


def test_a_deactivated_clerks_claimed_tasks_go_back_to_the_queue(api, app):
    create_harbour_and_clerk(api)
    assert deploy(api, harbour_model()).status_code == 201
    case = api.start_case("harbour_review", {})
    api.claim_and_complete("clerk_service_center", case["id"], "acceptance", {"accepted": True})
    token = token_of(api, "clerk_harbour", CLERK_PASSWORD)
    review = api.client.get("/api/v1/tasks", headers=bearer(token)).get_json()["items"][0]
    assert (
        api.client.post(f"/api/v1/tasks/{review['id']}/claim", headers=bearer(token)).status_code
        == 200
    )

    put(api, "/api/v1/users/clerk_harbour", "admin", {"active": False})

    task = api.get(f"/api/v1/tasks/{review['id']}", "supervisor").get_json()
    assert (task["status"], task["assignee"], task["department"]) == ("ready", None, "harbour")
    released = events(app, "task_released")
    assert [(e.case_id, e.details["previous"]) for e in released] == [(case["id"], "clerk_harbour")]


def test_one_id_number_belongs_to_one_account(api, app):
    from engine.demo import ZHANGSAN_ID

    twin = {
        "username": "zhangsan2",
        "display_name": "张三",
        "roles": ["applicant"],
        "id_number": ZHANGSAN_ID,
        "password": "Another-strong-1",
    }
    error_of(api.post("/api/v1/users", "admin", json=twin), 409, "conflict")
    other = put(api, "/api/v1/users/lisi", "admin", {"id_number": ZHANGSAN_ID})
    error_of(other, 409, "conflict")
    with read_only(app.extensions["govflow"].db) as session:
        assert session.scalar(select(User.id).where(User.username == "zhangsan2")) is None
    same = put(api, "/api/v1/users/zhangsan", "admin", {"id_number": ZHANGSAN_ID})
    assert same.status_code == 200


def test_a_countersign_routed_at_run_time_to_a_deactivated_department_fails_the_step(api):
    """Deploy cannot see a 会签 collection taken from case data; the step that would open
    an instance for a deactivated department fails instead, and nothing changes."""
    from tests.test_verbs_countersign import deploy as deploy_countersign
    from tests.test_verbs_countersign import open_rows

    create_harbour_and_clerk(api)
    assert put(api, "/api/v1/departments/harbour", "admin", {"active": False}).status_code == 200
    assert deploy_countersign(api, "countersign_all.bpmn").status_code in (200, 201)
    case = api.start_case("countersign_all", {"departments": ["tax", "harbour"]})
    task = api.open_task("clerk_service_center", case["id"], "intake")
    api.post(f"/api/v1/tasks/{task['id']}/claim", "clerk_service_center")
    error_of(api.complete("clerk_service_center", task["id"], {}), 422, "workflow_error")
    assert open_rows(api, case["id"]) == [("intake", "service_center")]


def test_the_published_demo_password_is_refused_outside_a_demo_database():
    from engine.directory.passwords import weaknesses

    assert weaknesses("govflow-demo", "clerk_new", demo=False)
    assert not weaknesses("govflow-demo", "clerk_new", demo=True)
    # the first administrator never gets it, demo or not
    assert weaknesses("govflow-demo", "chief", demo=True, strict=True)
