"""Notices (文书) and the inbox through the API, as API.md "Notices and notifications"
fixes them: who may list and download, what the applicant is told at each decision."""

from __future__ import annotations

from tests.support import Api, property_application
from tests.test_notices import png_of
from tests.test_verbs_ratings import concluded


def accepted_case(api: Api) -> int:
    case_id = api.start_case("property_transfer", property_application())["id"]
    api.claim_and_complete(
        "clerk_service_center", case_id, "acceptance", {"accepted": True, "opinion": "材料齐全"}
    )
    return case_id


def notices(api: Api, case_id: int, user: str = "zhangsan") -> list[dict]:
    response = api.get(f"/api/v1/cases/{case_id}/notices", user)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["items"]


def inbox(api: Api, user: str = "zhangsan", **query: str) -> list[dict]:
    response = api.get("/api/v1/me/notifications", user, query_string=query)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["items"]


def test_an_accepted_case_lists_a_numbered_acceptance_notice_that_downloads_as_pdf(api: Api):
    case_id = accepted_case(api)
    [notice] = notices(api, case_id)
    assert notice["kind"] == "acceptance"
    assert notice["number"].startswith("〔20") and notice["number"].endswith("号")
    assert notice["url"] == f"/api/v1/cases/{case_id}/notices/{notice['id']}"
    download = api.get(notice["url"], "zhangsan")
    assert download.status_code == 200
    assert download.mimetype == "application/pdf"
    assert download.data.startswith(b"%PDF-")
    _, text = png_of(download.data, "notice-acceptance")
    flat = text.replace("\r", "").replace("\n", "")
    assert "受理通知书" in flat and notice["number"] in flat and "张三" in flat
    # the case's clerk, a supervisor and an administrator see it too
    for user in ("clerk_service_center", "supervisor", "admin"):
        assert [n["id"] for n in notices(api, case_id, user)] == [notice["id"]]
    assert api.get(notice["url"], "supervisor").data == download.data  # stored, unchanged


def test_nobody_else_lists_or_downloads_a_cases_notices(api: Api):
    case_id = accepted_case(api)
    [notice] = notices(api, case_id)
    # 李四 is the seller, a party of the case but not its applicant; a clerk of a department
    # with no task on it sees nothing either
    for user in ("lisi", "clerk_market"):
        listed = api.get(f"/api/v1/cases/{case_id}/notices", user)
        assert listed.status_code == 404, user
        assert listed.get_json()["error"]["code"] == "not_found"
        assert api.get(notice["url"], user).status_code == 404
    # a notice id under another case is not found either
    other = accepted_case(api)
    assert api.get(f"/api/v1/cases/{other}/notices/{notice['id']}", "zhangsan").status_code == 404
    assert api.get(f"/api/v1/cases/{case_id}/notices", None).status_code == 401


def test_the_applicants_inbox_tells_of_acceptance_and_marks_read(api: Api):
    case_id = accepted_case(api)
    [notice] = notices(api, case_id)
    unread = inbox(api, unread="true")
    told = next(n for n in unread if n["kind"] == "case_accepted")
    assert told["case_id"] == case_id and told["read_at"] is None
    assert told["notice_id"] == notice["id"] and notice["number"] in told["body"]
    assert told["channels"] == ["email", "sms"]  # an intent: delivery is left to jobs
    # nobody else can read it or even know it exists
    assert api.post(f"/api/v1/me/notifications/{told['id']}/read", "lisi").status_code == 404
    assert all(n["id"] != told["id"] for n in inbox(api, "lisi"))
    read = api.post(f"/api/v1/me/notifications/{told['id']}/read", "zhangsan")
    assert read.status_code == 200 and read.get_json()["read_at"]
    again = api.post(f"/api/v1/me/notifications/{told['id']}/read", "zhangsan").get_json()
    assert again["read_at"] == read.get_json()["read_at"]
    assert all(n["id"] != told["id"] for n in inbox(api, unread="true"))
    assert any(n["id"] == told["id"] for n in inbox(api, unread="false"))
    assert api.get("/api/v1/me/notifications?unread=maybe", "zhangsan").status_code == 400
    assert api.post("/api/v1/me/notifications/999999/read", "zhangsan").status_code == 404


def test_a_supplement_request_lists_every_item_in_the_notice_and_the_inbox(api: Api):
    case_id = api.start_case("property_transfer", property_application())["id"]
    task = api.open_task("clerk_service_center", case_id, "acceptance")
    items = [
        {"name": "婚姻状况证明", "reason": "与共享数据不一致"},
        {"name": "首套住房声明", "reason": "缺少签字"},
    ]
    response = api.post(
        f"/api/v1/tasks/{task['id']}/request-supplement",
        "clerk_service_center",
        json={"items": items, "note": "请一次补齐"},
    )
    assert response.status_code == 200, response.get_json()
    [notice] = notices(api, case_id)
    assert notice["kind"] == "supplement"
    _, text = png_of(api.get(notice["url"], "zhangsan").data, "notice-supplement-api")
    flat = text.replace("\r", "").replace("\n", "")
    for item in items:
        assert item["name"] in flat and item["reason"] in flat
    told = next(n for n in inbox(api) if n["kind"] == "supplement_requested")
    assert "婚姻状况证明（与共享数据不一致）" in told["body"] and "首套住房声明" in told["body"]


