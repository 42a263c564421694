"""Statistics (supervisors, administrators; a department head their department), the
re-engineering report of a matter, and the window's record of the applicant's visits."""

from __future__ import annotations

from flask import Blueprint, Response

from engine.services import reengineering, visits
from engine.services import statistics as service
from engine.services.statistics_export import export as export_file

from ..schemas.base import clamp
from ..schemas.base import page_of as page_schema
from ..schemas.statistics import (
    CaseBehind,
    Drill,
    Export,
    Period,
    RecordVisit,
    Reengineering,
    ReengineeringPeriod,
    Statistics,
    Trend,
    TrendAnswer,
    Visit,
    VisitList,
)
from .common import authenticated, caller, engine, page_of
from .operation import body, operation, query

bp = Blueprint("statistics", __name__)
_TAG = "statistics"
_FILES = {
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
        "type": "string",
        "format": "binary",
    },
    "text/csv": {"type": "string"},
}


def _scope(process_key: str | None = None):  # noqa: ANN202
    asked = query()
    return service.scope_of(
        engine(),
        caller(),
        asked["from_"],
        asked["to"],
        process_key or asked.get("process_key"),
        asked.get("department"),
    )


@bp.get("/statistics")
@authenticated
@operation(
    "A period's figures, by matter and by department (supervisors, admins)",
    tag=_TAG,
    query=Period,
    answer=Statistics,
    errors=(400, 403),
)
def statistics():  # noqa: ANN201
    return service.statistics(engine(), caller(), _scope())


@bp.get("/statistics/trend")
@authenticated
@operation(
    "The figures of each week or month of a period, and by department",
    tag=_TAG,
    query=Trend,
    answer=TrendAnswer,
    errors=(400, 403),
)
def trend():  # noqa: ANN201
    return service.trend(engine(), caller(), _scope(), query()["granularity"])


@bp.get("/statistics/cases")
@authenticated
@operation(
    "The cases behind a figure of a period (drill-down), latest first",
    tag=_TAG,
    query=Drill,
    answer=page_schema(CaseBehind),
    errors=(400, 403),
)
def cases_behind():  # noqa: ANN201
    page, per_page = clamp(query())
    items, total = service.cases_behind(
        engine(), caller(), _scope(), query()["figure"], page=page, per_page=per_page
    )
    return page_of(items, total, page, per_page)


@bp.get("/statistics/export")
@authenticated
@operation(
    "The statistics as a file: xlsx (a summary sheet and the cases behind it) or CSV",
    tag=_TAG,
    query=Export,
    produces=_FILES,
    errors=(400, 403),
)
def export():  # noqa: ANN201
    asked = query()
    content, media_type, name = export_file(
        engine(), caller(), _scope(), asked["format"], cases=asked["cases"]
    )
    return Response(
        content,
        mimetype=media_type.split(";")[0],
        content_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@bp.get("/processes/<key>/reengineering")
@authenticated
@operation(
    "The re-engineering report of a matter: before, after (its cases concluded in the "
    "period) and saved",
    tag=_TAG,
    query=ReengineeringPeriod,
    answer=Reengineering,
    errors=(400, 403, 404),
)
def reengineering_report(key: str):  # noqa: ANN201
    return reengineering.report(engine(), caller(), _scope(key))


@bp.post("/cases/<id:case_id>/visits")
@authenticated
@operation(
    "The window records a visit of the applicant to the counter (跑动)",
    tag=_TAG,
    body=RecordVisit,
    answer=Visit,
    status=201,
    errors=(403, 404, 409, 422),
)
def record_visit(case_id: int):  # noqa: ANN201
    return visits.record_visit(engine(), caller(), case_id, body()["purpose"]), 201


@bp.get("/cases/<id:case_id>/visits")
@authenticated
@operation(
    "The applicant's recorded visits to the window, oldest first",
    tag=_TAG,
    answer=VisitList,
    errors=(404,),
)
def list_visits(case_id: int):  # noqa: ANN201
    return {"items": visits.visits(engine(), caller(), case_id)}
