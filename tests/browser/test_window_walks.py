"""The window in a real browser, on a desktop and on a phone: 代办 for the applicant at
the counter, the choice when accepting with a material missing, and the 补正 round trip
with an "other" item answered by upload and the reply read on the clerk's task."""

from __future__ import annotations

import re

import pytest

from engine.demo import LISI_ID
from tests.support import business_application

from ..browser.conftest import DESKTOP, PHONE
from .test_walks import _case_id_from, _open_task, _png, _start

pytestmark = pytest.mark.browser

SIZES = [pytest.param(DESKTOP, id="desktop"), pytest.param(PHONE, id="phone")]
WINDOW = "clerk_service_center"


def _size(viewport: dict) -> str:
    return "phone" if viewport == PHONE else "desktop"


@pytest.mark.parametrize("viewport", SIZES)
def test_the_window_starts_a_case_for_the_person_at_the_counter(walk, tmp_path, viewport):  # noqa: ANN001
    w = walk(f"window-daiban-{_size(viewport)}", viewport)
    page = w.page
    w.login(WINDOW)
    w.goto("/window/apply", "window-matters")
    w.follow("[data-test=start-business_startup]", re.compile(r"/window/apply/business_startup"))
    w.check("window-form")
    application = business_application(
        company_name="李四餐饮管理有限公司", legal_rep_name="李四", legal_rep_id_number=LISI_ID
    )
    page.fill("[name=applicant_name]", "李四")
    page.fill("[name=applicant_id_number]", LISI_ID[:-1] + "0")  # a wrong check digit
    for name, value in application.items():
        if name == "company_type":
            page.select_option("[name=company_type]", value)
        else:
            page.fill(f"[name={name}]", str(value))
    page.set_input_files("[data-test=file-articles_of_association]", str(_png(tmp_path / "a.png")))
    w.follow("[data-test=start-case]")
    w.check("window-bad-id")
    assert page.is_visible("[data-field=applicant_id_number] .field-error")
    page.fill("[name=applicant_id_number]", LISI_ID)
    page.set_input_files("[data-test=file-articles_of_association]", str(_png(tmp_path / "b.png")))
    w.follow("[data-test=start-case]", re.compile(r"/cases/\d+$"))
    w.check("window-case-started")
    assert page.is_visible("[data-test=at-window]")
    assert "李四" in page.inner_text("h1 + p")
    materials = page.inner_text("[data-test=materials]")
    assert "b.png" in materials
    assert page.locator("[data-test=tl-at-window]").count() == 1


#: An address no register knows: the proof of address (住所证明) does not arrive.
UNREGISTERED = "北京市海淀区某某路 99 号（自有平房）"


def test_accepting_with_a_material_missing_asks_for_a_choice(walk, live_server):  # noqa: ANN001
    app = live_server["app"]
    case_id = _start(app, "business_startup", business_application(address=UNREGISTERED))
    w = walk("window-missing-phone", PHONE)
    page = w.page
    w.login(WINDOW)
    task_id = _open_task(app, WINDOW, case_id, "acceptance")
    w.goto(f"/tasks/{task_id}", "acceptance-to-claim")
    w.follow("[data-test=claim]")
    w.check("acceptance-missing-panel")
    assert "住所" in page.inner_text("[data-test=missing-materials]")
    page.check("[name=accepted][value=true]")
    w.follow("[data-test=complete]")
    w.check("acceptance-refused-without-reason")
    assert page.is_visible("[data-test=missing-materials] .field-error")
    page.fill("[data-test=missing-reason]", "申请人当场出示房屋所有权证原件，复印件三日内补交")
    w.follow("[data-test=complete]", re.compile(r"/worklist"))
    w.check("accepted-with-reason")
    w.goto(f"/cases/{case_id}", "case-with-reason")
    assert "缺材料继续办理" in page.inner_text("[data-test=timeline]")


@pytest.mark.parametrize("viewport", SIZES)
def test_the_supplement_round_trip_with_an_other_item(walk, live_server, tmp_path, viewport):  # noqa: ANN001
    app = live_server["app"]
    size = _size(viewport)
    case_id = _start(app, "business_startup", business_application(address=UNREGISTERED))
    clerk = walk(f"window-sup-clerk-{size}", viewport)
    cpage = clerk.page
    clerk.login(WINDOW)
    task_id = _open_task(app, WINDOW, case_id, "acceptance")
    clerk.goto(f"/tasks/{task_id}", "task-to-claim")
    clerk.follow("[data-test=claim]")
    clerk.follow("[data-test=ask-supplement]")
    clerk.check("supplement-prefilled")
    assert cpage.is_checked("#sup-address_proof")
    cpage.fill("[name=reason_address_proof]", "住所产权信息未能获取")
    cpage.fill("[name=other_name]", "授权委托书")
    cpage.fill("[name=other_reason]", "由代理人办理须提交")
    clerk.follow("[data-test=supplement-form] button[type=submit]", re.compile(r"/cases/\d+$"))
    clerk.check("supplement-sent")

    applicant = walk(f"window-sup-applicant-{size}", viewport)
    page = applicant.page
    applicant.login("zhangsan")
    applicant.goto(f"/cases/{case_id}", "supplement-requested")
    other = page.locator("[data-test=sup-upload-2]")  # the "other" item has its upload too
    other.locator("input[type=file]").set_input_files(str(_png(tmp_path / "委托书.png")))
    applicant.follow(other.locator("button"))
    applicant.check("other-item-uploaded")
    assert "委托书.png" in page.inner_text("[data-test=supplement]")
    page.fill("#sup-note", "委托书已上传，住所证明下周送到窗口")
    applicant.follow("[data-test=answer-supplement] button[type=submit]")
    applicant.check("supplement-answered")

    clerk.goto(f"/tasks/{task_id}", "task-with-answer")
    answers = cpage.inner_text("[data-test=supplement-answers]")
    assert "委托书已上传，住所证明下周送到窗口" in answers
    assert cpage.is_visible("[data-test=sup-item-1] >> text=未答复")
    link = cpage.locator("[data-test=sup-item-2] [data-test=open-sup-file]")
    href = link.get_attribute("href")
    preview = cpage.request.get(live_server["url"] + href)
    assert preview.status == 200 and preview.headers["content-type"] == "image/png"
    assert preview.headers["content-disposition"].startswith("inline")
    clerk.goto(href, "other-item-preview")
    assert _case_id_from(f"/cases/{case_id}") == case_id
