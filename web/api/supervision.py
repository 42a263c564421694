from __future__ import annotations

from flask import Blueprint

from engine.services import supervision as service

from .common import authenticated, caller, engine, page_of, paging

bp = Blueprint("supervision", __name__)


@bp.get("/supervision/overview")
@authenticated
def overview():  # noqa: ANN201
    return service.overview(engine(), caller())


@bp.get("/supervision/overdue")
@authenticated
def overdue():  # noqa: ANN201
    page, per_page = paging()
    items, total = service.overdue(engine(), caller(), page=page, per_page=per_page)
    return page_of(items, total, page, per_page)
