"""The reforms' pages through Flask's test client: the window defers at acceptance (and a
forged form deferring a key material changes nothing), the applicant signs a pledge
(another applicant cannot), and each side task's page says what it is about."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import time_machine

from engine.reforms import deferrals
from tests.test_pages import Browser, _actor, _start, _task_id, _text

BEIJING = ZoneInfo("Asia/Shanghai")
UNREGISTERED = "北京市海淀区某某路 99 号（自有平房）"


def _listed(govflow, case_id: int) -> list[dict]:  # noqa: ANN001
    return deferrals.list_deferrals(govflow, _actor(govflow, "supervisor"), case_id)


def test_the_window_defers_on_the_task_page_and_a_forged_key_material_changes_nothing(
    app,
    govflow,  # noqa: ANN001
):
    with time_machine.travel(datetime(2026, 11, 23, 10, tzinfo=BEIJING), tick=False):
        case_id = _start(govflow, "business_startup")
        task_id = _task_id(govflow, "clerk_service_center", case_id, "acceptance")
        clerk = Browser(app, "clerk_service_center")
        clerk.get(f"/tasks/{task_id}")  # the CSRF token of the signed-in session
        assert clerk.post(f"/tasks/{task_id}/claim").status_code == 302
        page = _text(clerk.get(f"/tasks/{task_id}"))
        assert "容缺受理" in page and 'value="articles_of_association"' in page
        deferral_form = page.split('data-test="deferral-form"')[1].split("</form>")[0]
        assert 'value="articles_of_association"' in deferral_form
        assert 'value="legal_rep_id_card"' not in deferral_form  # key: never offered

        forged = clerk.post(f"/tasks/{task_id}/defer", {"material": "legal_rep_id_card"})
        assert forged.status_code == 302
        assert "关键材料" in _text(clerk.get(f"/tasks/{task_id}"))
        assert _listed(govflow, case_id) == []

        done = clerk.post(
            f"/tasks/{task_id}/defer",
            {"material": "articles_of_association", "working_days": "2"},
        )
        assert done.status_code == 302
        assert "已登记 1 项容缺材料" in _text(clerk.get(f"/tasks/{task_id}"))
        (item,) = _listed(govflow, case_id)
        assert item["working_days"] == 2

        applicant = Browser(app, "zhangsan")
        assert "容缺待补" in _text(applicant.get(f"/cases/{case_id}"))
        clerk.post(f"/tasks/{task_id}/complete", {"accepted": "true"})
    with time_machine.travel(datetime(2026, 11, 26, 10, tzinfo=BEIJING), tick=False):
        deferrals.sweep(govflow)
        overdue = _task_id(govflow, "clerk_service_center", case_id, "deferral_overdue")
        clerk = Browser(app, "clerk_service_center")  # days later: a new sign-in
        page = _text(clerk.get(f"/tasks/{overdue}"))
        assert "容缺材料逾期未补交" in page and "公司章程" in page


def test_the_applicant_signs_a_pledge_on_the_case_page_and_the_department_sees_it(
    app,
    govflow,  # noqa: ANN001
):
    case_id = _start(govflow, "business_startup", address=UNREGISTERED)
    other = Browser(app, "lisi")
    other.get("/applicant")
    assert (
        other.post(
            f"/cases/{case_id}/pledges", {"material": "address_proof", "agreed": "yes"}
        ).status_code
        == 404
    )

    applicant = Browser(app, "zhangsan")
    page = _text(applicant.get(f"/cases/{case_id}"))
    assert "告知承诺制" in page and "郑重承诺" in page
    unticked = applicant.post(f"/cases/{case_id}/pledges", {"material": "address_proof"})
    assert unticked.status_code == 302
    assert "请勾选已阅读承诺内容" in _text(applicant.get(f"/cases/{case_id}"))
    signed = applicant.post(
        f"/cases/{case_id}/pledges", {"material": "address_proof", "agreed": "yes"}
    )
    assert signed.status_code == 302
    assert "已承诺" in _text(applicant.get(f"/cases/{case_id}"))

    window = Browser(app, "clerk_service_center")
    task_id = _task_id(govflow, "clerk_service_center", case_id, "acceptance")
    window.get(f"/tasks/{task_id}")
    assert window.post(f"/tasks/{task_id}/claim").status_code == 302
    assert "承诺代替的材料" in _text(window.get(f"/tasks/{task_id}"))
    window.post(f"/tasks/{task_id}/complete", {"accepted": "true"})

    market = Browser(app, "clerk_market")
    check = _task_id(govflow, "clerk_market", case_id, "pledge_check")
    page = _text(market.get(f"/tasks/{check}"))
    assert "核查告知承诺" in page and "郑重承诺" in page
