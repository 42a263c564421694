"""A task form's ``file`` field: the clerk attaches a document with the form (API: a
multipart completion; pages: the task form), it is kept as an attachment of the case in
the same transaction, and a refused file or form changes nothing."""

from __future__ import annotations

import io
import json
from pathlib import Path

from tests.shared_data_support import PNG
from tests.support import Api
from tests.test_pages import Browser, _text

FIXTURES = Path(__file__).parent / "fixtures" / "bpmn"
FORM = {
    "key": "market_check/site_check",
    "title": {"zh": "经营场所核查", "en": "Business site check"},
    "fields": [
        {
            "name": "site_exists",
            "type": "boolean",
            "required": True,
            "label": {"zh": "场所真实存在"},
        },
        {"name": "area", "type": "number", "required": True, "min": 0, "label": {"zh": "面积"}},
        {"name": "site_photo", "type": "file", "required": True, "label": {"zh": "现场照片"}},
    ],
}


def _claimed_site_check(api: Api) -> tuple[int, str]:
    """A market_check case whose site check asks for a photo, claimed by clerk_market."""
    response = api.post(
        "/api/v1/process-definitions",
        "designer",
        data={
            "file": (io.BytesIO((FIXTURES / "market_check.bpmn").read_bytes()), "m.bpmn"),
            "form": [(io.BytesIO(json.dumps(FORM).encode()), "site_check.json")],
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 201, response.get_json()
    case_id = api.start_case("market_check", {})["id"]
    task = api.open_task("clerk_market", case_id, "site_check")
    assert api.post(f"/api/v1/tasks/{task['id']}/claim", "clerk_market").status_code == 200
    return case_id, task["id"]


def _complete(api: Api, task_id: str, data: dict, photo: tuple[bytes, str] | None):  # noqa: ANN202
    parts = {"data": json.dumps(data)}
    if photo:
        parts["site_photo"] = (io.BytesIO(photo[0]), photo[1])
    return api.post(
        f"/api/v1/tasks/{task_id}/complete",
        "clerk_market",
        data=parts,
        content_type="multipart/form-data",
    )


def test_a_file_sent_with_the_form_is_attached_to_the_case_and_named_in_its_field(api: Api):
    case_id, task_id = _claimed_site_check(api)

    response = _complete(api, task_id, {"site_exists": True, "area": 40}, (PNG, "现场.png"))

    assert response.status_code == 200, response.get_json()
    case = response.get_json()
    (attachment,) = case["attachments"]
    assert attachment["field"] == "site_photo" and attachment["task_id"] == task_id
    assert attachment["filename"] == "现场.png" and attachment["content_type"] == "image/png"
    assert case["data"]["site_photo"] == attachment["code"]
    download = api.get(attachment["url"], "supervisor")
    assert download.status_code == 200 and download.get_data() == PNG
    trail = api.get(f"/api/v1/cases/{case_id}/events", "supervisor").get_json()["items"]
    uploaded = [e for e in trail if e["action"] == "material_uploaded"]
    assert uploaded[0]["details"]["field"] == "site_photo"


def test_a_file_of_a_refused_type_changes_nothing(api: Api):
    case_id, task_id = _claimed_site_check(api)

    response = _complete(api, task_id, {"site_exists": True, "area": 40}, (b"plain text", "a.txt"))

    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "unsupported_file_type"
    case = api.get(f"/api/v1/cases/{case_id}", "supervisor").get_json()
    assert case["attachments"] == []
    assert api.open_task("clerk_market", case_id, "site_check")["status"] == "claimed"


def test_an_invalid_form_keeps_no_attachment_and_a_missing_required_file_is_a_field_error(
    api: Api,
):
    case_id, task_id = _claimed_site_check(api)

    with_photo = _complete(api, task_id, {"site_exists": True, "area": -1}, (PNG, "p.png"))
    without_photo = _complete(api, task_id, {"site_exists": True, "area": 40}, None)

    assert with_photo.status_code == 422
    assert set(with_photo.get_json()["error"]["details"]["fields"]) == {"area"}
    assert without_photo.status_code == 422
    assert set(without_photo.get_json()["error"]["details"]["fields"]) == {"site_photo"}
    case = api.get(f"/api/v1/cases/{case_id}", "supervisor").get_json()
    assert case["attachments"] == []
    events = api.get(f"/api/v1/cases/{case_id}/events", "supervisor").get_json()["items"]
    assert "material_uploaded" not in {e["action"] for e in events}


def test_the_task_page_sends_the_file_with_the_form(app, api: Api):  # noqa: ANN001
    case_id, task_id = _claimed_site_check(api)
    clerk = Browser(app, "clerk_market")
    page = _text(clerk.get(f"/tasks/{task_id}"))
    assert 'enctype="multipart/form-data"' in page and 'type="file"' in page
    assert 'accept=".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"' in page

    refused = clerk.post(
        f"/tasks/{task_id}/complete",
        {"site_exists": "true", "area": "40", "site_photo": (io.BytesIO(b"text"), "a.txt")},
        content_type="multipart/form-data",
    )
    assert refused.status_code == 422
    assert "仅接受 PDF、JPEG、PNG 格式的文件" in _text(refused)

    done = clerk.post(
        f"/tasks/{task_id}/complete",
        {"site_exists": "true", "area": "40", "site_photo": (io.BytesIO(PNG), "现场.png")},
        content_type="multipart/form-data",
    )
    assert done.status_code == 302
    case = api.get(f"/api/v1/cases/{case_id}", "supervisor").get_json()
    assert [a["filename"] for a in case["attachments"]] == ["现场.png"]
