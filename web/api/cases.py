from __future__ import annotations

from flask import Blueprint, request

from engine.services import cases as service
from engine.services import clock_stops, disclosure
from engine.services.serializers import event_view

from ..i18n import language
from .common import authenticated, caller, engine, json_body, page_of, paging

bp = Blueprint("cases", __name__)


def _case_json(case_id: int) -> dict:
    return service.get_case_json(engine(), caller(), case_id)


@bp.post("/cases")
@authenticated
def start_case():  # noqa: ANN201
    body = json_body()
    case_id = service.start_case(
        engine(),
        caller(),
        body.get("process_key"),
        body.get("applicant"),
        body.get("data"),
        language(),
        version=body.get("version"),
    )
    return _case_json(case_id), 201


@bp.get("/cases")
@authenticated
def list_cases():  # noqa: ANN201
    page, per_page = paging()
    cases, total = service.list_cases(
        engine(),
        caller(),
        status=request.args.get("status"),
        process_key=request.args.get("process_key"),
        deadline_state=request.args.get("deadline_state"),
        page=page,
        per_page=per_page,
    )
    items = service.cases_as_json(engine(), caller(), cases)
    return page_of(items, total, page, per_page)


@bp.get("/cases/<int:case_id>")
@authenticated
def get_case(case_id: int):  # noqa: ANN201
    return _case_json(case_id)


@bp.get("/cases/<int:case_id>/events")
@authenticated
def case_events(case_id: int):  # noqa: ANN201
    found = service.case_events(engine(), caller(), case_id)
    clear = disclosure.sees_case(engine(), caller(), case_id)  # masked for oversight roles
    events = [event_view(e, clear) for e in found]
    return {"items": events, "total": len(events), "page": 1, "per_page": max(len(events), 1)}


@bp.post("/cases/<int:case_id>/supplement")
@authenticated
def answer_supplement(case_id: int):  # noqa: ANN201
    """The applicant answers a supplement request; the clocks resume."""
    body = json_body()
    clock_stops.answer_supplement(
        engine(), caller(), case_id, body.get("data"), body.get("note") or "", language()
    )
    return _case_json(case_id)


@bp.post("/cases/<int:case_id>/special-procedures/<int:pause_id>/end")
@authenticated
def end_special_procedure(case_id: int, pause_id: int):  # noqa: ANN201
    body = json_body()
    clock_stops.end_special_procedure(engine(), caller(), case_id, pause_id, body.get("result"))
    return _case_json(case_id)
