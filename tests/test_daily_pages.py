"""The daily pages: the clerk's worklist (search by matter, case number and applicant, the
已办 tab, a suspended case's steps marked and not claimable) and the case page's limits."""

from __future__ import annotations

from tests.support import Api, business_application, property_application
from tests.test_pages import Browser


def rows_of(page: str) -> int:
    return page.count('data-test="open-task"')


def test_the_search_narrows_the_worklist_to_one_case_or_applicant(app, api: Api):  # noqa: ANN001
    first = api.start_case("property_transfer", property_application(), as_="lisi")
    second = api.start_case("business_startup", business_application())
    clerk = Browser(app, "clerk_service_center")

    everything = clerk.get("/worklist").get_data(as_text=True)
    assert f"#{first['id']}" in everything and f"#{second['id']}" in everything

    by_case = clerk.get(f"/worklist?case={second['id']}").get_data(as_text=True)
    assert f"#{second['id']}" in by_case and f"#{first['id']}" not in by_case
    by_matter = clerk.get("/worklist?process_key=property_transfer").get_data(as_text=True)
    assert f"#{first['id']}" in by_matter and f"#{second['id']}" not in by_matter
    by_name = clerk.get("/worklist?applicant=李四").get_data(as_text=True)
    assert f"#{first['id']}" in by_name and f"#{second['id']}" not in by_name
    nobody = clerk.get("/worklist?applicant=王五").get_data(as_text=True)
    assert rows_of(nobody) == 0


def test_done_steps_are_listed_under_their_own_tab(app, api: Api):  # noqa: ANN001
    case = api.start_case("property_transfer", property_application(), as_="lisi")
    api.claim_and_complete(
        "clerk_service_center", case["id"], "acceptance", {"accepted": True, "opinion": "齐全"}
    )
    clerk = Browser(app, "clerk_service_center")
    done = clerk.get("/worklist?view=done").get_data(as_text=True)
    assert f"#{case['id']}" in done and 'data-test="claim"' not in done
    # A colleague's 已办 is their own.
    api.claim_and_complete("clerk_registry", case["id"], "registry_review", {"approved": True})
    mine = Browser(app, "clerk_registry").get("/worklist?view=done").get_data(as_text=True)
    assert f"#{case['id']}" in mine
    theirs = Browser(app, "clerk_registry2").get("/worklist?view=done")
    assert theirs.status_code == 200 and f"#{case['id']}" not in theirs.get_data(as_text=True)


def test_a_suspended_cases_step_is_marked_and_offers_no_claim(app, api: Api):  # noqa: ANN001
    case = api.start_case("property_transfer", property_application(), as_="lisi")
    suspended = api.post(
        f"/api/v1/cases/{case['id']}/suspend", "supervisor", json={"reason": "核查"}
    )
    assert suspended.status_code == 200, suspended.get_json()
    page = Browser(app, "clerk_service_center").get(f"/worklist?case={case['id']}")
    text = page.get_data(as_text=True)
    assert 'data-test="suspended"' in text and 'data-test="claim"' not in text


def test_the_case_page_shows_the_statutory_and_the_promised_limit(app, api: Api):  # noqa: ANN001
    case = api.start_case("property_transfer", property_application(), as_="lisi")
    api.claim_and_complete(
        "clerk_service_center", case["id"], "acceptance", {"accepted": True, "opinion": "齐全"}
    )
    page = Browser(app, "clerk_service_center").get(f"/cases/{case['id']}")
    text = page.get_data(as_text=True)
    assert 'data-test="limit-promised"' in text and 'data-test="limit-statutory"' in text
    assert "承诺时限" in text and "法定时限" in text


def test_clerks_open_uploaded_material_and_strangers_cannot(app, api: Api):  # noqa: ANN001
    from tests.shared_data_support import PDF, upload

    case = api.start_case("property_transfer", property_application(), confirmed=False)
    assert upload(api, case["id"], "deed_tax_certificate", "zhangsan").status_code in (200, 201)
    clerk = Browser(app, "clerk_service_center")
    page = clerk.get(f"/cases/{case['id']}").get_data(as_text=True)
    link = f"/cases/{case['id']}/materials/deed_tax_certificate/file"
    assert link in page

    preview = clerk.get(link)
    assert preview.status_code == 200 and preview.data == PDF
    assert preview.headers["Content-Type"] == "application/pdf"
    assert "inline" in preview.headers.get("Content-Disposition", "inline")
    assert "sandbox" in preview.headers["Content-Security-Policy"]
    saved = clerk.get(link + "?download=1")
    assert "attachment" in saved.headers["Content-Disposition"]
    # The seller sees the case but not the buyer's documents; another department's clerk
    # with no step on the case nothing.
    assert Browser(app, "lisi").get(link).status_code == 404
    assert Browser(app, "clerk_utilities").get(link).status_code in (403, 404)
