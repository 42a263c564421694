"""Incidents (API.md): steps the engine ran on its own that kept failing."""

from __future__ import annotations

from flask import Blueprint

from engine.services import incidents as service

from ..schemas.base import page_of as page_schema
from ..schemas.cases import Case
from ..schemas.incidents import Incident, IncidentFilters, Retry
from .cases import _case_json as case_json
from .common import authenticated, caller, engine, page_of, paging
from .operation import body, operation, query

bp = Blueprint("incidents", __name__)
_TAG = "incidents"


@bp.get("/incidents")
@authenticated
@operation(
    "Steps the engine ran on its own that kept failing (admin, supervisor)",
    tag=_TAG,
    query=IncidentFilters,
    answer=page_schema(Incident),
    errors=(403,),
)
def list_incidents():  # noqa: ANN201
    page, per_page = paging()
    filters = query()
    items, total = service.list_incidents(
        engine(),
        caller(),
        status=filters.get("status"),
        case_id=filters.get("case_id"),
        page=page,
        per_page=per_page,
    )
    return page_of(items, total, page, per_page)


@bp.post("/incidents/<id:incident_id>/retry")
@authenticated
@operation(
    "Run the failed step again, 'data' merged into the case data first (admin); answers "
    "the case: the incident is resolved, or stays open with the new message",
    tag=_TAG,
    body=Retry,
    answer=Case,
    errors=(403, 409, 422),
)
def retry(incident_id: int):  # noqa: ANN201
    case_id = service.retry(engine(), caller(), incident_id, body().get("data"))
    return case_json(case_id)
