"""The server-rendered pages through Flask's test client: each role's pages render, other
roles' pages are refused, forms need the CSRF token, nobody sees another applicant's case,
errors are friendly pages, and every user-visible string has its Chinese translation."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from engine.demo import LISI_ID, WANGFANG_ID, ZHANGSAN_ID
from engine.services import auth, cases, tasks
from tests.support import (
    PASSWORD,
    business_application,
    confirm_named_parties,
    property_application,
)

TOKEN_RE = re.compile(r'name="csrf_token" value="([^"]+)"')
WEB = Path(__file__).resolve().parent.parent / "web"


class Browser:
    """A test client that signs in through the login form, keeping the CSRF token."""

    def __init__(self, app, username: str | None = None) -> None:  # noqa: ANN001
        self.client = app.test_client()
        self.token = ""
        if username:
            self.login(username)

    def get(self, path: str, **kwargs):  # noqa: ANN201
        response = self.client.get(path, **kwargs)
        found = TOKEN_RE.search(response.get_data(as_text=True))
        if found:
            self.token = found.group(1)
        return response

    def post(self, path: str, data: dict | None = None, *, token: bool = True, **kwargs):  # noqa: ANN201
        data = dict(data or {})
        if token:
            data.setdefault("csrf_token", self.token)
        return self.client.post(path, data=data, **kwargs)

    def login(self, username: str, password: str = PASSWORD):  # noqa: ANN201
        self.get("/login")
        return self.post("/login", {"username": username, "password": password})


def _actor(govflow, username: str):  # noqa: ANN001, ANN202
    return auth.principal_of(auth.get_user(govflow, username))


def _start(govflow, matter: str = "property_transfer", username: str = "zhangsan", **data) -> int:  # noqa: ANN001
    form = (
        property_application(**data)
        if matter == "property_transfer"
        else business_application(**data)
    )
    case_id = cases.start_case(govflow, _actor(govflow, username), matter, None, form)
    confirm_named_parties(govflow, case_id, form, username)
    return case_id


def _task_id(govflow, clerk: str, case_id: int, bpmn_id: str) -> str:  # noqa: ANN001
    rows, _ = tasks.list_tasks(govflow, _actor(govflow, clerk), per_page=200)
    return next(r.id for r in rows if r.case_id == case_id and r.bpmn_id == bpmn_id)


def _text(response) -> str:  # noqa: ANN001
    return response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("username", "home"),
    [
        ("zhangsan", "/applicant"),
        ("clerk_service_center", "/worklist"),
        ("designer", "/designer"),
        ("supervisor", "/supervisor"),
    ],
)
def test_each_role_lands_on_its_own_home_page(app, username, home):  # noqa: ANN001
    browser = Browser(app)
    browser.get("/login")
    response = browser.post("/login", {"username": username, "password": PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == home
    page = browser.get(home)
    assert page.status_code == 200
    assert "退出" in _text(page)  # signed in, Chinese by default


def test_wrong_password_is_refused_on_the_login_page(app):  # noqa: ANN001
    browser = Browser(app)
    response = browser.login("zhangsan", "not-the-password")
    assert response.status_code == 401
    assert "用户名或密码错误" in _text(response)
    assert browser.get("/applicant").status_code == 302  # still signed out


def test_pages_need_a_signed_in_user(app):  # noqa: ANN001
    response = app.test_client().get("/worklist")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login?next=")


def test_login_does_not_redirect_off_site(app):  # noqa: ANN001
    browser = Browser(app)
    browser.get("/login?next=//evil.example/x")
    response = browser.post(
        "/login", {"username": "zhangsan", "password": PASSWORD, "next": "//evil.example/x"}
    )
    assert response.headers["Location"] == "/applicant"


def test_forms_without_the_csrf_token_are_refused(app, govflow):  # noqa: ANN001
    browser = Browser(app)
    browser.get("/login")
    response = browser.post("/login", {"username": "zhangsan", "password": PASSWORD}, token=False)
    assert response.status_code == 400 and "会话已过期" in _text(response)
    browser.login("zhangsan")
    refused = browser.post(
        "/apply/property_transfer", property_application(first_home="true"), token=False
    )
    assert refused.status_code == 400
    wrong = browser.post("/logout", {"csrf_token": "forged"}, token=False)
    assert wrong.status_code == 400
    assert cases.list_cases(govflow, _actor(govflow, "zhangsan"))[1] == 0


def test_the_api_keeps_bearer_auth_and_json_errors(api):  # noqa: ANN001
    response = api.get("/api/v1/cases/999", "zhangsan")
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"


def test_applicant_applies_through_the_form_with_inline_errors(app, govflow):  # noqa: ANN001
    browser = Browser(app, "zhangsan")
    catalogue = browser.get("/catalogue")
    assert catalogue.status_code == 200
    assert "二手房转移登记" in _text(catalogue) and "企业开办" in _text(catalogue)
    form = browser.get("/apply/property_transfer")
    assert "以下材料无需您提供" in _text(form) and "由公安局提供" in _text(form)

    bad = property_application(buyer_id_number="110105199003071230")
    bad["first_home"] = ""
    response = browser.post("/apply/property_transfer", bad)
    assert response.status_code == 422
    body = _text(response)
    assert "身份证号码校验码不正确" in body and "此项为必填项" in body
    assert 'value="BJ2024-0012345"' in body  # what was typed is kept

    good = property_application()
    good["first_home"] = "true"
    response = browser.post("/apply/property_transfer", good)
    assert response.status_code == 302
    case_id = int(response.headers["Location"].rsplit("/", 1)[1])
    page = browser.get(f"/cases/{case_id}")
    assert page.status_code == 200 and "申请已提交" in _text(page)
    assert browser.get(f"/cases/{case_id}/diagram.xml").mimetype == "application/xml"


def test_no_applicant_sees_another_applicants_case(app, govflow):  # noqa: ANN001
    # a sale 李四 is no party to (a case naming him he sees, to confirm it)
    case_id = _start(govflow, seller_name="王芳", seller_id_number=WANGFANG_ID)
    lisi = Browser(app, "lisi")
    for path in (f"/cases/{case_id}", f"/cases/{case_id}/diagram.xml", f"/cases/{case_id}/result"):
        response = lisi.get(path)
        assert response.status_code == 404, path
        assert "张三" not in _text(response) and ZHANGSAN_ID not in _text(response)
    home = _text(lisi.get("/applicant"))
    assert f"#{case_id}" not in home and "张三" not in home
    upload = lisi.post(f"/cases/{case_id}/materials/articles_of_association", {})
    assert upload.status_code in (302, 404)
    assert lisi.post(f"/cases/{case_id}/supplement", {}).status_code == 404


def test_roles_are_kept_to_their_own_pages(app, govflow):  # noqa: ANN001
    case_id = _start(govflow)
    applicant = Browser(app, "zhangsan")
    for path in ("/worklist", "/supervisor", "/designer", "/supervisor/overdue"):
        assert applicant.get(path).status_code == 403, path
    designer = Browser(app, "designer")
    assert designer.get("/worklist").status_code == 403
    assert designer.get(f"/cases/{case_id}").status_code == 403
    clerk = Browser(app, "clerk_tax")
    assert clerk.get("/designer").status_code == 403
    assert clerk.get("/catalogue").status_code == 403
    window_task = _task_id(govflow, "clerk_service_center", case_id, "acceptance")
    assert clerk.get(f"/tasks/{window_task}").status_code == 404  # another department's
    assert clerk.post(f"/tasks/{window_task}/claim").status_code == 404
    page = clerk.get("/supervisor")
    assert page.status_code == 403 and "您无权访问此页面" in _text(page)


def test_clerk_claims_sees_shared_data_and_completes_with_inline_errors(app, govflow):  # noqa: ANN001
    case_id = _start(govflow)
    task_id = _task_id(govflow, "clerk_service_center", case_id, "acceptance")
    clerk = Browser(app, "clerk_service_center")
    worklist = _text(clerk.get("/worklist"))
    assert f"#{case_id}" in worklist and "张三" in worklist
    assert clerk.post(f"/tasks/{task_id}/claim").status_code == 302
    page = _text(clerk.get(f"/tasks/{task_id}"))
    assert "居民身份信息" in page and "来源：公安局" in page  # shared data with provenance
    assert "是否受理" in page

    response = clerk.post(f"/tasks/{task_id}/complete", {"opinion": "x"})
    assert response.status_code == 422 and "此项为必填项" in _text(response)
    response = clerk.post(f"/tasks/{task_id}/complete", {"accepted": "true", "opinion": "齐全"})
    assert response.status_code == 302 and response.headers["Location"].startswith("/worklist")
    assert (
        tasks.get_task(govflow, _actor(govflow, "clerk_service_center"), task_id).status
        == "completed"
    )
    again = clerk.post(f"/tasks/{task_id}/complete", {"accepted": "true"})
    assert again.status_code == 302  # a friendly "already done", not an error page
    assert "该环节已办结" in _text(clerk.get(f"/tasks/{task_id}"))


def test_supplement_request_and_answer_through_the_pages(app, govflow):  # noqa: ANN001
    case_id = _start(govflow, "business_startup")
    task_id = _task_id(govflow, "clerk_service_center", case_id, "acceptance")
    clerk = Browser(app, "clerk_service_center")
    clerk.post(f"/tasks/{task_id}/claim")
    clerk.get(f"/tasks/{task_id}")
    no_reason = clerk.post(f"/tasks/{task_id}/supplement", {"material": "articles_of_association"})
    assert no_reason.status_code == 302
    assert "请为每一项补正材料写明原因" in _text(clerk.get(f"/tasks/{task_id}"))
    response = clerk.post(
        f"/tasks/{task_id}/supplement",
        {"material": "articles_of_association", "reason_articles_of_association": "缺签字页"},
    )
    assert response.status_code == 302
    applicant = Browser(app, "zhangsan")
    page = _text(applicant.get(f"/cases/{case_id}"))
    assert "补正材料通知" in page and "缺签字页" in page and "待您补正" in page
    refused = applicant.post(
        f"/cases/{case_id}/materials/articles_of_association",
        {"file": (io.BytesIO(b"not a scan"), "a.txt")},
        content_type="multipart/form-data",
    )
    assert refused.status_code == 302
    assert "仅接受 PDF、JPEG、PNG" in _text(applicant.get(f"/cases/{case_id}"))
    answered = applicant.post(f"/cases/{case_id}/supplement", {"note": "已补"})
    assert answered.status_code == 302
    assert "补正材料通知" not in _text(applicant.get(f"/cases/{case_id}"))


def test_supervisor_sees_masked_identifiers_and_the_dashboard(app, govflow):  # noqa: ANN001
    case_id = _start(
        govflow,
        "business_startup",
        "lisi",
        legal_rep_name="李四",
        legal_rep_id_number=LISI_ID,
        company_name="李四餐饮有限公司",
    )
    supervisor = Browser(app, "supervisor")
    dashboard = _text(supervisor.get("/supervisor"))
    assert "按部门" in dashboard and "chart-data" in dashboard
    assert supervisor.get("/supervisor/tasks?department=service_center").status_code == 200
    assert supervisor.get("/supervisor/overdue").status_code == 200
    case_page = _text(supervisor.get(f"/cases/{case_id}"))
    assert LISI_ID not in case_page and "110101********4568" in case_page


def test_designer_sees_per_element_errors_for_a_refused_upload(app):  # noqa: ANN001
    designer = Browser(app, "designer")
    assert "property_transfer" in _text(designer.get("/designer"))
    good = Path(__file__).parent / "fixtures" / "bpmn" / "window_review.bpmn"
    broken = good.read_bytes().replace(b'name="service_center"', b'name="no_such_office"')
    broken = broken.replace(b'id="window_review"', b'id="window_review_x"')
    response = designer.post(
        "/designer/deploy",
        {"file": (io.BytesIO(broken), "broken.bpmn")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "acceptance" in _text(response) and 'data-test="deploy-errors"' in _text(response)
    not_xml = designer.post(
        "/designer/deploy",
        {"file": (io.BytesIO(b"hello"), "x.bpmn")},
        content_type="multipart/form-data",
    )
    # Not XML at all: the designer hears where the parser stopped.
    assert not_xml.status_code == 400 and "不是格式正确的 XML：第 1 行" in _text(not_xml)
    deployed = designer.post(
        "/designer/deploy",
        {"file": (good.open("rb"), "window_review.bpmn")},
        content_type="multipart/form-data",
    )
    assert deployed.status_code == 302
    page = designer.get(deployed.headers["Location"])
    assert page.status_code == 200 and "acceptance" in _text(page)
    xml = designer.get("/designer/definitions/window_review/diagram.xml")
    assert xml.mimetype == "application/xml" and "sandbox" in xml.headers["Content-Security-Policy"]


def test_errors_are_friendly_pages_never_tracebacks(app, monkeypatch):  # noqa: ANN001
    browser = Browser(app, "zhangsan")
    missing = browser.get("/no/such/page")
    assert missing.status_code == 404 and "页面不存在" in _text(missing)

    def boom(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr("web.pages.applicant.case_service.list_cases", boom)
    response = browser.get("/applicant")
    assert response.status_code == 500
    assert "系统出现问题" in _text(response) and "secret internal detail" not in _text(response)
    assert "Traceback" not in _text(response)


def test_english_is_one_switch_away(app):  # noqa: ANN001
    browser = Browser(app, "zhangsan")
    response = browser.get("/catalogue?lang=en")
    assert "Apply for a matter" in _text(response) and "1 working day" in _text(response)
    assert "govflow_lang=en" in response.headers.get("Set-Cookie", "")
    assert "My cases" in _text(browser.get("/applicant"))  # remembered
    assert "我的办件" in _text(browser.get("/applicant?lang=zh"))


def test_every_page_string_has_a_chinese_translation():
    from babel.messages.extract import extract_from_dir
    from babel.messages.mofile import read_mo
    from babel.messages.pofile import read_po

    po = read_po((WEB / "translations/zh/LC_MESSAGES/messages.po").open("rb"))
    mo = read_mo((WEB / "translations/zh/LC_MESSAGES/messages.mo").open("rb"))
    method_map = [("pages/**.py", "python"), ("templates/**.html", "jinja2")]
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}
    missing = []
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(WEB), method_map, keywords=keywords
    ):
        msgid = message[0] if isinstance(message, tuple) else message
        entry = po.get(msgid)
        if (
            entry is None
            or not entry.string
            or (isinstance(entry.string, tuple) and not entry.string[0])
        ):
            missing.append(msgid)
    assert not missing, f"untranslated (run pybabel extract/update, then translate): {missing}"

    # The compiled catalogue is the one in the repository: .mo matches .po.
    def entries(catalog):  # noqa: ANN001, ANN202
        as_key = lambda v: tuple(v) if isinstance(v, list | tuple) else v  # noqa: E731
        return {as_key(m.id): as_key(m.string) for m in catalog if m.id}

    assert entries(po) == entries(mo)


# --- the clerk verbs as buttons ----------------------------------------------------------


def _open_id(govflow, clerk: str, case_id: int, bpmn_id: str) -> str:  # noqa: ANN001
    rows, _ = tasks.list_tasks(govflow, _actor(govflow, clerk), per_page=200)
    return next(
        r.id
        for r in rows
        if r.case_id == case_id and r.bpmn_id == bpmn_id and r.status in ("ready", "claimed")
    )


def _claimed(govflow, clerk: str, case_id: int, bpmn_id: str) -> str:  # noqa: ANN001
    task_id = _open_id(govflow, clerk, case_id, bpmn_id)
    tasks.claim(govflow, _actor(govflow, clerk), task_id)
    return task_id


def _done(govflow, clerk: str, case_id: int, bpmn_id: str, data: dict) -> str:  # noqa: ANN001
    task_id = _claimed(govflow, clerk, case_id, bpmn_id)
    tasks.complete(govflow, _actor(govflow, clerk), task_id, data)
    return task_id


def _row(govflow, task_id: str):  # noqa: ANN001, ANN202
    return tasks.get_task(govflow, _actor(govflow, "supervisor"), task_id)


def _flashes(browser: Browser, path: str) -> str:
    return _text(browser.get(path))


def _concluded_property_case(govflow) -> int:  # noqa: ANN001
    case_id = _start(govflow)
    _done(govflow, "clerk_service_center", case_id, "acceptance", {"accepted": True})
    _done(govflow, "clerk_registry", case_id, "registry_review", {"approved": True})
    _done(
        govflow,
        "clerk_tax",
        case_id,
        "collect_tax",
        {"tax_amount": 32000, "paid": True, "receipt_no": "WS-P-1"},
    )
    _done(
        govflow,
        "clerk_registry",
        case_id,
        "record_register",
        {"new_certificate_no": "BJ2026-0100009", "registered_on": "2026-11-23"},
    )
    return case_id


def test_return_with_a_reason_reaches_the_window_as_a_notice(app, govflow):  # noqa: ANN001
    case_id = _start(govflow)
    window_task = _done(govflow, "clerk_service_center", case_id, "acceptance", {"accepted": True})
    review = _claimed(govflow, "clerk_registry", case_id, "registry_review")
    registry = Browser(app, "clerk_registry")
    page = _text(registry.get(f"/tasks/{review}"))
    assert 'data-test="return-form"' in page and 'value="acceptance"' in page
    # refused: no reason — the message is on the page, nothing moves
    refused = registry.post(f"/tasks/{review}/return", {"target": "acceptance", "reason": ""})
    assert refused.status_code == 302 and refused.headers["Location"].endswith("#actions")
    assert "请写明原因" in _flashes(registry, f"/tasks/{review}")
    assert _row(govflow, review).status == "claimed"
    returned = registry.post(
        f"/tasks/{review}/return", {"target": "acceptance", "reason": "卖方身份证复印件不清晰"}
    )
    assert returned.status_code == 302 and returned.headers["Location"].startswith("/worklist")
    assert _row(govflow, window_task).status in ("ready", "claimed")

    window = Browser(app, "clerk_service_center")
    worklist = _text(window.get("/worklist"))
    assert 'data-test="notice-mark"' in worklist and "退回" in worklist
    task_page = _text(window.get(f"/tasks/{window_task}"))
    assert 'data-test="task-notice"' in task_page and "卖方身份证复印件不清晰" in task_page
    timeline = _text(window.get(f"/cases/{case_id}"))
    assert "退回至前序环节" in timeline


def test_withdraw_own_step_from_the_case_page_until_the_next_is_taken(app, govflow):  # noqa: ANN001
    case_id = _start(govflow)
    window_task = _done(govflow, "clerk_service_center", case_id, "acceptance", {"accepted": True})
    window = Browser(app, "clerk_service_center")
    page = _text(window.get(f"/cases/{case_id}"))
    assert 'data-test="withdraw-acceptance"' in page
    withdrawn = window.post(
        f"/tasks/{window_task}/withdraw", {"reason": "漏看抵押信息", "next": f"/cases/{case_id}"}
    )
    assert withdrawn.headers["Location"] == f"/tasks/{window_task}"
    assert _row(govflow, window_task).status == "claimed"
    assert "已撤回" in _flashes(window, f"/tasks/{window_task}")

    # completed again, and this time the registry takes it up: withdrawing is refused
    tasks.complete(
        govflow, _actor(govflow, "clerk_service_center"), window_task, {"accepted": True}
    )
    _claimed(govflow, "clerk_registry", case_id, "registry_review")
    refused = window.post(f"/tasks/{window_task}/withdraw", {"next": f"/cases/{case_id}"})
    assert refused.headers["Location"] == f"/cases/{case_id}"
    assert "不能再撤回" in _flashes(window, f"/cases/{case_id}")
    assert _row(govflow, window_task).status == "completed"


def test_transfer_delegate_and_hand_back_through_the_task_page(app, govflow):  # noqa: ANN001
    case_id = _start(govflow)
    _done(govflow, "clerk_service_center", case_id, "acceptance", {"accepted": True})
    task_id = _claimed(govflow, "clerk_tax", case_id, "collect_tax")
    tax = Browser(app, "clerk_tax")
    page = _text(tax.get(f"/tasks/{task_id}"))
    assert 'value="clerk_tax2"' in page and 'data-test="delegate-form"' in page
    refused = tax.post(f"/tasks/{task_id}/transfer", {"to": "clerk_tax2", "reason": ""})
    assert refused.status_code == 302
    assert "请写明原因" in _flashes(tax, f"/tasks/{task_id}")
    assert _row(govflow, task_id).assignee == "clerk_tax"
    moved = tax.post(f"/tasks/{task_id}/transfer", {"to": "clerk_tax2", "reason": "休假"})
    assert moved.headers["Location"].startswith("/worklist")
    assert _row(govflow, task_id).assignee == "clerk_tax2"

    colleague = Browser(app, "clerk_tax2")
    assert "转办给您" in _text(colleague.get(f"/tasks/{task_id}"))
    colleague.post(
        f"/tasks/{task_id}/delegate", {"to": "clerk_registry", "reason": "请核对房屋面积"}
    )
    row = _row(govflow, task_id)
    assert row.owner == "clerk_tax2" and row.assignee == "clerk_registry"
    # the owner can no longer hand it on while it is delegated
    colleague.get(f"/tasks/{task_id}")
    again = colleague.post(f"/tasks/{task_id}/transfer", {"to": "clerk_tax", "reason": "x"})
    assert again.status_code == 302 and _row(govflow, task_id).assignee == "clerk_registry"

    registry = Browser(app, "clerk_registry")
    page = _text(registry.get(f"/tasks/{task_id}"))
    assert 'data-test="resolve-form"' in page and "请核对房屋面积" in page
    assert 'data-test="task-form"' not in page  # the delegate gives an opinion, no more
    back = registry.post(f"/tasks/{task_id}/resolve", {"opinion": "面积 89.5㎡ 无误"})
    assert back.headers["Location"].startswith("/worklist")
    row = _row(govflow, task_id)
    assert row.assignee == "clerk_tax2" and row.owner is None
    assert "面积 89.5㎡ 无误" in _text(colleague.get(f"/tasks/{task_id}"))


def test_urge_by_the_applicant_once_a_day_and_not_by_a_clerk(app, govflow):  # noqa: ANN001
    case_id = _start(govflow)
    task_id = _task_id(govflow, "clerk_service_center", case_id, "acceptance")
    applicant = Browser(app, "zhangsan")
    page = _text(applicant.get(f"/cases/{case_id}"))
    assert 'data-test="urge-acceptance"' in page
    urged = applicant.post(
        f"/tasks/{task_id}/urge", {"message": "请尽快受理", "next": f"/cases/{case_id}"}
    )
    assert urged.headers["Location"] == f"/cases/{case_id}"
    assert "已催办" in _flashes(applicant, f"/cases/{case_id}")
    assert _row(govflow, task_id).urge_count == 1
    applicant.post(f"/tasks/{task_id}/urge", {"next": f"/cases/{case_id}"})
    assert "一天内已催办" in _flashes(applicant, f"/cases/{case_id}")
    # a clerk may not urge: the message, and no second urge
    clerk = Browser(app, "clerk_service_center")
    clerk.get(f"/cases/{case_id}")
    clerk.post(f"/tasks/{task_id}/urge", {"next": f"/cases/{case_id}"})
    assert "无权" in _flashes(clerk, f"/cases/{case_id}")
    assert _row(govflow, task_id).urge_count == 1
    worklist = _text(clerk.get("/worklist"))
    assert "催办 1 次" in worklist
    task_page = _text(clerk.get(f"/tasks/{task_id}"))
    assert 'data-test="urges"' in task_page and "请尽快受理" in task_page


def test_refusal_with_statutory_reasons_then_the_applicant_rates(app, govflow):  # noqa: ANN001
    case_id = _start(govflow, seller_name="王芳", seller_id_number=WANGFANG_ID)  # not lisi's
    task_id = _claimed(govflow, "clerk_service_center", case_id, "acceptance")
    window = Browser(app, "clerk_service_center")
    page = _text(window.get(f"/tasks/{task_id}"))
    assert 'data-test="refuse-form"' in page and "legally_restricted" in page
    window.post(f"/tasks/{task_id}/refuse", {"reason": "other"})  # other needs the basis
    assert "法律依据" in _flashes(window, f"/tasks/{task_id}")
    assert _row(govflow, task_id).status == "claimed"
    refused = window.post(
        f"/tasks/{task_id}/refuse",
        {"reason": "legally_restricted", "note": "该房产已被法院查封"},
    )
    assert refused.headers["Location"] == f"/cases/{case_id}"
    applicant = Browser(app, "zhangsan")
    page = _text(applicant.get(f"/cases/{case_id}"))
    assert 'data-test="refusal"' in page and "不动产被查封" in page and "该房产已被法院查封" in page
    assert 'data-test="rating-form"' in page
    # lisi cannot rate zhangsan's case; the clerk neither
    lisi = Browser(app, "lisi")
    lisi.get("/applicant")
    assert lisi.post(f"/cases/{case_id}/rating", {"level": "1"}).status_code == 404
    window.get(f"/cases/{case_id}")
    window.post(f"/cases/{case_id}/rating", {"level": "1"})
    assert "无权" in _flashes(window, f"/cases/{case_id}")
    rated = applicant.post(
        f"/cases/{case_id}/rating",
        {
            "level": "2",
            "comment": "理由没讲清楚",
            "department": "service_center",
            "level_service_center": "2",
        },
    )
    assert rated.headers["Location"].endswith("#rating")
    page = _text(applicant.get(f"/cases/{case_id}"))
    assert 'data-test="rating"' in page and "理由没讲清楚" in page and "不满意" in page
    applicant.post(f"/cases/{case_id}/rating", {"level": "5"})
    assert "已评价过" in _flashes(applicant, f"/cases/{case_id}")

    dashboard = _text(Browser(app, "supervisor").get("/supervisor"))
    assert 'data-test="ratings-by-department"' in dashboard and "政务服务中心" in dashboard
    assert "待整改" in dashboard


def test_supervisor_suspends_resumes_and_terminates_a_case(app, govflow):  # noqa: ANN001
    case_id = _start(govflow)
    task_id = _claimed(govflow, "clerk_service_center", case_id, "acceptance")
    clerk = Browser(app, "clerk_service_center")
    clerk.get(f"/cases/{case_id}")
    clerk.post(f"/cases/{case_id}/suspend", {"reason": "x"})  # not a supervisor
    assert "无权" in _flashes(clerk, f"/cases/{case_id}")

    supervisor = Browser(app, "supervisor")
    page = _text(supervisor.get(f"/cases/{case_id}"))
    assert 'data-test="suspend-form"' in page and 'data-test="terminate-form"' in page
    supervisor.post(f"/cases/{case_id}/suspend", {"reason": ""})
    assert "请写明原因" in _flashes(supervisor, f"/cases/{case_id}")
    supervisor.post(f"/cases/{case_id}/suspend", {"reason": "涉及权属争议，等待法院裁定"})
    page = _text(supervisor.get(f"/cases/{case_id}"))
    assert 'data-test="suspended"' in page and 'data-test="resume-form"' in page
    # the clerk sees it on the task page and cannot complete
    assert 'data-test="suspended"' in _text(clerk.get(f"/tasks/{task_id}"))
    clerk.post(f"/tasks/{task_id}/complete", {"accepted": "true"})
    assert "挂起" in _flashes(clerk, f"/tasks/{task_id}")
    assert _row(govflow, task_id).status == "claimed"

    supervisor.post(f"/cases/{case_id}/resume", {"note": "裁定已出"})
    assert "恢复办理" in _flashes(supervisor, f"/cases/{case_id}")
    supervisor.post(f"/cases/{case_id}/terminate", {"reason": "申请人撤回申请"})
    page = _text(supervisor.get(f"/cases/{case_id}"))
    assert 'data-test="terminated"' in page and "申请人撤回申请" in page
    assert 'data-test="case-control"' not in page


def test_rating_after_conclusion_per_department(app, govflow):  # noqa: ANN001
    case_id = _concluded_property_case(govflow)
    applicant = Browser(app, "zhangsan")
    page = _text(applicant.get(f"/cases/{case_id}"))
    assert 'name="level_registry"' in page and 'name="level_tax"' in page
    applicant.post(f"/cases/{case_id}/rating", {"comment": "没选等级"})
    assert "1–5" in _flashes(applicant, f"/cases/{case_id}")
    applicant.post(
        f"/cases/{case_id}/rating",
        {
            "level": "5",
            "department": ["service_center", "registry", "tax"],
            "level_registry": "5",
            "comment_registry": "登簿很快",
            "level_tax": "",
        },
    )
    page = _text(applicant.get(f"/cases/{case_id}"))
    assert "非常满意" in page and "登簿很快" in page and 'data-test="rating-form"' not in page


def test_supplement_answer_corrects_application_fields(app, govflow):  # noqa: ANN001
    case_id = _start(govflow, "business_startup")
    task_id = _claimed(govflow, "clerk_service_center", case_id, "acceptance")
    from engine.services import clock_stops

    clock_stops.request_supplement(
        govflow,
        _actor(govflow, "clerk_service_center"),
        task_id,
        [{"name": "企业名称", "reason": "名称含禁用字词"}],
        "",
    )
    applicant = Browser(app, "zhangsan")
    page = _text(applicant.get(f"/cases/{case_id}"))
    assert 'data-test="corrections"' in page and 'value="张三科技有限公司"' in page
    bad = applicant.post(
        f"/cases/{case_id}/supplement",
        {"correct": "1", "company_name": "张三软件有限公司", "legal_rep_id_number": "123"},
    )
    assert bad.status_code == 422 and 'data-test="form-errors"' in _text(bad)
    assert 'value="张三软件有限公司"' in _text(bad)  # what was typed is kept
    good = applicant.post(
        f"/cases/{case_id}/supplement",
        {"correct": "1", "company_name": "张三软件有限公司", "note": "已改名"},
    )
    assert good.status_code == 302
    assert "已提交 1 项更正" in _flashes(applicant, f"/cases/{case_id}")
    with __import__("engine.uow", fromlist=["read_only"]).read_only(govflow.db) as session:
        case = cases.get_visible_case(session, _actor(govflow, "zhangsan"), case_id)
        assert case.status == "running"


def test_worklist_tabs_use_the_deadline_filter(app, govflow):  # noqa: ANN001
    _start(govflow)
    clerk = Browser(app, "clerk_service_center")
    for view in ("ready", "mine", "warning", "overdue"):
        assert clerk.get(f"/worklist?view={view}").status_code == 200
    supervisor = Browser(app, "supervisor")
    assert supervisor.get("/supervisor/tasks?state=overdue").status_code == 200


def test_a_supervisor_completes_a_rectification_task_from_the_case_page(app, govflow):  # noqa: ANN001
    from tests.support import Api
    from tests.test_verbs_ratings import concluded, rate

    api = Api(app.test_client())
    case_id = concluded(api)
    rating = rate(api, case_id, {"level": 1, "comment": "多次往返"}).get_json()
    task_id = rating["rectification_task_id"]
    supervisor = Browser(app, "supervisor")
    case_page = supervisor.get(f"/cases/{case_id}").get_data(as_text=True)
    assert f"/tasks/{task_id}" in case_page
    assert supervisor.get(f"/tasks/{task_id}").status_code == 200
    done = supervisor.post(
        f"/tasks/{task_id}/complete", {"findings": "窗口引导不清", "measures": "增设导办员"}
    )
    assert done.status_code == 302
    task = api.get(f"/api/v1/tasks/{task_id}", "supervisor").get_json()
    assert task["status"] == "completed" and task["completed_by"] == "supervisor"
    # Any other task stays out of a supervisor's hands.
    other_case = _start(govflow)
    acceptance = api.open_task("clerk_service_center", other_case, "acceptance")["id"]
    supervisor.get(f"/tasks/{acceptance}")
    refused = supervisor.post(f"/tasks/{acceptance}/complete", {"accepted": "true"})
    assert refused.status_code == 403
    assert api.get(f"/api/v1/tasks/{acceptance}", "supervisor").get_json()["status"] == "ready"
