"""Request shapes a fuzzer or an attacker sends answer 4xx, never 500, and store nothing.

Each shape once caused a server error (issues 13/14); all are now refused where requests
are read (web/api/parsing.py, web/schemas), before any engine code runs.
"""

from __future__ import annotations

import json

import pytest

from tests.support import Api, business_application

MAX_ID = 2**63 - 1  # what fuzzers send
MAX_ROW_ID = 2**31 - 1  # what an INTEGER id column holds


def _raw_post(api: Api, path: str, text: str, as_: str = "zhangsan"):  # noqa: ANN202
    headers = api.headers(as_, **{"Content-Type": "application/json"})
    return api.client.post(path, data=text.encode("utf-8"), headers=headers)


def _case_count(api: Api) -> int:
    return api.get("/api/v1/cases", "supervisor").get_json()["total"]


def _application(**data: object) -> str:
    body = {"process_key": "business_startup", "data": business_application(**data)}
    return json.dumps(body, ensure_ascii=True)


def _assert_refused(response, status: int = 400, code: str = "bad_request") -> None:  # noqa: ANN001
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.get_json()["error"]["code"] == code


def test_a_lone_surrogate_in_a_json_string_is_refused_and_nothing_is_stored(api: Api):
    before = _case_count(api)
    # json.dumps writes U+D800 as the escape \ud800: valid JSON syntax, invalid Unicode.
    poisoned = _application(company_name="\ud800张三科技")
    assert "\\ud800" in poisoned

    _assert_refused(_raw_post(api, "/api/v1/cases", poisoned))
    key = json.dumps({"\udfff": 1})  # in a key as well as in a value
    _assert_refused(_raw_post(api, "/api/v1/cases", key))

    assert _case_count(api) == before
    assert api.get("/api/v1/cases", "zhangsan").status_code == 200


def test_invalid_utf8_is_refused(api: Api):
    headers = api.headers("zhangsan", **{"Content-Type": "application/json"})
    response = api.client.post(
        "/api/v1/cases", data=b'{"process_key": "\xff\xfe"}', headers=headers
    )
    _assert_refused(response)


@pytest.mark.parametrize("depth", [33, 1_000, 100_000])
def test_deeply_nested_json_is_refused(api: Api, depth: int):
    nested = "[" * depth + "]" * depth
    body = f'{{"process_key": "business_startup", "data": {{"x": {nested}}}}}'
    _assert_refused(_raw_post(api, "/api/v1/cases", body))


def test_json_nested_as_deep_as_real_documents_is_read(api: Api):
    nested = "[" * 20 + "]" * 20
    body = f'{{"process_key": "business_startup", "data": {{"x": {nested}}}}}'
    # read (and then judged by the application form, which has no field 'x')
    assert _raw_post(api, "/api/v1/cases", body).status_code != 400


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_refused_and_never_stored(api: Api, constant: str):
    before = _case_count(api)
    body = _application(registered_capital="CONSTANT").replace('"CONSTANT"', constant)
    assert constant in body
    _assert_refused(_raw_post(api, "/api/v1/cases", body))
    assert _case_count(api) == before


@pytest.mark.parametrize(
    "path",
    [
        f"/api/v1/cases/{MAX_ID + 1}",
        "/api/v1/cases/99999999999999999999999999",
        f"/api/v1/cases/{MAX_ID + 1}/events",
        f"/api/v1/models/{MAX_ID + 1}",
        "/api/v1/cases/0",
        "/api/v1/cases/%C2%B3",  # ³
        "/api/v1/cases/%D9%A3",  # ٣ (Arabic-Indic three: int() would read it as 3)
        "/api/v1/calendar/99999",
        "/api/v1/calendar/0",
    ],
)
def test_path_ids_that_fit_no_column_name_nothing(api: Api, path: str):
    _assert_refused(api.get(path, "supervisor"), 404, "not_found")


