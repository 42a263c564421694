"""The window's pages: 代办 (a case started at the counter for the applicant), the choice
when accepting with materials missing, and the 补正 round trip from both sides."""

from __future__ import annotations

import dataclasses
import io

import pytest
from sqlalchemy import func, select

from engine.deadlines.models import DeadlineRow
from engine.demo import LISI_ID, ZHANGSAN_ID
from engine.models import AuditEvent, Case, TaskRow
from engine.shared_data.models import MaterialUpload
from engine.uow import read_only
from tests.shared_data_support import JPEG, PDF
from tests.support import Api, business_application
from tests.test_pages import Browser

WINDOW = "clerk_service_center"


def _text(response) -> str:  # noqa: ANN001
    return response.get_data(as_text=True)


def _counter_form(**overrides) -> dict:  # noqa: ANN003
    form = {k: str(v) for k, v in business_application().items()}
    form.update(applicant_name="张三", applicant_id_number=ZHANGSAN_ID)
    form.update(overrides)
    return form


def _cases(api: Api) -> list[dict]:
    return api.get("/api/v1/cases", "admin").get_json()["items"]


def test_the_window_starts_a_case_for_the_applicant_with_the_documents_brought(app, api: Api):  # noqa: ANN001
    clerk = Browser(app, WINDOW)
    listed = _text(clerk.get("/window/apply"))
    assert 'data-test="window-matter-business_startup"' in listed
    assert 'data-test="window-matter-property_transfer"' in listed
    assert 'data-test="file-articles_of_association"' in _text(
        clerk.get("/window/apply/business_startup")
    )

    started = clerk.post(
        "/window/apply/business_startup",
        {**_counter_form(), "file_articles_of_association": (io.BytesIO(PDF), "章程.pdf")},
        content_type="multipart/form-data",
    )

    assert started.status_code == 302, _text(started)
    (listed_case,) = _cases(api)
    case = api.get(f"/api/v1/cases/{listed_case['id']}", WINDOW).get_json()
    assert started.headers["Location"].endswith(f"/cases/{case['id']}")
    assert case["started_at_window"] is True
    assert case["applicant"] == {"id_number": ZHANGSAN_ID, "name": "张三"}
    articles = next(m for m in case["materials"] if m["code"] == "articles_of_association")
    assert articles["status"] == "uploaded" and articles["upload"]["uploaded_by"] == WINDOW
    page = _text(clerk.get(f"/cases/{case['id']}"))
    assert 'data-test="at-window"' in page and 'data-test="tl-at-window"' in page
    # The applicant finds it among their own cases.
    own = api.get("/api/v1/cases", "zhangsan").get_json()["items"]
    assert [c["id"] for c in own] == [case["id"]]


def test_a_bad_id_number_or_document_starts_nothing(app, api: Api):  # noqa: ANN001
    clerk = Browser(app, WINDOW)
    clerk.get("/window/apply/business_startup")
    bad_id = clerk.post(
        "/window/apply/business_startup",
        _counter_form(applicant_id_number=LISI_ID[:-1] + "0"),  # wrong check digit
        content_type="multipart/form-data",
    )
    assert bad_id.status_code == 422
    assert 'id="f-applicant_id_number-err"' in _text(bad_id) or "applicant_id_number" in _text(
        bad_id
    )
    no_name = clerk.post(
        "/window/apply/business_startup",
        _counter_form(applicant_name=""),
        content_type="multipart/form-data",
    )
    assert no_name.status_code == 422
    not_a_document = clerk.post(
        "/window/apply/business_startup",
        {**_counter_form(), "file_articles_of_association": (io.BytesIO(b"MZ..."), "x.exe")},
        content_type="multipart/form-data",
    )
    assert not_a_document.status_code == 422
    assert _cases(api) == []


def _rows(govflow) -> dict[str, int]:  # noqa: ANN001
    """How many rows a start writes: the case, its tasks, deadlines, trail and files."""
    with read_only(govflow.db) as session:
        return {
            model.__tablename__: session.scalar(select(func.count()).select_from(model))
            for model in (Case, TaskRow, DeadlineRow, AuditEvent, MaterialUpload)
        }


def _files(govflow) -> list:  # noqa: ANN001
    return sorted((govflow.settings.data_dir / "uploads").rglob("*"))


