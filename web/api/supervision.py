from __future__ import annotations

from flask import Blueprint

from engine.services import supervision as service
from engine.verbs import rectifications

from ..schemas.base import Paging
from ..schemas.base import page_of as page_schema
from ..schemas.supervision import Overdue, Overview, RectificationFilters, Rectifications
from .common import authenticated, caller, engine, page_of, paging
from .operation import operation, query

bp = Blueprint("supervision", __name__)


@bp.get("/supervision/overview")
@authenticated
@operation(
    "Open, warning, overdue and paused work per department and process (supervisors)",
    tag="supervision",
    answer=Overview,
    errors=(403,),
)
def overview():  # noqa: ANN201
    return service.overview(engine(), caller())


@bp.get("/supervision/overdue")
@authenticated
@operation(
    "Overdue and warning tasks and cases, most urgent first (supervisors)",
    tag="supervision",
    query=Paging,
    answer=page_schema(Overdue),
    errors=(403,),
)
def overdue():  # noqa: ANN201
    page, per_page = paging()
    items, total = service.overdue(engine(), caller(), page=page, per_page=per_page)
    return page_of(items, total, page, per_page)


@bp.get("/supervision/rectifications")
@authenticated
@operation(
    "Bad ratings' rectification tasks of the caller's region, open / overdue / done, with "
    "counts by department (supervisors)",
    tag="supervision",
    query=RectificationFilters,
    answer=Rectifications,
    errors=(403,),
)
def rectification_list():  # noqa: ANN201
    wanted = query()
    return rectifications.list_rectifications(
        engine(), caller(), state=wanted.get("state"), department=wanted.get("department")
    )
