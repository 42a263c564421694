"""容缺受理 and 告知承诺制 in a real browser: the applicant signs a pledge on the case
page, the window sees it and accepts with a material to follow, the applicant uploads it
later; every page screenshotted."""

from __future__ import annotations

import re

import pytest

from tests.support import business_application

from .test_walks import _open_task, _png, _start

pytestmark = pytest.mark.browser

UNREGISTERED = "北京市海淀区某某路 99 号（自有平房）"


def test_pledge_then_acceptance_with_a_material_to_follow_then_its_upload(
    walk, live_server, tmp_path
):  # noqa: ANN001
    app = live_server["app"]
    case_id = _start(app, "business_startup", business_application(address=UNREGISTERED))

    # The applicant signs the pledge for the proof of address.
    w = walk("reforms-applicant")
    page = w.page
    w.login("zhangsan")
    w.goto(f"/cases/{case_id}", "case-before-pledge")
    form = page.locator("[data-test=pledge-form-address_proof]")
    form.locator("summary").click()
    assert "郑重承诺" in form.inner_text()
    w.check("pledge-text-open")
    form.locator("[name=agreed]").check()
    w.follow(form.locator("[data-test=sign-address_proof]"))
    w.check("pledge-signed")
    assert page.locator("[data-test=pledge-address_proof]").count() == 1
    assert page.locator("[data-test=pledge-form-address_proof]").count() == 0

    # The window sees the pledge and accepts with the articles to follow.
    clerk = walk("reforms-window")
    cpage = clerk.page
    clerk.login("clerk_service_center")
    task_id = _open_task(app, "clerk_service_center", case_id, "acceptance")
    clerk.goto(f"/tasks/{task_id}", "acceptance-to-claim")
    clerk.follow("[data-test=claim]")
    clerk.check("acceptance-claimed")
    assert "住所" in cpage.inner_text("[data-test=pledged-materials]")
    deferral = cpage.locator("[data-test=deferral-form]")
    assert deferral.locator("[data-test=defer-legal_rep_id_card]").count() == 0  # key
    clerk.follow(deferral.locator("[data-test=defer]"))  # nothing ticked: refused
    clerk.check("deferral-nothing-ticked")
    assert cpage.locator(".flash-error").count() == 1
    cpage.locator("[data-test=defer-articles_of_association]").check()
    clerk.follow("[data-test=defer]")
    clerk.check("deferral-recorded")
    assert cpage.locator("[data-test=deferral-articles_of_association]").count() >= 1
    cpage.check("[name=accepted][value=true]")
    clerk.follow("[data-test=complete]", re.compile(r"/worklist"))
    clerk.check("accepted-with-deferral")

    # The market checks the pledge afterwards: its task shows the text as signed.
    market = walk("reforms-market")
    market.login("clerk_market")
    check_id = _open_task(app, "clerk_market", case_id, "pledge_check")
    market.goto(f"/tasks/{check_id}", "pledge-check")
    assert "郑重承诺" in market.page.inner_text("[data-test=reform-pledge_check]")

    # The market's registration waits; the applicant uploads the material later.
    w.goto(f"/cases/{case_id}", "case-material-to-follow")
    assert page.locator("[data-test=deferral-articles_of_association]").count() == 1
    form = page.locator("[data-test=upload-articles_of_association]")
    form.locator("input[type=file]").set_input_files(str(_png(tmp_path / "articles.png")))
    w.follow(form.locator("button"))
    w.check("deferred-material-uploaded")
    badge = page.locator("[data-test=deferral-articles_of_association]")
    assert "supplied" in (badge.get_attribute("class") or "")
