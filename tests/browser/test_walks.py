"""Each kind of user's main path in a real browser, from login to result, with a failure
path per role; every page screenshotted at 1366×768, key pages again at 390×844."""

from __future__ import annotations

import re
import struct
import zlib
from pathlib import Path

import pytest

from engine import clock
from engine.demo import LISI_ID, ZHANGSAN_ID
from engine.principal import Principal
from engine.services import auth, cases, health, tasks
from tests.support import business_application, confirm_named_parties, property_application

from .conftest import PHONE, SCREENSHOTS

pytestmark = pytest.mark.browser


def _principal(app, username: str) -> Principal:  # noqa: ANN001
    return auth.principal_of(auth.get_user(app.extensions["govflow"], username))


def _start(app, matter: str, data: dict, username: str = "zhangsan") -> int:  # noqa: ANN001
    case_id = cases.start_case(
        app.extensions["govflow"], _principal(app, username), matter, None, data
    )
    confirm_named_parties(app.extensions["govflow"], case_id, data, username)
    return case_id


def _open_task(app, clerk: str, case_id: int, bpmn_id: str) -> str:  # noqa: ANN001
    rows, _total = tasks.list_tasks(app.extensions["govflow"], _principal(app, clerk), per_page=500)
    for row in rows:
        if row.case_id == case_id and row.bpmn_id == bpmn_id and row.status in ("ready", "claimed"):
            return row.id
    raise AssertionError(f"{clerk} has no open {bpmn_id} of case {case_id}")


def _do(app, clerk: str, case_id: int, bpmn_id: str, data: dict) -> None:  # noqa: ANN001
    govflow, actor = app.extensions["govflow"], _principal(app, clerk)
    task_id = _open_task(app, clerk, case_id, bpmn_id)
    tasks.claim(govflow, actor, task_id)
    tasks.complete(govflow, actor, task_id, data)


def _conclude_registration(app, case_id: int, receipt_no: str, certificate_no: str) -> None:  # noqa: ANN001
    """An accepted property transfer through review, tax and registration to 办结."""
    _do(app, "clerk_registry", case_id, "registry_review", {"approved": True})
    _do(
        app,
        "clerk_tax",
        case_id,
        "collect_tax",
        {"tax_amount": 32000, "paid": True, "receipt_no": receipt_no},
    )
    _do(
        app,
        "clerk_registry",
        case_id,
        "record_register",
        {"new_certificate_no": certificate_no, "registered_on": "2026-11-23"},
    )


def _claim_on_page(w, app, clerk: str, case_id: int, bpmn_id: str, label: str) -> str:  # noqa: ANN001
    """``clerk`` signs in, opens the case's ``bpmn_id`` step and claims it there."""
    w.login(clerk)
    task_id = _open_task(app, clerk, case_id, bpmn_id)
    w.goto(f"/tasks/{task_id}", label)
    w.follow("[data-test=claim]")
    return task_id


