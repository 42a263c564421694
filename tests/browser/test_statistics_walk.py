"""The supervisor's statistics in the browser: the period picker, the trend and
department charts drawn, a number drilled down to its cases, the export link, and the
printable re-engineering report."""

from __future__ import annotations

import re

import pytest

from engine import clock
from tests.support import property_application

from .test_walks import _conclude_registration, _do, _start

pytestmark = pytest.mark.browser


def test_supervisor_picks_a_period_sees_the_trend_drills_down_and_prints_the_report(
    walk,  # noqa: ANN001
    live_server,  # noqa: ANN001
):
    app = live_server["app"]
    case_id = _start(app, "property_transfer", property_application())
    _do(app, "clerk_service_center", case_id, "acceptance", {"accepted": True})
    _conclude_registration(app, case_id, "WS-STAT-1", "BJ2026-0100777")
    today = clock.local(clock.now()).date()
    first = today.replace(day=1).isoformat()

    w = walk("statistics")
    page = w.page
    w.login("supervisor")
    w.follow("[data-test=nav-statistics]")
    w.check("statistics-this-year")
    # The date range picker: this month, by week.
    page.fill("input[name=from]", first)
    page.fill("input[name=to]", today.isoformat())
    page.select_option("select[name=granularity]", "week")
    w.follow("[data-test=period] button[type=submit]")
    w.check("statistics-this-month-by-week")
    assert page.locator("#chart-trend svg").count() == 1  # ECharts drew the trend
    assert page.locator("#chart-department-figures svg").count() == 1
    tile = page.locator("[data-figure=cases_completed] .stat-value")
    assert int(tile.inner_text()) >= 1
    assert "100.0%" in page.inner_text("[data-figure=completed_on_time_rate]")
    assert "W" in page.inner_text("[data-test=trend-table]")

    # Drill-down: the cases behind the concluded count, the applicant masked.
    w.follow(page.locator("[data-figure=cases_completed]"), re.compile(r"/statistics/cases"))
    w.check("statistics-cases-behind")
    rows = page.inner_text("[data-test=cases-behind]")
    assert f"#{case_id}" in rows and "张三" not in rows

    # The re-engineering report of the matter, as it prints.
    w.goto(
        f"/supervisor/statistics?from={first}&to={today.isoformat()}&process_key=property_transfer",
        "statistics-one-matter",
    )
    w.follow("[data-test=reengineering-link]", re.compile(r"/reengineering/property_transfer"))
    w.check("reengineering-report")
    report = page.inner_text("[data-test=before-after]")
    assert "12" in report and "不动产转移登记" in page.inner_text("[data-test=single-matters]")
    page.emulate_media(media="print")
    w.check("reengineering-report-print")
    assert not page.is_visible("[data-test=print]")

    # A clerk is refused the page.
    clerk = walk("statistics-clerk")
    clerk.login("clerk_tax")
    clerk.goto("/supervisor/statistics", "statistics-forbidden", status=403)
