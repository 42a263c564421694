from __future__ import annotations

from flask import Blueprint

from engine.services import cases as service
from engine.services import clock_stops, disclosure, supplement_answers
from engine.services.serializers import event_view

from ..i18n import language
from ..schemas.base import page_of as page_schema
from ..schemas.cases import (
    Case,
    CaseFilters,
    EndSpecialProcedure,
    Event,
    StartCase,
    SupplementAnswer,
    SupplementItemAnswer,
)
from ..schemas.shared_data import MaterialUpload
from .common import authenticated, caller, engine, page_of, paging
from .operation import body, operation, query
from .parsing import uploaded_file

bp = Blueprint("cases", __name__)


def _case_json(case_id: int) -> dict:
    return service.get_case_json(engine(), caller(), case_id)


@bp.post("/cases")
@authenticated
@operation(
    "Start a case (apply for a composite matter)",
    tag="cases",
    body=StartCase,
    answer=Case,
    status=201,
    errors=(403, 404, 422),
)
def start_case():  # noqa: ANN201
    application = body()
    case_id = service.start_case(
        engine(),
        caller(),
        application["process_key"],
        application.get("applicant"),
        application.get("data"),
        language(),
        version=application.get("version"),
        division=application.get("division"),
    )
    return _case_json(case_id), 201


@bp.get("/cases")
@authenticated
@operation("The caller's visible cases", tag="cases", query=CaseFilters, answer=page_schema(Case))
def list_cases():  # noqa: ANN201
    page, per_page = paging()
    filters = query()
    cases, total = service.list_cases(
        engine(),
        caller(),
        status=filters.get("status"),
        process_key=filters.get("process_key"),
        deadline_state=filters.get("deadline_state"),
        page=page,
        per_page=per_page,
    )
    items = service.cases_as_json(engine(), caller(), cases)
    return page_of(items, total, page, per_page)


@bp.get("/cases/<id:case_id>")
@authenticated
@operation("One case with tasks, materials and deadline", tag="cases", answer=Case, errors=(404,))
def get_case(case_id: int):  # noqa: ANN201
    return _case_json(case_id)


@bp.get("/cases/<id:case_id>/events")
@authenticated
@operation(
    "The case's audit trail, oldest first",
    tag="cases",
    answer=page_schema(Event),
    errors=(404,),
)
def case_events(case_id: int):  # noqa: ANN201
    found = service.case_events(engine(), caller(), case_id)
    clear = disclosure.sees_case(engine(), caller(), case_id)  # masked for oversight roles
    events = [event_view(e, clear) for e in found]
    return {"items": events, "total": len(events), "page": 1, "per_page": max(len(events), 1)}


@bp.post("/cases/<id:case_id>/supplement")
@authenticated
@operation(
    "The applicant answers a supplement request (corrected application fields); the clocks resume",
    tag="time limits",
    body=SupplementAnswer,
    answer=Case,
    errors=(403, 404, 409, 422),
)
def answer_supplement(case_id: int):  # noqa: ANN201
    """The applicant answers a supplement request; the clocks resume."""
    answer = body()
    clock_stops.answer_supplement(
        engine(), caller(), case_id, answer.get("data"), answer.get("note") or "", language()
    )
    return _case_json(case_id)


@bp.post("/cases/<id:case_id>/supplement/items/<id:number>/file")
@authenticated
@operation(
    "A file answering one item of the open supplement request (numbered from 1 as listed), "
    "an 'other' item included; a material's item stores the material's upload",
    tag="time limits",
    multipart=MaterialUpload,
    answer=SupplementItemAnswer,
    status=201,
    errors=(403, 404, 409, 413),
)
def upload_supplement_item(case_id: int, number: int):  # noqa: ANN201
    file = uploaded_file()
    item = supplement_answers.upload_for_item(
        engine(), caller(), case_id, number, file.filename, file.stream
    )
    return item, 201


@bp.post("/cases/<id:case_id>/special-procedures/<id:pause_id>/end")
@authenticated
@operation(
    "End a special procedure with its result; the clocks resume",
    tag="time limits",
    body=EndSpecialProcedure,
    answer=Case,
    errors=(403, 404, 409, 422),
)
def end_special_procedure(case_id: int, pause_id: int):  # noqa: ANN201
    clock_stops.end_special_procedure(engine(), caller(), case_id, pause_id, body().get("result"))
    return _case_json(case_id)
