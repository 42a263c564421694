"""Incidents (API.md): steps the engine ran on its own that kept failing."""

from __future__ import annotations

from flask import Blueprint, request

from engine.services import incidents as service

from .cases import _case_json as case_json
from .common import authenticated, caller, engine, json_body, page_of, paging

bp = Blueprint("incidents", __name__)


@bp.get("/incidents")
@authenticated
def list_incidents():  # noqa: ANN201
    page, per_page = paging()
    items, total = service.list_incidents(
        engine(),
        caller(),
        status=request.args.get("status"),
        case_id=request.args.get("case_id"),
        page=page,
        per_page=per_page,
    )
    return page_of(items, total, page, per_page)


@bp.post("/incidents/<int:incident_id>/retry")
@authenticated
def retry(incident_id: int):  # noqa: ANN201
    case_id = service.retry(engine(), caller(), incident_id, json_body().get("data"))
    return case_json(case_id)
