"""The clerk's verbs through the API, and every way they are refused."""

from __future__ import annotations

from tests.support import Api, property_application


def started(api: Api) -> tuple[int, dict]:
    case = api.start_case("property_transfer", property_application())
    return case["id"], api.open_task("clerk_service_center", case["id"], "acceptance")


def test_completing_a_task_twice_answers_409_and_changes_nothing(api: Api):
    case_id, task = started(api)
    assert api.complete("clerk_service_center", task["id"], {"accepted": True}).status_code == 200
    before = api.get(f"/api/v1/cases/{case_id}/events", "supervisor").get_json()["total"]
    again = api.complete("clerk_service_center", task["id"], {"accepted": False})
    assert again.status_code == 409
    assert again.get_json()["error"]["code"] == "already_completed"
    after = api.get(f"/api/v1/cases/{case_id}", "supervisor").get_json()
    assert after["data"]["accepted"] is True
    assert api.get(f"/api/v1/cases/{case_id}/events", "supervisor").get_json()["total"] == before


def test_clerk_cannot_see_or_complete_another_departments_task(api: Api):
    _case_id, task = started(api)
    assert api.get(f"/api/v1/tasks/{task['id']}", "clerk_tax").status_code == 404
    response = api.complete("clerk_tax", task["id"], {"accepted": True})
    assert response.status_code == 404
    assert api.worklist("clerk_tax") == []
    assert [t["id"] for t in api.worklist("clerk_service_center")] == [task["id"]]


def test_applicant_cannot_complete_tasks(api: Api):
    _case_id, task = started(api)
    response = api.complete("zhangsan", task["id"], {"accepted": True})
    assert response.status_code in (403, 404)
    assert api.worklist("zhangsan") == []


def test_invalid_form_data_answers_422_per_field_and_changes_nothing(api: Api):
    case_id, task = started(api)
    response = api.complete("clerk_service_center", task["id"], {"accepted": "yes", "bogus": 1})
    assert response.status_code == 422
    body = response.get_json()["error"]
    assert body["code"] == "validation_failed"
    assert set(body["details"]["fields"]) == {"accepted", "bogus"}
    case = api.get(f"/api/v1/cases/{case_id}", "supervisor").get_json()
    assert "accepted" not in case["data"]
    assert [t["status"] for t in case["tasks"]] == ["ready"]


def test_english_error_messages_on_request(api: Api):
    _case_id, task = started(api)
    response = api.client.post(
        f"/api/v1/tasks/{task['id']}/complete",
        json={"data": {}},
        headers=api.headers("clerk_service_center", **{"Accept-Language": "en"}),
    )
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["message"] == "The form has errors"
    assert error["details"]["fields"]["accepted"]


def test_claimed_task_cannot_be_taken_by_a_colleague(api: Api, app):
    from engine.models import User
    from engine.services.auth import hash_password
    from engine.uow import transaction

    with transaction(app.extensions["govflow"].db) as session:
        session.add(
            User(
                username="clerk_sc2",
                password_hash=hash_password("govflow-demo"),
                display_name="窗口二",
                roles=["clerk"],
                department_code="service_center",
            )
        )
    _case_id, task = started(api)
    assert api.post(f"/api/v1/tasks/{task['id']}/claim", "clerk_service_center").status_code == 200
    taken = api.post(f"/api/v1/tasks/{task['id']}/claim", "clerk_sc2")
    assert taken.status_code == 409 and taken.get_json()["error"]["code"] == "already_claimed"
    assert api.complete("clerk_sc2", task["id"], {"accepted": True}).status_code == 409
    mine = api.worklist("clerk_service_center", assignee="me")
    assert [t["id"] for t in mine] == [task["id"]]
    assert (
        api.post(f"/api/v1/tasks/{task['id']}/unclaim", "clerk_service_center").status_code == 200
    )
    assert api.post(f"/api/v1/tasks/{task['id']}/claim", "clerk_sc2").status_code == 200


