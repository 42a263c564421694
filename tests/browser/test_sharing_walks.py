"""Issue 15 in a real browser: the designer's 共享申请 button → the provider department's
clerk approves → the deploy warning is gone on redeploy and the pull works; a refusal
with its reason on a phone; and the administrator's calendar and providers pages at
1366×768 and 390×844."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser.conftest import DESKTOP, PHONE
from tests.shared_data_support import materials
from tests.support import Api

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "bpmn" / "housing_fund_share.bpmn"

pytestmark = pytest.mark.browser


def _matter(key: str, step_name: str = "贷款审核") -> bytes:
    """公积金贷款购房 as drawn in Camunda Modeler (with its diagram): no start form, one pull
    of identity, property and marriage by ``applicant.id_number``."""
    text = FIXTURE.read_text(encoding="utf-8")
    return text.replace("KEY", key).replace("STEP", step_name).encode()


def _deploy(w, key: str, xml: bytes, shot: str) -> None:  # noqa: ANN001
    w.goto("/designer", f"{shot}-designer")
    w.page.set_input_files(
        "#file", files=[{"name": f"{key}.bpmn", "mimeType": "application/xml", "buffer": xml}]
    )
    w.follow("form[enctype='multipart/form-data'] button[type=submit]")
    assert f"/designer/definitions/{key}" in w.page.url, w.page.url
    w.check(shot)


def test_a_sharing_request_approved_by_the_clerk_lifts_the_warning(walk, live_server):  # noqa: ANN001
    key = "fund_share_walk"
    designer = walk("sharing-designer")
    designer.login("designer")
    _deploy(designer, key, _matter(key), "deployed")
    page = designer.page
    assert "“identity”" in page.inner_text("[data-test=deploy-warnings]")
    need = page.locator("[data-test=sharing-need][data-provider=identity]")
    need.locator("textarea[name=reason]").fill("公积金贷款需核验购房人身份")
    designer.follow(need.locator("[data-test=sharing-file]"))
    designer.check("request-filed")
    need = page.locator("[data-test=sharing-need][data-provider=identity]")
    assert "待审批" in need.inner_text()
    assert not need.locator("[data-test=sharing-file]").count()  # no second request

    clerk = walk("sharing-clerk")
    clerk.login("clerk_public_security")
    clerk.goto("/worklist", "worklist")
    clerk.follow("[data-test=sharing-waiting] a")
    clerk.check("sharing-requests")
    item = clerk.page.locator("[data-test=sharing-request]", has_text=key)
    assert "公积金贷款需核验购房人身份" in item.inner_text()
    clerk.follow(item.locator("[data-test=sharing-approve]"))
    clerk.check("approved")
    assert "已同意" in clerk.page.inner_text(".flashes")

    # The designer is told (the bell's inbox).
    designer.goto("/inbox", "inbox")
    assert "共享申请已同意：居民身份信息" in page.inner_text("body")

    # Redeployed (a new version): the warning for identity is gone, the others stay.
    _deploy(designer, key, _matter(key, "贷款审核（二）"), "redeployed")
    warnings = page.inner_text("[data-test=deploy-warnings]")
    assert "“identity”" not in warnings and "“property”" in warnings
    assert not page.locator("[data-test=sharing-need][data-provider=identity]").count()
    assert "已同意" in page.inner_text("[data-test=sharing-history]")
    # And the pull works: a new case gets the applicant's identity record.
    api = Api(live_server["app"].test_client())
    case = api.start_case(key, {})
    assert materials(case)["identity:applicant.id_number"]["status"] == "shared"


def test_a_refusal_with_its_reason_reaches_the_designer_on_a_phone(walk):  # noqa: ANN001
    key = "fund_share_phone"
    designer = walk("sharing-designer-phone", PHONE)
    designer.login("designer")
    _deploy(designer, key, _matter(key), "deployed-phone")
    need = designer.page.locator("[data-test=sharing-need][data-provider=property]")
    need.locator("textarea[name=reason]").fill("核验房屋权属")
    designer.follow(need.locator("[data-test=sharing-file]"))
    designer.check("request-filed-phone")

    clerk = walk("sharing-clerk-phone", PHONE)
    clerk.login("clerk_registry")
    clerk.goto("/sharing-requests", "sharing-requests-phone")
    item = clerk.page.locator("[data-test=sharing-request]", has_text=key)
    # Refusing without a reason is refused, and says so.
    clerk.follow(item.locator("[data-test=sharing-refuse]"))
    clerk.check("refuse-without-reason")
    assert "请检查" in clerk.page.inner_text(".flashes")
    item = clerk.page.locator("[data-test=sharing-request]", has_text=key)
    item.locator("textarea[name=reason]").fill("该用途不在本部门共享目录内")
    clerk.follow(item.locator("[data-test=sharing-refuse]"))
    clerk.check("refused-phone")

    designer.goto(f"/designer/definitions/{key}", "definition-after-refusal")
    need = designer.page.locator("[data-test=sharing-need][data-provider=property]")
    assert "未同意" in need.inner_text() and "该用途不在本部门共享目录内" in need.inner_text()
    assert need.locator("[data-test=sharing-file]").count() == 1  # may ask again


@pytest.mark.parametrize(("viewport", "year"), [(DESKTOP, 2031), (PHONE, 2032)])
def test_the_administrator_views_and_loads_a_calendar_year(walk, viewport, year):  # noqa: ANN001
    w = walk(f"calendar-{viewport['width']}", viewport)
    page = w.page
    w.login("admin")
    w.follow("[data-test=nav-calendar]")
    w.check("calendar")
    assert page.locator("[data-test=calendar-years]").count()
    w.goto("/admin/calendar?year=2025", "calendar-2025")
    assert page.locator("td.holiday[data-day='2025-10-01']").count() == 1
    assert page.locator("[data-test=year-official]").count() == 1

    w.goto(f"/admin/calendar?year={year}", f"calendar-{year}")
    assert page.locator("[data-test=year-unofficial]").count() == 1
    page.fill("#cal-holidays", f"{year}-10-01\n{year}-10-02")
    page.fill("#cal-workdays", f"{year}-10-06")  # a weekday: refused
    w.follow("[data-test=calendar-save]")
    w.check("calendar-refused")
    assert f"{year}-10-06" in page.inner_text("[data-test=calendar-problems]")
    assert page.input_value("#cal-holidays") == f"{year}-10-01\n{year}-10-02"  # kept

    saturday = {2031: "2031-09-27", 2032: "2032-09-25"}[year]
    page.fill("#cal-workdays", saturday)
    page.fill("#cal-source", "国务院办公厅通知")
    page.check("input[name=official]")
    w.follow("[data-test=calendar-save]")
    w.check("calendar-saved")
    assert page.locator("[data-test=year-official]").count() == 1
    assert page.locator(f"td.holiday[data-day='{year}-10-01']").count() == 1
    assert page.locator(f"td.workday[data-day='{saturday}']").count() == 1

    clerk = walk(f"calendar-clerk-{viewport['width']}", viewport)
    clerk.login("clerk_tax")
    clerk.goto("/admin/calendar", "calendar-forbidden", status=403)


@pytest.mark.parametrize(("viewport", "provider"), [(DESKTOP, "marriage"), (PHONE, "property")])
def test_the_administrator_sees_and_edits_the_providers(walk, viewport, provider):  # noqa: ANN001
    w = walk(f"providers-{viewport['width']}", viewport)
    page = w.page
    w.login("admin")
    w.follow("[data-test=nav-providers]")
    w.check("providers")
    row = page.locator(f"[data-test=provider-row][data-name={provider}]")
    assert "有条件共享" in row.inner_text() and "内置数据表" in row.inner_text()
    w.follow(row.locator("a").first)
    w.check("provider-form")
    declared = page.input_value("#purposes")

    page.fill("#purposes", declared + "\nnot a purpose")
    w.follow("[data-test=save]")
    w.check("provider-refused")
    assert page.locator("#purposes-err").count() == 1

    page.fill("#purposes", declared + "\nwalk_matter/*")
    w.follow("[data-test=save]")
    w.check("provider-saved")
    row = page.locator(f"[data-test=provider-row][data-name={provider}]")
    assert "walk_matter/*" in row.inner_text()

    designer = walk(f"providers-designer-{viewport['width']}", viewport)
    designer.login("designer")
    designer.goto("/admin/providers", "providers-forbidden", status=403)


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_a_supervisor_reaches_the_sharing_requests_from_the_navigation(walk, viewport):  # noqa: ANN001
    supervisor = walk("sharing-nav-supervisor", viewport)
    supervisor.login("supervisor")
    link = supervisor.page.locator("nav.mainnav [data-test=nav-sharing]")
    assert link.inner_text().startswith("共享申请")
    supervisor.follow(link)
    supervisor.check("sharing-requests")
    assert supervisor.page.url.endswith("/sharing-requests")
    assert "共享申请" in supervisor.page.inner_text("h1")
    assert not supervisor.page.locator(".crumbs").count()  # no way back to a worklist it lacks
    # The link shows it is the page open.
    assert "active" in link.get_attribute("class")

    applicant = walk("sharing-nav-applicant", viewport)
    applicant.login("zhangsan")
    assert not applicant.page.locator("[data-test=nav-sharing]").count()
    applicant.goto("/sharing-requests", "sharing-forbidden", status=403)