def test_the_largest_id_is_simply_not_found(api: Api):
    for case_id in (MAX_ROW_ID, MAX_ROW_ID + 1, MAX_ID):
        _assert_refused(api.get(f"/api/v1/cases/{case_id}", "supervisor"), 404, "not_found")
    response = api.post(f"/api/v1/cases/{MAX_ID}/terminate", "supervisor", json={"reason": "x"})
    _assert_refused(response, 404, "not_found")


@pytest.mark.parametrize(
    ("path", "query"),
    [
        ("/api/v1/cases", {"page": str(MAX_ID + 1)}),
        ("/api/v1/cases", {"page": str(2**40)}),
        ("/api/v1/tasks", {"per_page": str(2**64)}),
        ("/api/v1/tasks", {"page": "0"}),
        ("/api/v1/cases", {"page": "-1"}),
        ("/api/v1/cases", {"page": "³"}),
        ("/api/v1/audit/data-access", {"case_id": str(MAX_ID + 1)}),
        ("/api/v1/audit/data-access", {"case_id": "٣"}),
        ("/api/v1/process-definitions/business_startup", {"version": str(MAX_ID + 1)}),
        ("/api/v1/process-definitions/business_startup", {"version": str(MAX_ROW_ID + 1)}),
        ("/api/v1/audit/data-access", {"case_id": str(MAX_ID)}),
        ("/api/v1/process-definitions/business_startup", {"version": "³"}),
        ("/api/v1/process-definitions/business_startup/bpmn", {"version": "١"}),
        ("/api/v1/calendar/add-working-days", {"from": "2026-01-05", "days": "³"}),
    ],
)
def test_numbers_in_the_query_are_ascii_digits_that_fit(api: Api, path: str, query: dict):
    response = api.get(path, "admin", query_string=query)
    _assert_refused(response)
    named = set(response.get_json()["error"]["details"]["fields"])
    assert named == set(query) - {"from"}  # the bad number, by name


def test_the_largest_whole_numbers_still_answer(api: Api):
    assert api.get("/api/v1/cases", "admin", query_string={"per_page": MAX_ID}).status_code == 200
    page = api.get("/api/v1/tasks", "admin", query_string={"page": 2**31}).get_json()
    assert page["items"] == [] and page["per_page"] == 20
    version = {"version": str(MAX_ROW_ID)}
    response = api.get(
        "/api/v1/process-definitions/business_startup", "admin", query_string=version
    )
    _assert_refused(response, 404, "not_found")


@pytest.mark.parametrize("applicant", ["张三", ["张三"], 7, True])
def test_a_non_object_applicant_is_refused(api: Api, applicant: object):
    before = _case_count(api)
    body = {
        "process_key": "business_startup",
        "applicant": applicant,
        "data": business_application(),
    }
    response = api.post("/api/v1/cases", "clerk_service_center", json=body)
    _assert_refused(response, 422, "validation_failed")
    assert "applicant" in response.get_json()["error"]["details"]["fields"]
    assert _case_count(api) == before


@pytest.mark.parametrize("code", [["not_competent"], {"code": "not_competent"}, 3, None])
def test_a_refusal_reason_code_that_is_not_a_string_is_refused(api: Api, code: object):
    case = api.start_case("business_startup", business_application())
    task = api.open_task("clerk_service_center", case["id"], "acceptance")
    api.post(f"/api/v1/tasks/{task['id']}/claim", "clerk_service_center")
    response = api.post(
        f"/api/v1/tasks/{task['id']}/refuse",
        "clerk_service_center",
        json={"reasons": [{"code": code}]},
    )
    _assert_refused(response, 422, "validation_failed")
    assert "reasons[0].code" in response.get_json()["error"]["details"]["fields"]
    assert api.get(f"/api/v1/cases/{case['id']}", "zhangsan").get_json()["status"] == "running"


def test_counting_working_days_past_the_last_date_is_refused(api: Api):
    response = api.get(
        "/api/v1/calendar/add-working-days",
        "clerk_tax",
        query_string={"from": "9999-12-31", "days": 1},
    )
    _assert_refused(response, 422, "validation_failed")
    assert "from" in response.get_json()["error"]["details"]["fields"]
    zero = {"from": "9999-12-31", "days": 0}
    assert (
        api.get("/api/v1/calendar/add-working-days", "clerk_tax", query_string=zero).status_code
        == 200
    )


