"""The pages of issue 15's administrator and sharing work, through Flask's test client:
the designer's 共享申请 button on the definition page, the provider department's list where
its clerk approves or refuses, and the administrator's calendar and providers pages (admin
only, CSRF, the API's validation)."""

from __future__ import annotations

import pytest

from engine.services import calendar as calendar_service
from tests.bpmn_support import deployed
from tests.support import Api
from tests.test_designer_advice import HOUSING_FUND, housing_fund_loan
from tests.test_pages import Browser, _text

DEFINITION = f"/designer/definitions/{HOUSING_FUND}"


def _file(browser: Browser, provider: str = "identity", reason: str = "核验购房人身份"):  # noqa: ANN202
    browser.get(DEFINITION)
    return browser.post(
        f"{DEFINITION}/sharing-requests",
        {"provider": provider, "purpose": f"{HOUSING_FUND}/pull", "reason": reason},
    )


def test_the_designer_files_and_the_department_clerk_approves(app, api: Api):  # noqa: ANN001
    deployed(api, housing_fund_loan())
    designer = Browser(app, "designer")
    page = _text(designer.get(DEFINITION))
    assert 'data-test="sharing-file"' in page and "居民身份信息" in page

    filed = _file(designer)

    assert filed.status_code == 302
    page = _text(designer.get(DEFINITION))
    assert "已发送给数据提供部门" in page or "sent to the provider" in page
    assert "待审批" in page  # the request's state on the definition page
    clerk = Browser(app, "clerk_public_security")
    assert 'data-test="sharing-waiting"' in _text(clerk.get("/worklist"))
    listing = _text(clerk.get("/sharing-requests"))
    assert "核验购房人身份" in listing and f"{HOUSING_FUND}/pull" in listing
    request_id = api.get("/api/v1/shared-data/sharing-requests", "designer").get_json()["items"][0][
        "id"
    ]
    # Another department's clerk may not decide it (and does not see it).
    other = Browser(app, "clerk_registry")
    assert "核验购房人身份" not in _text(other.get("/sharing-requests"))
    other.post(f"/sharing-requests/{request_id}/decision", {"decision": "approve"})
    assert (
        api.get(f"/api/v1/shared-data/sharing-requests/{request_id}", "designer").get_json()[
            "status"
        ]
        == "open"
    )

    clerk.post(f"/sharing-requests/{request_id}/decision", {"decision": "approve"})

    decided = api.get(f"/api/v1/shared-data/sharing-requests/{request_id}", "designer").get_json()
    assert decided["status"] == "approved" and decided["decided_by"] == "clerk_public_security"
    page = _text(designer.get(DEFINITION))
    assert 'data-provider="identity"' not in page  # no longer needed
    assert "已同意" in page  # the history shows the decision


def test_a_refusal_without_a_reason_is_said_and_changes_nothing(app, api: Api):  # noqa: ANN001
    deployed(api, housing_fund_loan())
    _file(Browser(app, "designer"))
    clerk = Browser(app, "clerk_public_security")
    clerk.get("/sharing-requests")
    request_id = api.get("/api/v1/shared-data/sharing-requests", "designer").get_json()["items"][0][
        "id"
    ]

    clerk.post(f"/sharing-requests/{request_id}/decision", {"decision": "refuse"})

    assert "请检查" in _text(clerk.get("/sharing-requests"))
    one = api.get(f"/api/v1/shared-data/sharing-requests/{request_id}", "designer").get_json()
    assert one["status"] == "open"


def test_sharing_forms_need_the_csrf_token_and_the_right_role(app, api: Api):  # noqa: ANN001
    deployed(api, housing_fund_loan())
    designer = Browser(app, "designer")
    designer.get(DEFINITION)
    forged = designer.post(
        f"{DEFINITION}/sharing-requests",
        {"provider": "identity", "purpose": f"{HOUSING_FUND}/pull", "reason": "x"},
        token=False,
    )
    assert forged.status_code == 400
    assert Browser(app, "zhangsan").get("/sharing-requests").status_code == 403
    assert api.get("/api/v1/shared-data/sharing-requests", "designer").get_json()["items"] == []


def _nav(browser: Browser) -> str:
    """The main navigation of the signed-in user's home page."""
    page = _text(browser.get("/", follow_redirects=True))
    start = page.index('class="mainnav"')
    return page[start : page.index("</nav>", start)]


