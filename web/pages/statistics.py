"""Statistics pages (supervisors, admins): the period's figures with their trend by week
or month (ECharts), the cases behind a number, the export, and the printable
re-engineering report of a matter."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, Response, render_template, request
from flask_babel import lazy_gettext as _l

from engine import clock
from engine.errors import BadRequest
from engine.services import reengineering
from engine.services import statistics as service
from engine.services.statistics_export import export as export_file
from engine.statistics.figures import FIGURES

from .common import engine, lang, login_required, principal
from .supervisor import SUPERVISORS, _process_names

bp = Blueprint("statistics", __name__, url_prefix="/supervisor")
CASES_PER_PAGE = 50
#: What each figure is called on the pages (docs/STATISTICS.md defines them).
LABELS = {
    "cases_started": _l("Cases started"),
    "cases_accepted": _l("Accepted"),
    "cases_refused": _l("Refused"),
    "cases_completed": _l("Concluded"),
    "completed_on_time": _l("Concluded within the promised limit"),
    "completed_on_time_rate": _l("On-time rate"),
    "completed_within_statutory": _l("Concluded within the statutory limit"),
    "completed_within_statutory_rate": _l("Within the statutory limit"),
    "average_working_days": _l("Average working days"),
    "median_working_days": _l("Median working days"),
    "same_day": _l("Concluded the day of acceptance"),
    "same_day_rate": _l("Same-day share"),
    "supplement_rate": _l("Supplement rate"),
    "return_rate": _l("Return rate"),
    "materials_required": _l("Materials required"),
    "materials_shared": _l("Materials from shared data"),
    "materials_uploaded": _l("Materials uploaded"),
    "materials_exempt_rate": _l("Materials spared"),
    "trips": _l("Trips to the window"),
    "trips_per_case": _l("Trips per case"),
    "ratings": _l("Ratings"),
    "good_rating_rate": _l("Good ratings"),
    "rectifications": _l("Bad ratings to rectify"),
    "rectified_in_time": _l("Rectified in time"),
    "rectified_in_time_rate": _l("Rectified in time (share)"),
}
DRILL_LABELS = {
    "started": _l("Cases started"),
    "accepted": _l("Accepted"),
    "refused": _l("Refused"),
    "completed": _l("Concluded"),
    "completed_on_time": _l("Concluded within the promised limit"),
    "completed_late": _l("Concluded late"),
    "same_day": _l("Concluded the day of acceptance"),
    "supplemented": _l("Concluded after a supplement"),
    "returned": _l("Concluded after a return"),
    "with_trips": _l("Concluded with trips to the window"),
    "rated": _l("Rated"),
    "rated_bad": _l("Rated badly"),
}
#: The tiles at the top of the page: figure, and the drill-down figure behind it.
TILES = (
    ("cases_started", "started"),
    ("cases_completed", "completed"),
    ("completed_on_time_rate", "completed_late"),
    ("average_working_days", "completed"),
    ("same_day_rate", "same_day"),
    ("materials_exempt_rate", "completed"),
    ("trips", "with_trips"),
    ("good_rating_rate", "rated_bad"),
)


def _day(name: str, default: date) -> date:
    raw = request.args.get(name) or ""
    if not raw:
        return default
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise BadRequest(f"'{name}' is not a date", fields={name: ["YYYY-MM-DD"]}) from None


def _scope(process_key: str | None = None) -> service.Scope:
    """The period asked (default: this year up to today, Beijing), matter, department."""
    today = clock.local(clock.now()).date()
    return service.scope_of(
        engine(),
        principal(),
        _day("from", today.replace(month=1, day=1)),
        _day("to", today),
        process_key or request.args.get("process_key") or None,
        request.args.get("department") or None,
    )


def _query(scope: service.Scope, **more: Any) -> dict[str, Any]:
    """The query string that asks for ``scope`` again (for links and the export)."""
    asked = {"from": scope.first.isoformat(), "to": scope.last.isoformat()}
    if scope.process_key:
        asked["process_key"] = scope.process_key
    if request.args.get("department"):
        asked["department"] = request.args["department"]
    return {**asked, **more}


@bp.get("/statistics")
@login_required(*SUPERVISORS)
def statistics():  # noqa: ANN201
    scope = _scope()
    granularity = request.args.get("granularity")
    if granularity not in service.GRANULARITIES:
        granularity = "week" if (scope.last - scope.first).days <= 92 else "month"
    figures = service.statistics(engine(), principal(), scope)
    trend = service.trend(engine(), principal(), scope, granularity)
    name_key = "en" if lang() == "en" else "zh"
    chart = {
        "periods": [p["period"] for p in trend["periods"]],
        "ranges": [[p["from"], p["to"]] for p in trend["periods"]],
        "started": [p["cases_started"] for p in trend["periods"]],
        "completed": [p["cases_completed"] for p in trend["periods"]],
        "on_time_rate": [p["completed_on_time_rate"] for p in trend["periods"]],
        "departments": [d["name"][name_key] for d in trend["by_department"]],
        "department_codes": [d["department"] for d in trend["by_department"]],
        "department_completed": [d["cases_completed"] for d in trend["by_department"]],
        "department_on_time": [d["completed_on_time"] for d in trend["by_department"]],
    }
    return render_template(
        "supervisor/statistics.html",
        figures=figures,
        trend=trend,
        chart=chart,
        tiles=TILES,
        labels=LABELS,
        figure_names=FIGURES,
        granularity=granularity,
        scope=scope,
        asked=_query(scope),
        process_names=_process_names(),
    )


@bp.get("/statistics/cases")
@login_required(*SUPERVISORS)
def cases_behind():  # noqa: ANN201
    scope = _scope()
    figure = request.args.get("figure") or "completed"
    page = request.args.get("page", "1")
    page = int(page) if page.isdigit() and 0 < int(page) < 10**6 else 1
    items, total = service.cases_behind(
        engine(), principal(), scope, figure, page=page, per_page=CASES_PER_PAGE
    )
    return render_template(
        "supervisor/statistics_cases.html",
        items=items,
        total=total,
        page=page,
        per_page=CASES_PER_PAGE,
        figure=figure,
        figure_label=DRILL_LABELS.get(figure, figure),
        scope=scope,
        asked=_query(scope),
        process_names=_process_names(),
    )


@bp.get("/statistics/export")
@login_required(*SUPERVISORS)
def export():  # noqa: ANN201
    wanted = request.args.get("format") or "xlsx"
    content, media_type, name = export_file(engine(), principal(), _scope(), wanted)
    return Response(
        content,
        content_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@bp.get("/reengineering/<key>")
@login_required(*SUPERVISORS)
def reengineering_report(key: str):  # noqa: ANN201
    """The report a reform office prints: before, after, saved."""
    scope = _scope(key)
    report = reengineering.report(engine(), principal(), scope)
    return render_template(
        "supervisor/reengineering.html",
        report=report,
        scope=scope,
        asked=_query(scope),
        labels=LABELS,
        generated_at=clock.now(),
    )