def _png(path: Path) -> Path:
    """A tiny valid PNG (the upload check sniffs the content, not the name)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    raw = b"\x00\xff\xff\xff"
    png = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )
    path.write_bytes(png)
    return path


def _case_id_from(url: str) -> int:
    match = re.search(r"/cases/(\d+)", url)
    assert match, url
    return int(match.group(1))


def test_applicant_applies_fixes_a_form_error_and_downloads_the_result(walk, live_server):  # noqa: ANN001
    app = live_server["app"]
    w = walk("applicant")
    page = w.page
    w.login("zhangsan")
    assert page.url.endswith("/applicant")
    w.follow("[data-test=new-application]")
    w.check("catalogue")
    # 什么事 / 要带什么 / 多久办结 for each matter
    card = page.locator("[data-test=matter-property_transfer]")
    assert "1" in card.inner_text() and "工作日" in card.inner_text()
    w.follow("[data-test=apply-property_transfer]")
    w.check("apply-form")
    fetched = page.inner_text("[data-test=fetched]")
    assert "不动产权证书" in fetched and "不动产登记中心" in fetched  # fetched, not asked

    data = property_application(buyer_id_number=ZHANGSAN_ID[:-1] + "0")  # wrong check digit
    for name, value in data.items():
        if isinstance(value, bool):
            continue  # first_home left unanswered: a second error
        page.fill(f"[name={name}]", str(value))
    w.follow("[data-test=submit-application]")
    w.check("apply-form-errors")
    assert page.is_visible("[data-test=form-errors]")
    assert "校验码" in page.inner_text("[data-field=buyer_id_number] .field-error")
    assert page.is_visible("[data-field=first_home] .field-error")
    assert page.input_value("[name=certificate_no]") == data["certificate_no"]  # kept

    page.fill("[name=buyer_id_number]", ZHANGSAN_ID)
    page.check("[name=first_home][value=true]")
    w.follow("[data-test=submit-application]", re.compile(r"/cases/\d+$"))
    case_id = _case_id_from(page.url)
    w.check("case-submitted")
    timeline = page.inner_text("[data-test=timeline]")
    assert "申请已提交" in timeline and "已获取共享数据" in timeline
    assert "#" + str(case_id) in page.inner_text("h1")

    # The seller confirms the application with his own sign-in (共同申请); only then are
    # his records (identity, marriage, the flat he owns) pulled.
    seller = walk("seller-lisi")
    seller.login("lisi")
    assert f"#{case_id}" in seller.page.inner_text("[data-test=waiting-confirmations]")
    seller.follow(f"[data-test=confirm-{case_id}]")
    seller.check("seller-confirmed")
    assert "已于" in seller.page.inner_text("[data-test=party-seller]")

    # The back offices do their part (driven through the engine, as in the API tests).
    _do(app, "clerk_service_center", case_id, "acceptance", {"accepted": True})
    _conclude_registration(app, case_id, "WS-B-1", "BJ2026-0100001")
    w.goto(f"/cases/{case_id}", "case-concluded")
    assert page.is_visible("[data-test=download-result]")
    with page.expect_download() as info:
        page.click("[data-test=download-result]")
    download = info.value
    target = SCREENSHOTS / f"result-{case_id}.html"
    download.save_as(target)
    notice = target.read_text(encoding="utf-8")
    assert "办结通知书" in notice and "张三" in notice

    # Failure path: a clerk whose department has no part in the case cannot open it, nor
    # see anything of it.
    other = walk("clerk-uninvolved")
    other.login("clerk_hrss")
    other.goto(f"/cases/{case_id}", "uninvolved-clerks-case", status=404)
    body = other.page.inner_text("body")
    assert "张三" not in body and ZHANGSAN_ID not in body


def test_applicant_upload_is_refused_then_accepted_and_answers_a_supplement(
    walk, live_server, tmp_path
):  # noqa: ANN001
    app = live_server["app"]
    w = walk("applicant-upload")
    page = w.page
    w.login("zhangsan")
    w.goto("/apply/business_startup", "apply-business")
    for name, value in business_application().items():
        if name == "company_type":
            page.select_option("[name=company_type]", value)
        else:
            page.fill(f"[name={name}]", str(value))
    w.follow("[data-test=submit-application]", re.compile(r"/cases/\d+$"))
    case_id = _case_id_from(page.url)
    w.check("business-case")

    # A refused upload: not a PDF/JPEG/PNG.
    bad = tmp_path / "articles.txt"
    bad.write_text("not a scan", encoding="utf-8")
    form = page.locator("[data-test=upload-articles_of_association]")
    form.locator("input[type=file]").set_input_files(str(bad))
    w.follow(form.locator("button"))
    w.check("upload-refused")
    assert "仅接受" in page.inner_text(".flash-error")

    form = page.locator("[data-test=upload-articles_of_association]")
    form.locator("input[type=file]").set_input_files(str(_png(tmp_path / "articles.png")))
    w.follow(form.locator("button"))
    w.check("upload-accepted")
    assert "已上传" in page.inner_text(".flash-success")

    # The window asks for a corrected document (补正) in the browser.
    clerk = walk("clerk-supplement")
    clerk.login("clerk_service_center")
    task_id = _open_task(app, "clerk_service_center", case_id, "acceptance")
    clerk.goto(f"/tasks/{task_id}", "task-to-claim")
    clerk.follow("[data-test=claim]")
    clerk.page.click("#supplement summary")
    clerk.page.check("#sup-articles_of_association")
    clerk.page.fill("[name=reason_articles_of_association]", "缺少全体股东签字页")
    clerk.check("supplement-form")
    clerk.follow("[data-test=supplement-form] button[type=submit]", re.compile(r"/cases/\d+$"))
    clerk.check("supplement-sent")

    w.goto(f"/cases/{case_id}", "supplement-requested")
    assert "缺少全体股东签字页" in page.inner_text("[data-test=supplement]")
    form = page.locator("[data-test=sup-upload-articles_of_association]")
    form.locator("input[type=file]").set_input_files(str(_png(tmp_path / "articles2.png")))
    w.follow(form.locator("button"))
    w.check("supplement-uploaded")
    w.follow("[data-test=answer-supplement] button[type=submit]")
    w.check("supplement-answered")
    assert not page.is_visible("[data-test=supplement]")


def test_clerk_claims_fixes_a_form_error_completes_and_is_kept_out_of_other_departments(
    walk, live_server
):  # noqa: ANN001
    app = live_server["app"]
    case_id = _start(app, "property_transfer", property_application())
    w = walk("clerk")
    page = w.page
    w.login("clerk_service_center")
    assert "/worklist" in page.url
    row = page.locator("[data-test=worklist] tr", has_text=f"#{case_id}")
    w.follow(row.locator("[data-test=claim]"), re.compile(r"/tasks/"))
    w.check("task-claimed")
    # Shared data already pulled, with provenance, and the case summary.
    assert "居民身份信息" in page.inner_text("body") and "公安局" in page.inner_text("body")
    w.follow("[data-test=complete]")  # nothing chosen: "accepted" is required
    w.check("task-form-error")
    assert page.is_visible("[data-field=accepted] .field-error")
    page.check("[name=accepted][value=true]")
    page.fill("[name=opinion]", "材料齐全，予以受理")
    w.follow("[data-test=complete]", re.compile(r"/worklist"))
    w.check("worklist-after")
    assert "已办结" in page.inner_text(".flash-success") or "完成" in page.inner_text(
        ".flash-success"
    )
    w.follow("[data-test=tab-mine]")
    w.check("worklist-mine")
    w.follow("[data-test=sort-due]")
    w.check("worklist-sorted")
    w.goto(f"/cases/{case_id}", "case-as-clerk")

    # Failure paths: another department's step is not found; a page for other roles is 403.
    tax_task = _open_task(app, "clerk_tax", case_id, "collect_tax")
    w.goto(f"/tasks/{tax_task}", "other-department-task", status=404)
    w.goto("/supervisor", "forbidden-dashboard", status=403)


def test_supervisor_dashboard_drilldown_and_overdue_list(walk, live_server):  # noqa: ANN001
    app = live_server["app"]
    _start(
        app,
        "business_startup",
        business_application(
            company_name="李四餐饮管理有限公司", legal_rep_name="李四", legal_rep_id_number=LISI_ID
        ),
        "lisi",
    )
    w = walk("supervisor")
    page = w.page
    w.login("supervisor")
    assert "/supervisor" in page.url
    # No scheduler runs beside this server: a red banner says so, until one ticks.
    banner = "[data-test=scheduler-down]"
    assert "定时调度服务未运行" in page.inner_text(banner)
    health.record_tick(app.extensions["govflow"], "browser-walk:0", clock.now())
    w.goto("/supervisor", "dashboard-scheduler-ticking")
    assert not page.is_visible(banner)
    assert page.is_visible("[data-test=by-department]")
    w.follow(page.locator("[data-test=by-department] a").first)
    w.check("drilldown")
    case_link = page.locator("[data-test=task-table] a.mono").first
    w.follow(case_link, re.compile(r"/cases/\d+$"))
    w.check("case-as-supervisor")
    # Supervisors see identifiers masked.
    assert LISI_ID not in page.inner_text("body") and ZHANGSAN_ID not in page.inner_text("body")
    w.goto("/supervisor/overdue", "overdue")
    # Failure path: the designer's pages are not the supervisor's.
    w.goto("/designer/models/1", "forbidden-model", status=403)


def test_designer_deploys_sees_the_diagram_and_per_element_errors(walk, live_server, tmp_path):  # noqa: ANN001
    w = walk("designer")
    page = w.page
    w.login("designer")
    assert "/designer" in page.url
    good = Path(__file__).resolve().parents[1] / "fixtures" / "bpmn" / "window_review.bpmn"
    page.set_input_files("#file", str(good))
    w.follow("#upload button[type=submit]", re.compile(r"/designer/definitions/window_review"))
    w.check("deployed")
    assert "window_review" in page.inner_text("body")
    assert page.locator("[data-test=user-tasks] tbody tr").count() >= 1
    # The diagram is drawn, its user tasks marked (bpmn-js must be there: no fallback).
    assert page.get_attribute("[data-test=diagram]", "data-rendered") == "true"
    assert page.locator(".djs-element.gf-task").count() >= 1

    # A refused upload: a lane nobody can receive.
    broken = tmp_path / "broken.bpmn"
    broken.write_text(
        good.read_text(encoding="utf-8")
        .replace('name="service_center"', 'name="no_such_office"')
        .replace('id="window_review"', 'id="window_review_broken"'),
        encoding="utf-8",
    )
    w.goto("/designer", "designer-home")
    page.set_input_files("#file", str(broken))
    w.follow("#upload button[type=submit]")
    w.check("deploy-refused")
    errors = page.inner_text("[data-test=deploy-errors]")
    assert "acceptance" in errors
    w.follow("[data-test=model-link]")
    w.check("refused-model")
    assert page.get_attribute("[data-test=diagram]", "data-rendered") == "true"
    assert page.locator(".djs-element.gf-error").count() >= 1
    # Failure path: a designer has no worklist.
    w.goto("/worklist", "designer-forbidden-worklist", status=403)


def test_pages_fit_a_phone(walk, live_server):  # noqa: ANN001
    app = live_server["app"]
    case_id = _start(app, "property_transfer", property_application())
    applicant = walk("phone-applicant", PHONE)
    applicant.login("zhangsan")
    applicant.goto("/catalogue", "phone-catalogue")
    applicant.goto("/apply/property_transfer", "phone-apply")
    applicant.goto(f"/cases/{case_id}", "phone-case")
    clerk = walk("phone-clerk", PHONE)
    clerk.login("clerk_service_center")
    task_id = _open_task(app, "clerk_service_center", case_id, "acceptance")
    clerk.goto(f"/tasks/{task_id}", "phone-task")
    supervisor = walk("phone-supervisor", PHONE)
    supervisor.login("supervisor")
    supervisor.goto("/supervisor/overdue", "phone-overdue")
    designer = walk("phone-designer", PHONE)
    designer.login("designer")
    designer.goto("/designer/definitions/property_transfer", "phone-definition")
    english = walk("phone-english", PHONE)
    english.login("zhangsan")
    english.goto("/catalogue?lang=en", "phone-catalogue-en")
    assert "Apply" in english.page.inner_text("body")


def test_registry_returns_the_case_the_window_sees_why_and_the_applicant_rates(walk, live_server):  # noqa: ANN001
    """退回 with a reason → the window's notice → 办结 → 好差评, desktop and phone."""
    app = live_server["app"]
    case_id = _start(app, "property_transfer", property_application())
    _do(app, "clerk_service_center", case_id, "acceptance", {"accepted": True})

    registry = walk("verbs-registry")
    page = registry.page
    _claim_on_page(registry, app, "clerk_registry", case_id, "registry_review", "review-to-claim")
    page.click("#actions summary")
    page.select_option("#return-target", "acceptance")
    page.fill("#return-reason", "卖方婚姻状况与共享数据不一致，请窗口核实后重新受理")
    registry.check("return-form")
    registry.follow("[data-test=return]", re.compile(r"/worklist"))
    registry.check("returned")
    assert "已退回" in page.inner_text(".flash-success")

    window = walk("verbs-window")
    page = window.page
    window.login("clerk_service_center")
    row = page.locator("[data-test=worklist] tr", has_text=f"#{case_id}")
    assert "退回" in row.locator("[data-test=notice-mark]").inner_text()
    window.follow(row.locator("[data-test=open-task]"), re.compile(r"/tasks/"))
    window.check("returned-task")
    notice = page.inner_text("[data-test=task-notice]")
    assert "卖方婚姻状况与共享数据不一致" in notice and "不动产登记中心" in notice
    window.follow("[data-test=claim]")
    page.check("[name=accepted][value=true]")
    window.follow("[data-test=complete]", re.compile(r"/worklist"))
    window.goto(f"/cases/{case_id}", "case-with-withdraw")
    page.click("[data-test=withdraw-acceptance] summary")
    window.check("withdraw-open")

    phone = walk("verbs-phone-clerk", PHONE)
    _claim_on_page(phone, app, "clerk_registry", case_id, "registry_review", "phone-task")
    phone.page.click("#actions summary")
    phone.check("phone-task-actions")

    _conclude_registration(app, case_id, "WS-V-1", "BJ2026-0100077")

    applicant = walk("verbs-applicant", PHONE)
    page = applicant.page
    applicant.login("zhangsan")
    applicant.goto(f"/cases/{case_id}", "rate-form")
    page.check("[name=level][value='4']")
    page.fill("#rate-comment", "退回后当天就办好了")
    page.click("[data-test=rate] details summary")
    page.select_option("#rate-registry", "5")
    applicant.check("rate-filled")
    applicant.follow("[data-test=submit-rating]")
    applicant.check("rated")
    rating = page.inner_text("[data-test=rating]")
    assert "满意" in rating and "退回后当天就办好了" in rating

    supervisor = walk("verbs-supervisor")
    supervisor.login("supervisor")
    assert "不动产登记中心" in supervisor.page.inner_text("[data-test=ratings-by-department]")
    supervisor.goto(f"/cases/{case_id}", "supervisor-case-rated")