def test_both_documents_brought_are_stored_on_the_case_they_start(app, api: Api):  # noqa: ANN001
    clerk = Browser(app, WINDOW)
    clerk.get("/window/apply/business_startup")
    started = clerk.post(
        "/window/apply/business_startup",
        {
            **_counter_form(),
            "file_articles_of_association": (io.BytesIO(PDF), "章程.pdf"),
            "file_lease_contract": (io.BytesIO(JPEG), "租赁合同.jpg"),
        },
        content_type="multipart/form-data",
    )
    assert started.status_code == 302, _text(started)
    (listed_case,) = _cases(api)
    case = api.get(f"/api/v1/cases/{listed_case['id']}", WINDOW).get_json()
    uploaded = {m["code"]: m["upload"] for m in case["materials"] if m["status"] == "uploaded"}
    assert {code: u["filename"] for code, u in uploaded.items()} == {
        "articles_of_association": "章程.pdf",
        "lease_contract": "租赁合同.jpg",
    }
    page = _text(clerk.get(f"/cases/{case['id']}"))
    assert "章程.pdf" in page and "租赁合同.jpg" in page
    for code, content in (("articles_of_association", PDF), ("lease_contract", JPEG)):
        assert clerk.client.get(f"/cases/{case['id']}/materials/{code}/file").data == content
    events = api.get(f"/api/v1/cases/{case['id']}/events", "admin").get_json()["items"]
    assert [e["action"] for e in events][:3] == [
        "case_started",
        "material_uploaded",
        "material_uploaded",
    ]