def test_the_navigation_links_the_deciders_to_the_requests_with_their_open_count(app, api: Api):  # noqa: ANN001
    deployed(api, housing_fund_loan())
    _file(Browser(app, "designer"))  # to 公安局, the owner of the identity provider
    department_supervisor = {
        "username": "supervisor_police",
        "display_name": "公安局督办员",
        "roles": ["supervisor"],
        "department": "public_security",
        "password": "Police-supervisor-2026",
    }
    assert api.post("/api/v1/users", "admin", json=department_supervisor).status_code == 201

    police = Browser(app)
    police.login("supervisor_police", "Police-supervisor-2026")

    # The department's clerk and its supervisor: the link, with the one open request.
    for user in (Browser(app, "clerk_public_security"), police):
        nav = _nav(user)
        assert 'data-test="nav-sharing"' in nav and "共享申请" in nav
        assert 'data-test="nav-sharing-count"' in nav and ">1</span>" in nav
        assert "核验购房人身份" in _text(user.get("/sharing-requests"))
    # Another department's clerk and a supervisor of no department: the link, no count.
    for username in ("clerk_registry", "supervisor"):
        nav = _nav(Browser(app, username))
        assert 'data-test="nav-sharing"' in nav and "nav-sharing-count" not in nav
    # Decided, the request no longer counts.
    request_id = api.get("/api/v1/shared-data/sharing-requests", "designer").get_json()["items"][0][
        "id"
    ]
    clerk = Browser(app, "clerk_public_security")
    clerk.get("/sharing-requests")
    clerk.post(f"/sharing-requests/{request_id}/decision", {"decision": "approve"})
    assert "nav-sharing-count" not in _nav(clerk)


@pytest.mark.parametrize("username", ["admin", "designer", "zhangsan"])
def test_who_may_not_decide_has_no_link_and_is_refused_the_page(app, username: str):  # noqa: ANN001
    browser = Browser(app, username)
    assert "nav-sharing" not in _nav(browser)
    assert browser.get("/sharing-requests").status_code == 403


# --- the calendar page ---------------------------------------------------------------------


def test_the_calendar_page_shows_a_year_as_months_and_which_years_are_official(app):  # noqa: ANN001
    admin = Browser(app, "admin")

    page = _text(admin.get("/admin/calendar?year=2025"))

    assert 'data-test="month-grid"' in page and 'data-day="2025-10-01"' in page
    assert 'class="holiday" title="2025-10-01"' in page  # National Day
    assert 'class="workday" title="2025-09-28"' in page  # the Sunday worked before it
    assert 'data-test="year-official"' in page
    far = _text(admin.get("/admin/calendar?year=2090"))
    assert 'data-test="year-unofficial"' in far


def test_an_admin_loads_a_year_through_the_form(app, govflow):  # noqa: ANN001
    admin = Browser(app, "admin")
    admin.get("/admin/calendar?year=2031")

    saved = admin.post(
        "/admin/calendar/2031",
        {
            "official": "on",
            "source": "国务院办公厅通知",
            "holidays": "2031-01-01\n2031-10-01, 2031-10-02",
            "workdays": "2031-09-28",
        },
    )

    assert saved.status_code == 302
    year = calendar_service.get_year(govflow, 2031)
    assert year["official"] is True
    assert year["holidays"] == ["2031-01-01", "2031-10-01", "2031-10-02"]
    assert year["workdays"] == ["2031-09-28"]
    assert "2031" in _text(admin.get("/admin/calendar?year=2031"))


@pytest.mark.parametrize(
    ("holidays", "workdays", "said"),
    [
        ("2031-02-30", "", "2031-02-30 不是 YYYY-MM-DD 格式的日期"),  # no such day
        ("2032-01-01", "", "2032-01-01 不在 2031 年内"),  # another year
        ("", "2031-09-29", "2031-09-29 是工作日"),  # a Monday: not an adjusted workday
        ("2031-09-28", "2031-09-28", "同时被列为节假日和调休上班日"),
    ],
)
def test_a_wrong_year_is_refused_with_the_problem_and_stores_nothing(
    app, govflow, holidays: str, workdays: str, said: str
):  # noqa: ANN001
    admin = Browser(app, "admin")
    admin.get("/admin/calendar?year=2031")

    refused = admin.post(
        "/admin/calendar/2031", {"official": "on", "holidays": holidays, "workdays": workdays}
    )

    assert refused.status_code == 422
    page = _text(refused)
    assert 'data-test="calendar-problems"' in page and said in page
    assert holidays in page  # what was typed stays in the form
    assert calendar_service.get_year(govflow, 2031)["holidays"] == []


