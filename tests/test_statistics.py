"""Statistics: a period's figures kept as aggregates in step with every command, their
trend and drill-down, the export, the re-engineering report, and who may see them."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from zoneinfo import ZoneInfo

import openpyxl
import pytest
import time_machine
from sqlalchemy import select

from engine.statistics.models import COUNTERS, CaseFigures, DailyDurations, DailyFigures
from engine.statistics.tracking import rebuild
from engine.uow import read_only, transaction
from tests.support import Api, property_application

BEIJING = ZoneInfo("Asia/Shanghai")
MONDAY = datetime(2026, 11, 23, 10, tzinfo=BEIJING)
TAX = {"tax_amount": 32000, "paid": True, "receipt_no": "WS-1"}
REGISTER = {"new_certificate_no": "BJ2026-0100009", "registered_on": "2026-11-23"}
PERIOD = {"from": "2026-11-01", "to": "2026-11-30"}


def _rollup(govflow) -> dict:  # noqa: ANN001
    """The rollup and the figures as stored, without rows that sum to nothing."""
    with read_only(govflow.db) as session:
        daily = {
            (r.day, r.process_key, r.department): {
                n: getattr(r, n) for n in COUNTERS if getattr(r, n)
            }
            for r in session.scalars(select(DailyFigures))
        }
        durations = {
            (r.day, r.process_key, r.department, r.working_days): r.cases
            for r in session.scalars(select(DailyDurations))
            if r.cases
        }
        figures = {
            r.case_id: (r.concluded_on, r.within_promised, r.trips, r.rating, tuple(r.departments))
            for r in session.scalars(select(CaseFigures))
        }
    return {
        "daily": {k: v for k, v in daily.items() if v},
        "durations": durations,
        "figures": figures,
    }


def assert_rollup_is_right(govflow) -> dict:  # noqa: ANN001
    """What the commands kept equals what a rebuild from the cases computes."""
    kept = _rollup(govflow)
    with transaction(govflow.db) as session:
        rebuild(session)
    assert kept == _rollup(govflow)
    return kept


def stats(api: Api, user: str = "supervisor", **params: str):  # noqa: ANN201
    return api.get("/api/v1/statistics", user, query_string={**PERIOD, **params})


def concluded_case(api: Api) -> int:
    case = api.start_case("property_transfer", property_application())
    api.claim_and_complete("clerk_service_center", case["id"], "acceptance", {"accepted": True})
    api.claim_and_complete("clerk_registry", case["id"], "registry_review", {"approved": True})
    api.claim_and_complete("clerk_tax", case["id"], "collect_tax", TAX)
    done = api.claim_and_complete("clerk_registry", case["id"], "record_register", REGISTER)
    assert done["status"] == "completed"
    return case["id"]


@pytest.fixture
def monday():  # noqa: ANN201
    with time_machine.travel(MONDAY, tick=False):
        yield


def test_a_concluded_flagship_case_counts_in_the_periods_statistics(api: Api, govflow, monday):  # noqa: ANN001
    case_id = concluded_case(api)
    response = stats(api)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["from"], body["to"]) == ("2026-11-01", "2026-11-30")
    assert body["cases_started"] == 1 and body["cases_completed"] == 1
    assert body["completed_on_time"] == 1 and body["completed_on_time_rate"] == 1.0
    assert body["average_working_days"] == 0 and body["same_day_rate"] == 1.0
    assert body["trips"] == 0  # applied online, nobody came to the window
    assert body["materials_required"] > 0
    assert body["materials_shared"] == body["materials_required"]  # nothing uploaded
    (matter,) = body["by_process"]
    assert matter["process_key"] == "property_transfer" and matter["cases_completed"] == 1
    departments = {d["department"]: d for d in body["by_department"]}
    assert set(departments) == {"service_center", "registry", "tax"}
    assert departments["tax"]["cases_completed"] == 1
    assert departments["tax"]["name"] == {"zh": "税务局", "en": departments["tax"]["name"]["en"]}
    # the period after counts nothing, and a rate of nothing is no rate
    later = stats(api, **{"from": "2026-12-01", "to": "2026-12-31"}).get_json()
    assert later["cases_completed"] == 0 and later["completed_on_time_rate"] is None
    # drill-down: the case behind the number, the applicant's name masked
    behind = api.get(
        "/api/v1/statistics/cases", "supervisor", query_string={**PERIOD, "figure": "completed"}
    ).get_json()
    assert [c["case_id"] for c in behind["items"]] == [case_id] and behind["total"] == 1
    assert behind["items"][0]["applicant"].endswith("*")
    assert_rollup_is_right(govflow)


def _count(govflow, day: str, department: str = "*") -> dict:  # noqa: ANN001
    key = (datetime.fromisoformat(day).date(), "property_transfer", department)
    return _rollup(govflow)["daily"].get(key, {})


def test_the_aggregates_stay_right_through_every_verb(api: Api, govflow):  # noqa: ANN001
    """start, accept, refuse, supplement, return, conclude, rating: after each, what the
    commands kept is what a rebuild from the cases gives, and the counts moved as said."""
    with time_machine.travel(MONDAY, tick=False):
        refused = api.start_case("property_transfer", property_application())
        case = api.start_case("property_transfer", property_application())
        assert _count(govflow, "2026-11-23")["started"] == 2
        assert_rollup_is_right(govflow)

        window = api.open_task("clerk_service_center", refused["id"], "acceptance")
        response = api.post(
            f"/api/v1/tasks/{window['id']}/refuse",
            "clerk_service_center",
            json={"reasons": [{"code": "legally_restricted"}], "note": "查封"},
        )
        assert response.status_code == 200, response.get_json()
        assert _count(govflow, "2026-11-23")["refused"] == 1
        assert "accepted" not in _count(govflow, "2026-11-23")
        assert_rollup_is_right(govflow)

        window = api.open_task("clerk_service_center", case["id"], "acceptance")
        api.post(f"/api/v1/tasks/{window['id']}/claim", "clerk_service_center")
        response = api.post(
            f"/api/v1/tasks/{window['id']}/request-supplement",
            "clerk_service_center",
            json={"items": [{"name": "婚姻状况证明", "reason": "与共享数据不符"}]},
        )
        assert response.status_code == 200, response.get_json()
        assert_rollup_is_right(govflow)
        response = api.post(
            f"/api/v1/cases/{case['id']}/supplement", "zhangsan", json={"note": "已提交"}
        )
        assert response.status_code == 200, response.get_json()
        api.claim_and_complete("clerk_service_center", case["id"], "acceptance", {"accepted": True})
        assert _count(govflow, "2026-11-23")["accepted"] == 1
        # A running case counts for the case as a whole; the departments that worked on
        # it count it once it closes (the refused one already does, for the window).
        assert _count(govflow, "2026-11-23", "service_center") == {"started": 1, "refused": 1}
        assert_rollup_is_right(govflow)

    with time_machine.travel(datetime(2026, 11, 24, 10, tzinfo=BEIJING), tick=False):
        api.claim_and_complete("clerk_tax", case["id"], "collect_tax", TAX)
        review = api.open_task("clerk_registry", case["id"], "registry_review")
        response = api.post(
            f"/api/v1/tasks/{review['id']}/return",
            "clerk_registry",
            json={"target": "acceptance", "reason": "材料有误"},
        )
        assert response.status_code == 200, response.get_json()
        assert_rollup_is_right(govflow)
        visit = api.post(
            f"/api/v1/cases/{case['id']}/visits",
            "clerk_service_center",
            json={"purpose": "当面核验婚姻状况证明原件"},
        )
        assert visit.status_code == 201, visit.get_json()
        api.claim_and_complete("clerk_service_center", case["id"], "acceptance", {"accepted": True})
        api.claim_and_complete("clerk_registry", case["id"], "registry_review", {"approved": True})
        api.claim_and_complete("clerk_registry", case["id"], "record_register", REGISTER)
        concluded = _count(govflow, "2026-11-24")
        assert concluded["concluded"] == 1 and concluded["returned"] == 1
        assert concluded["supplemented"] == 1 and concluded["trips"] == 1
        assert concluded["working_days"] == 1 and "same_day" not in concluded
        assert _count(govflow, "2026-11-23", "service_center")["started"] == 2
        assert _count(govflow, "2026-11-24", "tax")["concluded"] == 1
        assert_rollup_is_right(govflow)

        rating = api.post(
            f"/api/v1/cases/{case['id']}/rating",
            "zhangsan",
            json={"level": 1, "comment": "往返两次"},
        )
        assert rating.status_code == 201, rating.get_json()
        rated = _count(govflow, "2026-11-24")
        assert rated["rated"] == 1 and rated["rectifications"] == 1
        assert "rated_good" not in rated
        assert_rollup_is_right(govflow)

    body = stats(api).get_json()
    assert body["cases_started"] == 2 and body["cases_refused"] == 1
    assert body["cases_accepted"] == 1 and body["cases_completed"] == 1
    assert body["return_rate"] == 1.0 and body["supplement_rate"] == 1.0
    assert body["trips"] == 1 and body["trips_per_case"] == 1.0
    assert body["ratings"] == 1 and body["good_rating_rate"] == 0.0
    assert body["median_working_days"] == 1.0


def test_who_may_see_the_statistics(api: Api, monday):  # noqa: ANN001
    concluded_case(api)
    for user in ("clerk_tax", "zhangsan", "designer"):
        for path in (
            "/api/v1/statistics",
            "/api/v1/statistics/export",
            "/api/v1/statistics/trend",
            "/api/v1/processes/property_transfer/reengineering",
        ):
            response = api.get(path, user, query_string=PERIOD)
            assert response.status_code == 403, (user, path)
            assert response.get_json()["error"]["code"] == "forbidden"
    assert api.get("/api/v1/statistics", None, query_string=PERIOD).status_code == 401
    assert stats(api, "admin").get_json()["cases_completed"] == 1

    # A department head (a supervisor of the tax bureau) sees the tax bureau only.
    created = api.post(
        "/api/v1/users",
        "admin",
        json={
            "username": "head_tax",
            "display_name": "税务局局长",
            "roles": ["supervisor"],
            "department": "tax",
            "password": "govflow-demo",
        },
    )
    assert created.status_code == 201, created.get_json()
    own = stats(api, "head_tax").get_json()
    assert own["department"] == "tax" and own["cases_completed"] == 1
    assert [d["department"] for d in own["by_department"]] == ["tax"]
    other = stats(api, "head_tax", department="registry")
    assert other.status_code == 403


def test_bad_periods_are_refused_with_a_clear_error(api: Api):
    for params in (
        {"from": "2026-12-01", "to": "2026-11-01"},
        {"from": "2026-13-01", "to": "2026-12-01"},
        {"to": "2026-12-01"},
        {"from": "2020-01-01", "to": "2026-12-31"},
    ):
        response = api.get("/api/v1/statistics", "supervisor", query_string=params)
        assert response.status_code == 400, params
        assert response.get_json()["error"]["code"] == "bad_request"
    response = api.get(
        "/api/v1/statistics/export", "supervisor", query_string={**PERIOD, "format": "pdf"}
    )
    assert response.status_code == 400
    response = api.get(
        "/api/v1/statistics/cases", "supervisor", query_string={**PERIOD, "figure": "nonsense"}
    )
    assert response.status_code == 400


def test_the_xlsx_export_opens_with_the_figures_and_the_cases_behind_them(api: Api, monday):  # noqa: ANN001
    case_id = concluded_case(api)
    response = api.get(
        "/api/v1/statistics/export", "supervisor", query_string={**PERIOD, "format": "xlsx"}
    )
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    assert "attachment" in response.headers["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["summary", "cases"]
    summary = list(book["summary"].values)
    header, total = summary[0], summary[1]
    assert total[0] == "total"
    assert total[header.index("cases_completed")] == 1
    assert total[header.index("completed_on_time_rate")] == 1
    cases = list(book["cases"].values)
    assert cases[1][0] == case_id
    applicant = cases[1][cases[0].index("applicant")]
    assert applicant.endswith("*") and "张三" not in applicant  # masked for a supervisor

    alone = api.get(
        "/api/v1/statistics/export",
        "supervisor",
        query_string={**PERIOD, "format": "xlsx", "cases": "false"},
    )
    assert openpyxl.load_workbook(io.BytesIO(alone.data)).sheetnames == ["summary"]

    as_csv = api.get(
        "/api/v1/statistics/export", "supervisor", query_string={**PERIOD, "format": "csv"}
    )
    assert as_csv.status_code == 200 and as_csv.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(as_csv.data.decode("utf-8-sig"))))
    assert rows[0][:3] == ["scope", "name", "cases_started"]
    blank = rows.index([])
    assert rows[blank + 1][0] == "case_id" and rows[blank + 2][0] == str(case_id)


def test_the_trend_by_week_and_month(api: Api, monday):  # noqa: ANN001
    concluded_case(api)
    weeks = api.get(
        "/api/v1/statistics/trend",
        "supervisor",
        query_string={**PERIOD, "granularity": "week"},
    ).get_json()
    labels = [p["period"] for p in weeks["periods"]]
    assert labels[0] == "2026-W44" and labels[-1] == "2026-W49"  # Sun 1 Nov .. Mon 30 Nov
    assert weeks["periods"][0]["from"] == "2026-11-01"  # clipped to the period
    busy = next(p for p in weeks["periods"] if p["period"] == "2026-W48")
    assert busy["cases_completed"] == 1 and busy["completed_on_time_rate"] == 1.0
    assert sum(p["cases_started"] for p in weeks["periods"]) == 1
    months = api.get(
        "/api/v1/statistics/trend",
        "supervisor",
        query_string={"from": "2026-10-01", "to": "2026-12-31", "granularity": "month"},
    ).get_json()
    assert [(p["period"], p["cases_completed"]) for p in months["periods"]] == [
        ("2026-10", 0),
        ("2026-11", 1),
        ("2026-12", 0),
    ]


def test_the_reengineering_report_has_before_after_and_saved(api: Api, monday):  # noqa: ANN001
    concluded_case(api)
    response = api.get(
        "/api/v1/processes/property_transfer/reengineering", "supervisor", query_string=PERIOD
    )
    assert response.status_code == 200, response.get_json()
    report = response.get_json()
    assert report["key"] == "property_transfer"
    before, after, saved = report["before"], report["after"], report["saved"]
    assert before["materials"] == 12 and before["trips"] == 5 and before["working_days"] == 5
    assert before["departments_visited"] == 4 and len(before["single_matters"]) == 4
    assert before["statutory_working_days"] == 41 and before["source"]["zh"]
    assert after["cases"] == 1 and after["materials"] == 0 and after["trips"] == 0
    assert after["working_days"] == 0
    assert saved == {"departments_visited": 3, "materials": 12, "trips": 5, "working_days": 5}
    unknown = api.get(
        "/api/v1/processes/no_such_matter/reengineering", "supervisor", query_string=PERIOD
    )
    assert unknown.status_code == 404


def test_only_the_window_records_visits(api: Api):
    case = api.start_case("property_transfer", property_application())
    url = f"/api/v1/cases/{case['id']}/visits"
    refused = api.post(url, "clerk_tax", json={"purpose": "递交材料"})
    assert refused.status_code == 403
    assert api.post(url, "zhangsan", json={"purpose": "递交材料"}).status_code == 403
    empty = api.post(url, "clerk_service_center", json={"purpose": ""})
    assert empty.status_code == 422
    assert api.get(url, "supervisor").get_json()["items"] == []
    done = api.post(url, "clerk_service_center", json={"purpose": "递交材料"})
    assert done.status_code == 201 and done.get_json()["recorded_by"] == "clerk_service_center"
    assert [v["purpose"] for v in api.get(url, "zhangsan").get_json()["items"]] == ["递交材料"]
    assert (
        api.post(
            "/api/v1/cases/999999/visits", "clerk_service_center", json={"purpose": "x"}
        ).status_code
        == 404
    )


def test_stats_rebuild_restores_a_lost_rollup_from_the_cases(
    api: Api,
    govflow,
    settings,
    monkeypatch,
    monday,  # noqa: ANN001
):
    from click.testing import CliRunner
    from sqlalchemy import delete

    from web.cli import main

    concluded_case(api)
    kept = _rollup(govflow)
    with transaction(govflow.db) as session:
        session.execute(delete(DailyFigures))
        session.execute(delete(DailyDurations))
    assert stats(api).get_json()["cases_completed"] == 0
    monkeypatch.setenv("GOVFLOW_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("GOVFLOW_DATA_DIR", str(settings.data_dir))
    result = CliRunner().invoke(main, ["stats", "rebuild"], catch_exceptions=False)
    assert result.exit_code == 0 and "from 1 cases" in result.output
    assert _rollup(govflow) == kept
    assert stats(api).get_json()["cases_completed"] == 1


def test_the_statistics_pages_show_the_figures_the_cases_and_the_report(app, api: Api, monday):  # noqa: ANN001
    from tests.test_pages import Browser

    case_id = concluded_case(api)
    page = Browser(app, "supervisor")
    shown = page.get("/supervisor/statistics?from=2026-11-01&to=2026-11-30&granularity=week")
    assert shown.status_code == 200
    text = shown.get_data(as_text=True)
    assert "2026-W48" in text and 'data-figure="completed_on_time_rate"' in text
    assert "100.0%" in text  # the on-time rate, as a percentage
    behind = page.get("/supervisor/statistics/cases?from=2026-11-01&to=2026-11-30&figure=completed")
    assert behind.status_code == 200 and f"#{case_id}" in behind.get_data(as_text=True)
    report = page.get("/supervisor/reengineering/property_transfer?from=2026-11-01&to=2026-11-30")
    assert report.status_code == 200
    assert "不动产转移登记" in report.get_data(as_text=True)  # a single matter it replaced
    exported = page.client.get(
        "/supervisor/statistics/export?from=2026-11-01&to=2026-11-30&format=xlsx"
    )
    assert exported.status_code == 200
    assert openpyxl.load_workbook(io.BytesIO(exported.data)).sheetnames == ["summary", "cases"]
    bad = page.get("/supervisor/statistics?from=2026-13-01")
    assert bad.status_code == 400
    for user in ("clerk_tax", "zhangsan"):
        refused = Browser(app, user).get("/supervisor/statistics")
        assert refused.status_code in (302, 403)


def test_the_window_records_a_visit_on_the_case_page(app, api: Api):  # noqa: ANN001
    from tests.test_pages import Browser

    case = api.start_case("property_transfer", property_application())
    api.claim_and_complete("clerk_service_center", case["id"], "acceptance", {"accepted": True})
    window = Browser(app, "clerk_service_center")
    page = window.get(f"/cases/{case['id']}")
    assert 'data-test="record-visit"' in page.get_data(as_text=True)
    done = window.post(f"/cases/{case['id']}/visits", {"purpose": "递交原件"})
    assert done.status_code == 302
    assert [
        v["purpose"]
        for v in api.get(f"/api/v1/cases/{case['id']}/visits", "supervisor").get_json()["items"]
    ] == ["递交原件"]
    tax = Browser(app, "clerk_tax")
    assert 'data-test="record-visit"' not in tax.get(f"/cases/{case['id']}").get_data(as_text=True)
    tax.get(f"/cases/{case['id']}")
    tax.post(f"/cases/{case['id']}/visits", {"purpose": "x"})
    assert len(api.get(f"/api/v1/cases/{case['id']}/visits", "supervisor").get_json()["items"]) == 1
