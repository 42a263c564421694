"""Notices, the inbox bell and 延期 in a real browser: the applicant downloads the 受理通知书
and reads their notifications; a clerk asks for an extension on the task page and the
department head approves it in the extensions worklist."""

from __future__ import annotations

import re

import pytest

from tests.support import property_application

from .test_walks import _do, _open_task, _start

pytestmark = pytest.mark.browser


def _accepted(app) -> int:  # noqa: ANN001
    case_id = _start(app, "property_transfer", property_application())
    _do(app, "clerk_service_center", case_id, "acceptance", {"accepted": True, "opinion": "齐全"})
    return case_id


def test_applicant_sees_the_bell_downloads_the_notice_and_reads_the_inbox(walk, live_server):  # noqa: ANN001
    case_id = _accepted(live_server["app"])
    w = walk("notices-applicant")
    page = w.page
    w.login("zhangsan")
    before = int(page.inner_text("[data-test=bell-count]"))
    assert before >= 1
    mine = page.locator("[data-test=my-notices]")
    assert "受理通知书" in mine.inner_text() and "〔20" in mine.inner_text()
    notice_url = mine.locator("a", has_text="受理通知书").first.get_attribute("href")
    with page.expect_download() as download:
        mine.locator("a", has_text="受理通知书").first.click()
    assert download.value.suggested_filename.endswith(".pdf")
    with open(download.value.path(), "rb") as handle:
        assert handle.read(5) == b"%PDF-"

    w.goto(f"/cases/{case_id}", "case-notices")
    assert "受理通知书" in page.inner_text("[data-test=case-notices]")

    w.follow("[data-test=bell]", re.compile(r"/inbox"))
    w.check("inbox")
    row = page.locator("[data-test=inbox] tr.unread", has_text=f"#{case_id}").first
    assert "申请已受理" in row.inner_text()
    w.follow(row.locator("button", has_text="标为已读"))
    w.check("inbox-after-read")
    after = page.locator("[data-test=bell-count]")
    assert (int(after.inner_text()) if after.count() else 0) == before - 1
    w.goto("/inbox?unread=true", "inbox-unread")

    # another applicant cannot download it
    other = walk("notices-other-applicant")
    other.login("lisi")
    other.goto(notice_url, "other-applicants-notice", status=404)


def test_clerk_asks_for_an_extension_and_the_head_approves_it(walk, live_server):  # noqa: ANN001
    app = live_server["app"]
    case_id = _accepted(app)
    task_id = _open_task(app, "clerk_tax", case_id, "collect_tax")
    clerk = walk("extension-clerk")
    clerk.login("clerk_tax")
    clerk.goto(f"/tasks/{task_id}", "task")
    clerk.follow("[data-test=claim]")
    page = clerk.page
    page.click("#extension summary")
    page.fill("#ext-days", "11")  # more than allowed: refused with the reason
    page.fill("#ext-reason", "需要实地核验")
    page.eval_on_selector("#ext-days", "e => e.removeAttribute('max')")
    clerk.follow("[data-test=request-extension]")
    clerk.check("extension-refused")
    assert page.locator(".flash-error").count() == 1
    page.click("#extension summary")
    page.fill("#ext-days", "5")
    page.fill("#ext-reason", "需要实地核验房屋现状")
    clerk.follow("[data-test=request-extension]")
    clerk.check("extension-requested")
    assert "已提交" in page.inner_text(".flash-success")

    head = walk("extension-head")
    head.login("supervisor")
    head.follow("[data-test=nav-extensions]", re.compile(r"/extensions"))
    head.check("extensions-pending")
    row = head.page.locator("[data-test=extensions] tr", has_text=f"#{case_id}")
    assert "需要实地核验房屋现状" in row.inner_text()
    head.follow(row.locator("button", has_text="批准").first)
    head.check("extensions-after")
    assert "已批准" in head.page.inner_text(".flash-success")
    head.goto(f"/cases/{case_id}", "case-extended")
    assert "已批准" in head.page.inner_text("[data-test=case-extensions]")
    assert "延期告知书" in head.page.inner_text("[data-test=case-notices]")
    # the clerk's worklist marks the extended case
    clerk.goto("/worklist?view=mine", "worklist-extended")
    row = clerk.page.locator("[data-test=worklist] tr", has_text=f"#{case_id}")
    assert row.locator("[data-test=extended]").count() == 1