@pytest.mark.parametrize(
    ("document", "problem"),
    [
        (PDF + b"0" * 2048, "文件超过上传大小限制。"),  # over the 1 KiB limit set below
        (b"MZ\x90\x00 an executable", "仅接受 PDF、JPEG、PNG 格式的文件。"),
    ],
    ids=["too-large", "not-a-document"],
)
def test_a_refused_document_is_shown_to_the_clerk_and_starts_nothing(  # noqa: ANN201
    app,  # noqa: ANN001
    api: Api,
    govflow,  # noqa: ANN001
    document: bytes,
    problem: str,
):
    govflow.settings = dataclasses.replace(govflow.settings, max_upload_bytes=1024)
    clerk = Browser(app, WINDOW)
    clerk.get("/window/apply/business_startup")
    before = _rows(govflow)
    refused = clerk.post(
        "/window/apply/business_startup",
        {
            **_counter_form(),
            "file_lease_contract": (io.BytesIO(JPEG), "租赁合同.jpg"),  # a good one beside it
            "file_articles_of_association": (io.BytesIO(document), "章程.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert refused.status_code == 422
    page = _text(refused)
    assert problem in page
    assert 'value="张三"' in page  # what the clerk typed is kept for the second try
    assert _rows(govflow) == before
    assert _cases(api) == [] and _files(govflow) == []


def test_only_clerks_who_receive_a_matter_start_it(app, api: Api):  # noqa: ANN001
    back_office = Browser(app, "clerk_tax")
    assert 'data-test="window-matter-' not in _text(back_office.get("/window/apply"))
    assert back_office.get("/window/apply/business_startup").status_code == 404
    refused = back_office.post(
        "/window/apply/business_startup", _counter_form(), content_type="multipart/form-data"
    )
    assert refused.status_code == 404
    assert Browser(app, "zhangsan").get("/window/apply").status_code == 403
    assert _cases(api) == []


#: An address no register knows: the proof of address (住所证明) does not arrive.
UNREGISTERED = "北京市海淀区某某路 99 号（自有平房）"


def _claimed_acceptance(app, api: Api) -> tuple[int, str, Browser]:  # noqa: ANN001
    case_id = api.start_case("business_startup", business_application(address=UNREGISTERED))["id"]
    task = api.open_task(WINDOW, case_id, "acceptance")
    clerk = Browser(app, WINDOW)
    clerk.get(f"/tasks/{task['id']}")
    assert clerk.post(f"/tasks/{task['id']}/claim").status_code == 302
    return case_id, task["id"], clerk


def test_accepting_with_a_material_missing_asks_the_clerk_to_choose(app, api: Api):  # noqa: ANN001
    case_id, task_id, clerk = _claimed_acceptance(app, api)
    page = _text(clerk.get(f"/tasks/{task_id}"))
    assert 'data-test="missing-address_proof"' in page
    assert 'data-test="missing-articles_of_association"' not in page  # the window's to check
    assert 'data-test="ask-supplement"' in page

    refused = clerk.post(f"/tasks/{task_id}/complete", {"accepted": "true"})
    assert refused.status_code == 422
    assert 'aria-invalid="true"' in _text(refused) and "住所" in _text(refused)
    assert api.open_task(WINDOW, case_id, "acceptance")["status"] == "claimed"

    asked = _text(clerk.get(f"/tasks/{task_id}?ask=1"))
    assert 'value="address_proof" id="sup-address_proof"' in asked
    assert asked.count(" checked>") == 1

    done = clerk.post(
        f"/tasks/{task_id}/complete",
        {"accepted": "true", "missing_materials_reason": "原件已当场核验"},
    )
    assert done.status_code == 302, _text(done)
    events = api.get(f"/api/v1/cases/{case_id}/events", "admin").get_json()["items"]
    (recorded,) = [e for e in events if e["action"] == "missing_materials_accepted"]
    assert recorded["details"]["reason"] == "原件已当场核验"
    assert "原件已当场核验" in _text(clerk.get(f"/cases/{case_id}"))


def test_the_supplement_round_trip_through_the_pages(app, api: Api):  # noqa: ANN001
    case_id, task_id, clerk = _claimed_acceptance(app, api)
    asked = clerk.post(
        f"/tasks/{task_id}/supplement",
        {
            "material": "articles_of_association",
            "reason_articles_of_association": "未签字",
            "other_name": "授权委托书",
            "other_reason": "代理人办理须提交",
            "note": "请一次补齐",
        },
    )
    assert asked.status_code == 302

    applicant = Browser(app, "zhangsan")
    page = _text(applicant.get(f"/cases/{case_id}"))
    # An upload for every item, the "other" one included.
    assert 'data-test="sup-upload-articles_of_association"' in page
    assert 'data-test="sup-upload-2"' in page
    sent = applicant.post(
        f"/cases/{case_id}/supplement/items/2",
        {"file": (io.BytesIO(JPEG), "委托书.jpg")},
        content_type="multipart/form-data",
    )
    assert sent.status_code == 302
    assert "委托书.jpg" in _text(applicant.get(f"/cases/{case_id}"))
    answered = applicant.post(f"/cases/{case_id}/supplement", {"note": "委托书已补，章程下周"})
    assert answered.status_code == 302

    task_page = _text(clerk.get(f"/tasks/{task_id}"))
    assert "委托书已补，章程下周" in task_page
    assert 'data-test="unanswered"' in task_page
    assert 'data-test="sup-item-1" class="unanswered"' in task_page
    assert 'data-test="sup-item-2" class="answered"' in task_page
    file_url = (
        f"/cases/{case_id}/materials/"
        + api.get(f"/api/v1/cases/{case_id}", WINDOW).get_json()["supplements"][0]["items"][1][
            "code"
        ]
        + "/file"
    )
    assert file_url in task_page
    preview = clerk.client.get(file_url)
    assert preview.status_code == 200 and preview.data == JPEG
    assert preview.headers["Content-Disposition"].startswith("inline")
    download = clerk.client.get(file_url + "?download=1")
    assert download.headers["Content-Disposition"].startswith("attachment")
    # Somebody else's case: nothing to see.
    assert Browser(app, "lisi").client.get(file_url).status_code == 404


def test_an_item_upload_without_an_open_request_changes_nothing(app, api: Api):  # noqa: ANN001
    case_id = api.start_case("business_startup", business_application())["id"]
    applicant = Browser(app, "zhangsan")
    applicant.get(f"/cases/{case_id}")
    sent = applicant.post(
        f"/cases/{case_id}/supplement/items/1",
        {"file": (io.BytesIO(PDF), "a.pdf")},
        content_type="multipart/form-data",
    )
    assert sent.status_code == 302
    case = api.get(f"/api/v1/cases/{case_id}", "zhangsan").get_json()
    assert case["supplements"] == [] and case["materials_summary"]["uploaded"] == 0