def test_the_calendar_page_is_for_administrators_only(app):  # noqa: ANN001
    for who in ("designer", "clerk_tax", "supervisor", "zhangsan"):
        browser = Browser(app, who)
        assert browser.get("/admin/calendar").status_code == 403
        assert browser.post("/admin/calendar/2031", {"holidays": "2031-01-01"}).status_code == 403
    admin = Browser(app, "admin")
    admin.get("/admin/calendar")
    forged = admin.post("/admin/calendar/2031", {"holidays": "2031-01-01"}, token=False)
    assert forged.status_code == 400


# --- the providers page --------------------------------------------------------------------


def test_the_providers_page_lists_them_and_never_shows_a_secret(app, api: Api, monkeypatch):  # noqa: ANN001
    from tests.shared_data_support import configure

    monkeypatch.setenv("GOVFLOW_EXCHANGE_HOSTS", "exchange.example.gov.cn")
    monkeypatch.setenv("GOVFLOW_EXCHANGE_TOKEN_TAX", "s3cret-value")
    answer = configure(
        api,
        "tax_record",
        kind="http",
        url="https://exchange.example.gov.cn/tax",
        credential_env="GOVFLOW_EXCHANGE_TOKEN_TAX",
    )
    assert answer.status_code == 200, answer.get_json()
    admin = Browser(app, "admin")

    page = _text(admin.get("/admin/providers"))

    assert "居民身份信息" in page and "property_transfer/*" in page
    assert "GOVFLOW_EXCHANGE_TOKEN_TAX" in page and "s3cret-value" not in page
    assert "已设置" in page  # the credential is present
    assert Browser(app, "designer").get("/admin/providers").status_code == 403
    assert Browser(app, "clerk_tax").get("/admin/providers/identity").status_code == 403


def test_an_admin_edits_a_providers_purposes(app, api: Api):  # noqa: ANN001
    admin = Browser(app, "admin")
    admin.get("/admin/providers/identity")

    saved = admin.post(
        "/admin/providers/identity",
        {
            "kind": "database",
            "timeout_seconds": "5",
            "retries": "1",
            "purposes": "property_transfer/*\nhousing_fund_loan/*\n",
            "enabled": "on",
        },
    )

    assert saved.status_code == 302
    listing = api.get("/api/v1/shared-data/providers?per_page=100", "admin").get_json()["items"]
    identity = next(p for p in listing if p["name"] == "identity")
    assert identity["purposes"] == ["property_transfer/*", "housing_fund_loan/*"]


@pytest.mark.parametrize(
    ("field", "value", "said"),
    [
        ("purposes", "property_transfer/*\nnot a purpose", "第 2 行不是"),
        ("retries", "9", "0 到 5 的整数"),
        ("timeout_seconds", "soon", "不超过 60 的秒数"),
        ("credential_env", "lower-case", "环境变量的名称"),
    ],
)
def test_a_bad_provider_form_is_refused_with_the_field_marked(app, api: Api, field, value, said):  # noqa: ANN001
    admin = Browser(app, "admin")
    admin.get("/admin/providers/identity")
    form = {"kind": "database", "timeout_seconds": "3", "retries": "2", "enabled": "on"}
    form[field] = value

    refused = admin.post("/admin/providers/identity", form)

    assert refused.status_code == 422
    assert f'id="{field}-err"' in _text(refused) and said in _text(refused)
    listing = api.get("/api/v1/shared-data/providers?per_page=100", "admin").get_json()["items"]
    identity = next(p for p in listing if p["name"] == "identity")
    assert identity["purposes"] == ["property_transfer/*", "business_startup/*"]
    assert Browser(app, "admin").get("/admin/providers/no_such").status_code == 404


def test_the_new_pages_speak_english_when_asked(app, api: Api):  # noqa: ANN001
    deployed(api, housing_fund_loan())
    admin = Browser(app, "admin")
    assert "Working-day calendar" in _text(admin.get("/admin/calendar?lang=en"))
    assert "Shared-data providers" in _text(admin.get("/admin/providers"))
    designer = Browser(app, "designer")
    page = _text(designer.get(f"{DEFINITION}?lang=en"))
    assert "Shared data this matter may not use yet" in page and "Request sharing" in page
    assert "工作日历" in _text(admin.get("/admin/calendar?lang=zh"))