def test_a_failed_supplement_request_issues_no_notice_and_takes_no_number(api: Api):
    case_id = api.start_case("property_transfer", property_application())["id"]
    task = api.open_task("clerk_service_center", case_id, "acceptance")
    bad = api.post(
        f"/api/v1/tasks/{task['id']}/request-supplement",
        "clerk_service_center",
        json={"items": [{"name": "身份证"}]},
    )
    assert bad.status_code == 422
    assert notices(api, case_id) == []
    assert [n for n in inbox(api) if n["case_id"] == case_id] == []
    api.claim_and_complete("clerk_service_center", case_id, "acceptance", {"accepted": True})
    assert notices(api, case_id)[0]["number"].endswith("第000001号")


def test_refusal_issues_a_decision_with_the_grounds_and_the_right_of_review(api: Api):
    case_id = api.start_case("property_transfer", property_application())["id"]
    task = api.open_task("clerk_service_center", case_id, "acceptance")
    refused = api.post(
        f"/api/v1/tasks/{task['id']}/refuse",
        "clerk_service_center",
        json={"reasons": [{"code": "legally_restricted"}], "note": "不动产已被查封"},
    )
    assert refused.status_code == 200, refused.get_json()
    [notice] = notices(api, case_id)
    assert notice["kind"] == "refusal"
    _, text = png_of(api.get(notice["url"], "zhangsan").data, "notice-refusal")
    flat = text.replace("\r", "").replace("\n", "")
    assert "不予受理决定书" in flat and "查封" in flat and "行政复议" in flat and "行政诉讼" in flat
    assert any(n["kind"] == "case_refused" for n in inbox(api))


def test_refusing_through_the_acceptance_form_also_issues_the_decision(api: Api):
    case_id = api.start_case("property_transfer", property_application())["id"]
    api.claim_and_complete(
        "clerk_service_center",
        case_id,
        "acceptance",
        {"accepted": False, "refusal_reason": "申请人不具备申请资格"},
    )
    [notice] = notices(api, case_id)
    assert notice["kind"] == "refusal"
    told = next(n for n in inbox(api) if n["kind"] == "case_refused")
    assert "申请人不具备申请资格" in told["body"]


def test_a_concluded_case_has_the_completion_notice_and_a_rating_invitation(api: Api):
    case_id = concluded(api)
    kinds = [n["kind"] for n in notices(api, case_id)]
    assert kinds == ["acceptance", "completion"]
    completion = notices(api, case_id)[1]
    _, text = png_of(api.get(completion["url"], "zhangsan").data, "notice-completion")
    assert "办结通知书" in text.replace("\n", "")
    told = {n["kind"]: n for n in inbox(api) if n["case_id"] == case_id}
    assert told["case_concluded"]["notice_id"] == completion["id"]
    assert "rating_invitation" in told and "case_accepted" in told
    events = api.get(f"/api/v1/cases/{case_id}/events", "supervisor").get_json()["items"]
    issued = [e["details"]["kind"] for e in events if e["action"] == "notice_issued"]
    assert issued == ["acceptance", "completion"]


def test_supervisors_see_bad_ratings_in_their_inbox_and_applicants_do_not(api: Api):
    case_id = concluded(api)
    response = api.post(
        f"/api/v1/cases/{case_id}/rating",
        "zhangsan",
        json={"level": 3, "departments": {"tax": {"level": 1, "comment": "态度差"}}},
    )
    assert response.status_code == 201, response.get_json()
    rectification = [n for n in inbox(api, "supervisor") if n["kind"] == "bad_rating"]
    assert rectification and rectification[0]["case_id"] == case_id
    assert rectification[0]["title"] == "差评整改"
    assert all(n["kind"] != "bad_rating" for n in inbox(api, "zhangsan"))
    assert all(n["kind"] != "bad_rating" for n in inbox(api, "clerk_tax"))


def test_supervisors_see_the_schedulers_deadline_notices_in_their_inbox(api: Api, govflow):  # noqa: ANN001
    import time_machine

    from engine import scheduler
    from tests.test_time_limits import at

    with time_machine.travel(at("2026-09-29T10:00:00"), tick=False):
        case_id = accepted_case(api)
    with time_machine.travel(at("2026-10-08T09:00:00"), tick=False):
        assert scheduler.tick(govflow).deadlines >= 2
        # several transitions at once are summed up per department: "办件 N 等"
        told = [n for n in inbox(api, "supervisor", unread="true") if str(case_id) in n["body"]]
        assert told and {n["kind"] for n in told} == {"deadline_overdue"}
        assert all(n["title"] == "已超期" and "已超期" in n["body"] for n in told)
        assert all(n["kind"] != "deadline_overdue" for n in inbox(api, "zhangsan"))