def test_requests_without_a_valid_token_are_refused(api: Api):
    assert api.get("/api/v1/tasks").status_code == 401
    response = api.client.get("/api/v1/tasks", headers={"Authorization": "Bearer nope"})
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"
    wrong = api.client.post("/api/v1/auth/token", json={"username": "admin", "password": "x"})
    assert wrong.status_code == 401


def test_expired_tokens_are_refused(api: Api):
    from datetime import timedelta

    import time_machine

    from engine import clock

    token = api.token("clerk_tax")
    with time_machine.travel(clock.now() + timedelta(hours=13)):
        response = api.client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401


def test_applicants_see_only_their_own_cases(api: Api):
    from engine.demo import WANGFANG_ID

    # a sale 李四 is no party to (a case naming him he sees, to confirm it)
    sale = property_application(seller_name="王芳", seller_id_number=WANGFANG_ID)
    mine = api.start_case("property_transfer", sale, as_="zhangsan")
    assert api.get(f"/api/v1/cases/{mine['id']}", "lisi").status_code == 404
    assert api.get("/api/v1/cases", "lisi").get_json()["total"] == 0
    assert api.get("/api/v1/cases", "zhangsan").get_json()["total"] == 1


def test_applicants_cannot_apply_in_someone_elses_name(api: Api):
    from engine.demo import LISI_ID

    response = api.post(
        "/api/v1/cases",
        "zhangsan",
        json={
            "process_key": "property_transfer",
            "applicant": {"id_number": LISI_ID, "name": "李四"},
            "data": property_application(),
        },
    )
    assert response.status_code == 403


def test_window_clerk_starts_a_case_for_an_applicant(api: Api):
    from engine.demo import ZHANGSAN_ID

    response = api.post(
        "/api/v1/cases",
        "clerk_service_center",
        json={
            "process_key": "property_transfer",
            "applicant": {"id_number": ZHANGSAN_ID, "name": "张三"},
            "data": property_application(),
        },
    )
    assert response.status_code == 201
    assert api.get("/api/v1/cases", "zhangsan").get_json()["total"] == 1
    bad = api.post(
        "/api/v1/cases",
        "clerk_service_center",
        json={
            "process_key": "property_transfer",
            "applicant": {"id_number": "123", "name": "张三"},
            "data": property_application(),
        },
    )
    assert (
        bad.status_code == 422
        and "applicant.id_number" in bad.get_json()["error"]["details"]["fields"]
    )


def test_supervisor_sees_masked_identifiers(api: Api):
    case = api.start_case("property_transfer", property_application())
    seen = api.get(f"/api/v1/cases/{case['id']}", "supervisor").get_json()
    assert seen["applicant"]["id_number"] == "110105********1239"
    assert seen["applicant"]["name"] == "张*"
    assert seen["data"]["buyer_id_number"] == "110105********1239"
    own = api.get(f"/api/v1/cases/{case['id']}", "zhangsan").get_json()
    assert own["applicant"]["id_number"] == "110105199003071239"


def test_starting_an_unknown_matter_is_404_and_bad_application_is_422(api: Api):
    assert (
        api.post("/api/v1/cases", "zhangsan", json={"process_key": "nope", "data": {}}).status_code
        == 404
    )
    response = api.post(
        "/api/v1/cases",
        "zhangsan",
        json={
            "process_key": "property_transfer",
            "data": property_application(buyer_id_number="110105199003071230"),
        },
    )
    assert response.status_code == 422
    assert "buyer_id_number" in response.get_json()["error"]["details"]["fields"]
    assert api.get("/api/v1/cases", "zhangsan").get_json()["total"] == 0


def test_each_department_sees_its_own_worklist_query_after_query(api: Api):
    """The candidate-list condition is cached per statement: it must never serve one
    department's tasks to another."""
    api.start_case("property_transfer", property_application())
    for _ in range(3):
        assert [t["department"] for t in api.worklist("clerk_service_center")] == ["service_center"]
        assert api.worklist("clerk_tax") == []
        assert api.worklist("clerk_registry") == []
