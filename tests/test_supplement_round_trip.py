"""The 补正 round trip: every requested item — "其他材料" included — takes a file from the
applicant; the reply note and the files reach the clerk with what is still unanswered;
every file opens for those who may see the case."""

from __future__ import annotations

import io

from tests.shared_data_support import JPEG, PDF
from tests.support import Api, business_application

WINDOW = "clerk_service_center"
ITEMS = [
    {"material": "articles_of_association", "name": "公司章程", "reason": "未签字"},
    {"name": "授权委托书", "reason": "代理人办理须提交"},
    {"name": "场地使用证明", "reason": "住所无产权信息"},
]


def _requested(api: Api) -> tuple[int, str]:
    case_id = api.start_case("business_startup", business_application())["id"]
    task = api.open_task(WINDOW, case_id, "acceptance")
    assert api.post(f"/api/v1/tasks/{task['id']}/claim", WINDOW).status_code == 200
    asked = api.post(
        f"/api/v1/tasks/{task['id']}/request-supplement",
        WINDOW,
        json={"items": ITEMS, "note": "请一次补齐"},
    )
    assert asked.status_code == 200, asked.get_json()
    return case_id, task["id"]


def _send(api: Api, case_id: int, number: int, as_: str = "zhangsan", content: bytes = PDF):  # noqa: ANN202
    return api.post(
        f"/api/v1/cases/{case_id}/supplement/items/{number}/file",
        as_,
        data={"file": (io.BytesIO(content), f"item{number}.pdf")},
        content_type="multipart/form-data",
    )


def _round(api: Api, case_id: int, as_: str = WINDOW) -> dict:
    return api.get(f"/api/v1/cases/{case_id}", as_).get_json()["supplements"][-1]


def test_every_item_takes_a_file_and_the_clerk_sees_the_answer(api: Api):
    case_id, _task = _requested(api)
    opened = _round(api, case_id, "zhangsan")
    assert opened["open"] is True and opened["unanswered"] == 3
    assert [i["number"] for i in opened["items"]] == [1, 2, 3]

    material = _send(api, case_id, 1)
    other = _send(api, case_id, 2, content=JPEG)
    assert material.status_code == other.status_code == 201, other.get_json()
    assert material.get_json()["code"] == "articles_of_association"
    assert other.get_json()["code"].startswith("sup:")
    answered = api.post(
        f"/api/v1/cases/{case_id}/supplement",
        "zhangsan",
        json={"note": "委托书已补，场地证明明天送"},
    )
    assert answered.status_code == 200, answered.get_json()

    seen = _round(api, case_id)
    assert seen["open"] is False and seen["reply"] == "委托书已补，场地证明明天送"
    assert [(i["name"], i["answered"]) for i in seen["items"]] == [
        ("公司章程", True),
        ("授权委托书", True),
        ("场地使用证明", False),
    ]
    assert seen["unanswered"] == 1
    # The material's file is the material's upload; the other item's file opens too.
    case = api.get(f"/api/v1/cases/{case_id}", WINDOW).get_json()
    articles = next(m for m in case["materials"] if m["code"] == "articles_of_association")
    assert articles["status"] == "uploaded"
    url = seen["items"][1]["files"][0]["url"]
    for viewer in (WINDOW, "zhangsan", "supervisor"):
        opened_file = api.get(url, viewer)
        assert opened_file.status_code == 200, viewer
        assert opened_file.data == JPEG and opened_file.mimetype == "image/jpeg"


def test_an_item_answered_twice_keeps_the_latest_file(api: Api):
    case_id, _task = _requested(api)
    assert _send(api, case_id, 2).status_code == 201
    assert _send(api, case_id, 2, content=JPEG).status_code == 201
    (file,) = _round(api, case_id)["items"][1]["files"]
    assert file["content_type"] == "image/jpeg"


def test_wrong_uploads_change_nothing(api: Api):
    case_id, _task = _requested(api)
    assert _send(api, case_id, 4).status_code == 404  # no such item
    assert _send(api, case_id, 0).status_code == 404
    bad = _send(api, case_id, 2, content=b"MZ not a document")
    assert bad.status_code == 400
    assert bad.get_json()["error"]["code"] == "unsupported_file_type"
    assert _send(api, case_id, 2, as_="lisi").status_code == 404  # another applicant
    assert _send(api, case_id, 2, as_="clerk_tax").status_code == 404  # no step on the case
    no_file = api.post(
        f"/api/v1/cases/{case_id}/supplement/items/2/file",
        "zhangsan",
        data={},
        content_type="multipart/form-data",
    )
    assert no_file.status_code == 400
    assert _round(api, case_id)["unanswered"] == 3
    events = api.get(f"/api/v1/cases/{case_id}/events", "admin").get_json()["items"]
    assert not [e for e in events if e["action"] == "material_uploaded"]


def test_no_open_request_takes_no_file(api: Api):
    case_id, _task = _requested(api)
    assert api.post(f"/api/v1/cases/{case_id}/supplement", "zhangsan", json={}).status_code == 200
    late = _send(api, case_id, 2)
    assert late.status_code == 409
    assert late.get_json()["error"]["code"] == "no_supplement_pending"
    fresh = api.start_case("business_startup", business_application())["id"]
    assert _send(api, fresh, 1).status_code == 409


def test_the_window_uploads_for_the_applicant_at_the_counter(api: Api):
    case_id, _task = _requested(api)
    sent = _send(api, case_id, 3, as_=WINDOW)
    assert sent.status_code == 201, sent.get_json()
    assert _round(api, case_id)["items"][2]["answered"] is True