def test_clerk_attaches_a_document_to_a_file_field_after_a_refused_one(walk, live_server, tmp_path):  # noqa: ANN001
    import json

    from engine.services.definitions import deploy_files
    from tests.test_form_attachments import FIXTURES, FORM

    app = live_server["app"]
    form = tmp_path / "site_check.json"
    form.write_text(json.dumps(FORM), encoding="utf-8")
    deploy_files(
        app.extensions["govflow"],
        _principal(app, "designer"),
        FIXTURES / "market_check.bpmn",
        forms=[form],
    )
    case_id = _start(app, "market_check", {})
    w = walk("clerk-attachment")
    page = w.page
    _claim_on_page(w, app, "clerk_market", case_id, "site_check", "attachment-task")
    page.check("[name=site_exists][value=true]")
    page.fill("[name=area]", "40")
    bad = tmp_path / "photo.txt"
    bad.write_text("not a photo", encoding="utf-8")
    page.set_input_files("[name=site_photo]", str(bad))
    w.follow("[data-test=complete]")
    w.check("attachment-refused")
    assert "仅接受" in page.inner_text("[data-field=site_photo] .field-error")

    page.check("[name=site_exists][value=true]")
    page.fill("[name=area]", "40")
    page.set_input_files("[name=site_photo]", str(_png(tmp_path / "现场照片.png")))
    w.follow("[data-test=complete]", re.compile(r"/worklist"))
    w.goto(f"/cases/{case_id}", "attachment-on-case")
    assert "现场照片.png" in page.inner_text("[data-test=attachments]")
