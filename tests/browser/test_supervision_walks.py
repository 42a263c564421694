"""Issue 15 in the browser, at 1366×768 and 390×844: the 办理结果 of a concluded property
transfer, the supervisor's rectification list and notice inbox, the 我委派的 tab, and a
worklist on a phone whose rows show their deadline and their action without a sideways
scroll."""

from __future__ import annotations

import re

import pytest

from engine.services import tasks
from engine.verbs import handover, ratings
from tests.support import property_application

from .conftest import DESKTOP, PHONE
from .test_walks import _conclude_registration, _do, _open_task, _principal, _start

pytestmark = pytest.mark.browser


def _concluded_and_rated_badly(app) -> tuple[int, str]:  # noqa: ANN001
    case_id = _start(app, "property_transfer", property_application())
    _do(app, "clerk_service_center", case_id, "acceptance", {"accepted": True})
    _conclude_registration(app, case_id, "WS-S-1", "BJ2026-0155501")
    rated = ratings.rate(
        app.extensions["govflow"],
        _principal(app, "zhangsan"),
        case_id,
        3,
        "一般",
        {"tax": {"level": 1, "comment": "多次往返"}},
    )
    return case_id, rated["departments"]["tax"]["rectification_task_id"]


def _fits(w, selector: str) -> None:  # noqa: ANN001
    """Every ``selector`` element lies inside the viewport's width (no sideways scroll)."""
    width = w.page.viewport_size["width"]
    boxes = [box for box in (e.bounding_box() for e in w.page.query_selector_all(selector)) if box]
    assert boxes, selector
    for box in boxes:
        assert box["x"] >= 0 and box["x"] + box["width"] <= width, (selector, box, width)


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_result_and_the_supervisors_rectifications_and_notices(walk, live_server, viewport):  # noqa: ANN001
    app = live_server["app"]
    case_id, task_id = _concluded_and_rated_badly(app)
    size = "phone" if viewport is PHONE else "desktop"

    applicant = walk(f"outcome-{size}", viewport)
    applicant.login("zhangsan")
    applicant.goto(f"/cases/{case_id}", "case-result")
    result = applicant.page.inner_text("[data-test=results]")
    assert "不动产权证书号" in result and "BJ2026-0155501" in result and "WS-S-1" not in result

    supervisor = walk(f"rectifications-{size}", viewport)
    page = supervisor.page
    supervisor.login("supervisor_chaoyang")
    supervisor.follow("[data-test=nav-rectifications]", re.compile(r"/supervisor/rectifications"))
    supervisor.check("rectification-list")
    row = page.locator(f"[data-test=rectification-{task_id}]")
    assert row.get_attribute("data-state") == "open"
    assert "非常不满意" in row.inner_text()
    supervisor.follow(row.locator("[data-test=rectification-link]"), re.compile(r"/tasks/"))
    supervisor.check("rectification-task")
    assert task_id in page.url

    supervisor.follow("[data-test=nav-notices]", re.compile(r"/inbox"))
    supervisor.check("notice-inbox")
    assert "差评整改" in page.inner_text("[data-test=inbox]")

    haidian = walk(f"rectifications-haidian-{size}", viewport)
    haidian.login("supervisor_haidian")
    haidian.goto("/supervisor/rectifications", "haidian-rectifications")
    assert haidian.page.locator(f"[data-test=rectification-{task_id}]").count() == 0


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_worklist_shows_deadline_and_action_and_what_i_handed_over(walk, live_server, viewport):  # noqa: ANN001
    app = live_server["app"]
    govflow = app.extensions["govflow"]
    case_id = _start(app, "property_transfer", property_application())
    _do(app, "clerk_service_center", case_id, "acceptance", {"accepted": True})
    size = "phone" if viewport is PHONE else "desktop"

    clerk = walk(f"worklist-{size}", viewport)
    page = clerk.page
    clerk.login("clerk_tax")
    clerk.goto("/worklist", "worklist-to-claim")
    row = page.locator("[data-test=worklist-row]", has_text=f"#{case_id}")
    assert row.count() == 1
    _fits(clerk, "[data-test=worklist-row] [data-test=claim]")
    _fits(clerk, "[data-test=worklist-row] [data-test=due]")
    assert row.locator("[data-test=due]").is_visible()

    # claimed and delegated to the registry: listed under 我委派的 with whom it went to
    task_id = _open_task(app, "clerk_tax", case_id, "collect_tax")
    tasks.claim(govflow, _principal(app, "clerk_tax"), task_id)
    handover.delegate(govflow, _principal(app, "clerk_tax"), task_id, "clerk_registry", "请核对")
    clerk.goto("/worklist?view=handed", "worklist-handed")
    row = page.locator("[data-test=worklist-row]", has_text=f"#{case_id}")
    assert "已委派给" in row.locator("[data-test=handover]").inner_text()
    _fits(clerk, "[data-test=worklist-row] [data-test=view]")

    registry = walk(f"worklist-delegate-{size}", viewport)
    registry.login("clerk_registry")
    registry.goto("/worklist?view=mine", "worklist-mine")
    mine = registry.page.locator("[data-test=worklist-row]", has_text=f"#{case_id}")
    assert mine.count() >= 1
    _fits(registry, "[data-test=worklist-row] [data-test=handle]")