@pytest.mark.parametrize(
    "next_url",
    ["/applicant\r\nSet-Cookie: a=b", "/\n/evil.example", "/\t/evil.example", "/x y"],
)
def test_control_characters_in_the_login_next_are_ignored(app, next_url: str):  # noqa: ANN001
    from tests.test_pages import Browser

    browser = Browser(app)
    browser.get("/login", query_string={"next": next_url})
    response = browser.post(
        "/login",
        {"username": "zhangsan", "password": "govflow-demo", "next": next_url},
    )
    assert response.status_code in (302, 303)
    location = response.headers["Location"]
    assert location.endswith("/applicant") and "evil" not in location and "\n" not in location


def test_a_safe_next_still_takes_the_user_back(app):  # noqa: ANN001
    from tests.test_pages import Browser

    browser = Browser(app)
    browser.get("/login", query_string={"next": "/applicant"})
    response = browser.post(
        "/login", {"username": "zhangsan", "password": "govflow-demo", "next": "/applicant?x=1"}
    )
    assert response.headers["Location"].endswith("/applicant?x=1")


# --- every free-text field has a length limit ----------------------------------------------
def test_an_applicants_name_is_bounded(api: Api):
    before = _case_count(api)
    body = {
        "process_key": "business_startup",
        "applicant": {"id_number": "110105199001011239", "name": "张" * 101},
        "data": business_application(),
    }
    response = api.post("/api/v1/cases", "clerk_service_center", json=body)
    _assert_refused(response, 422, "validation_failed")
    assert "applicant.name" in response.get_json()["error"]["details"]["fields"]
    assert _case_count(api) == before


def test_the_calendar_source_is_bounded(api: Api):
    year = {"holidays": ["2031-01-01"], "workdays": [], "source": "国务院办公厅" * 100}
    response = api.client.put("/api/v1/calendar/2031", json=year, headers=api.headers("admin"))
    _assert_refused(response, 422, "validation_failed")
    assert "source" in response.get_json()["error"]["details"]["fields"]
    assert api.get("/api/v1/calendar/2031", "admin").get_json()["official"] is False


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/tasks/{task}/refuse", {"reasons": ["other"], "note": "x" * 2001}, "note"),
        ("/tasks/{task}/transfer", {"to": "clerk_x", "reason": "x" * 1001}, "reason"),
        ("/tasks/{task}/urge", {"message": "催" * 501}, "message"),
        ("/tasks/{task}/request-supplement", {"items": [], "note": "x" * 2001}, "note"),
        ("/cases/{case}/suspend", {"reason": "x" * 1001}, "reason"),
        ("/cases/{case}/rating", {"level": 5, "comment": "好" * 1001}, "comment"),
        (
            "/cases/{case}/disputes",
            {"provider": "identity", "subject_field": "a", "reason": "x" * 1001},
            "reason",
        ),
    ],
)
def test_free_text_is_bounded(api: Api, path: str, body: dict, field: str):
    case = api.start_case("business_startup", business_application())
    task = api.open_task("clerk_service_center", case["id"], "acceptance")
    url = "/api/v1" + path.format(task=task["id"], case=case["id"])
    response = api.post(url, "clerk_service_center", json=body)
    _assert_refused(response, 422, "validation_failed")
    assert field in response.get_json()["error"]["details"]["fields"]


def test_a_body_that_is_not_an_object_is_a_bad_request(api: Api):
    for text in ("[]", '"x"', "3", "null", "{"):
        _assert_refused(_raw_post(api, "/api/v1/cases", text))


@pytest.mark.parametrize(
    "path", [f"/cases/{MAX_ID + 1}", "/cases/99999999999999999999999/result", "/cases/%D9%A3"]
)
def test_pages_name_nothing_with_ids_that_fit_no_column(app, path: str):  # noqa: ANN001
    from tests.test_pages import Browser

    assert Browser(app, "supervisor").get(path).status_code == 404
