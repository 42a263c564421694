from __future__ import annotations

from typing import Any

from flask import Blueprint, request

from engine.services import clock_stops, uploads
from engine.services import tasks as service
from engine.services.serializers import task_view

from ..i18n import language
from ..schemas.base import page_of as page_schema
from ..schemas.cases import Case, SpecialProcedureStarted
from ..schemas.tasks import (
    Complete,
    CompleteWithFiles,
    RequestSupplement,
    StartSpecialProcedure,
    Task,
    TaskDetail,
    TaskFilters,
)
from .cases import _case_json
from .common import authenticated, caller, engine, page_of, paging
from .operation import body, operation, query
from .parsing import json_object, load_object

bp = Blueprint("tasks", __name__)


@bp.get("/tasks")
@authenticated
@operation(
    "The caller's visible tasks (department worklist)",
    tag="tasks",
    query=TaskFilters,
    answer=page_schema(Task),
)
def list_tasks():  # noqa: ANN201
    page, per_page = paging()
    args = query()
    rows, total = service.list_tasks(
        engine(),
        caller(),
        status=args.get("status"),
        department=args.get("department"),
        assignee=args.get("assignee"),
        process_key=args.get("process_key"),
        deadline_state=args.get("deadline_state"),
        page=page,
        per_page=per_page,
    )
    return page_of([task_view(r) for r in rows], total, page, per_page)


@bp.get("/tasks/<task_id>")
@authenticated
@operation(
    "A task with its form definition and prefill", tag="tasks", answer=TaskDetail, errors=(404,)
)
def get_task(task_id: str):  # noqa: ANN201
    return service.get_task_json(engine(), caller(), task_id)


@bp.post("/tasks/<task_id>/claim")
@authenticated
@operation("Claim a task", tag="tasks", answer=Task, errors=(403, 404, 409))
def claim(task_id: str):  # noqa: ANN201
    return task_view(service.claim(engine(), caller(), task_id))


@bp.post("/tasks/<task_id>/unclaim")
@authenticated
@operation(
    "Give a claimed task back to the department", tag="tasks", answer=Task, errors=(403, 404, 409)
)
def unclaim(task_id: str):  # noqa: ANN201
    return task_view(service.unclaim(engine(), caller(), task_id))


@bp.post("/tasks/<task_id>/request-supplement")
@authenticated
@operation(
    "补正: list every missing or defective material at once; the case waits and its clocks stop",
    tag="time limits",
    body=RequestSupplement,
    answer=Case,
    errors=(403, 404, 409, 422),
)
def request_supplement(task_id: str):  # noqa: ANN201
    """补正: list every missing or defective material at once; the case waits."""
    notice = body()
    case_id = clock_stops.request_supplement(
        engine(), caller(), task_id, notice.get("items"), notice.get("note") or ""
    )
    return _case_json(case_id)


@bp.post("/tasks/<task_id>/special-procedures")
@authenticated
@operation(
    "Start a special procedure (public notice, expert review, ...): time not counted",
    tag="time limits",
    body=StartSpecialProcedure,
    answer=SpecialProcedureStarted,
    status=201,
    errors=(403, 404, 409, 422),
)
def start_special_procedure(task_id: str):  # noqa: ANN201
    procedure = body()
    pause_id = clock_stops.start_special_procedure(
        engine(), caller(), task_id, procedure.get("kind"), procedure.get("reason")
    )
    case_id = service.get_task(engine(), caller(), task_id).case_id
    return {"id": pause_id, "case": _case_json(case_id)}, 201


@bp.post("/tasks/<task_id>/complete")
@authenticated
@operation(
    "Complete a task with its form data; answers the updated case. A form with file "
    "fields is sent as multipart: 'data' (the JSON object) and one part per file field, "
    "named as the field; each file is kept as an attachment of the case (listed in its "
    "'attachments') and its field holds the attachment code",
    tag="tasks",
    body=Complete,
    multipart=CompleteWithFiles,
    answer=Case,
    errors=(403, 404, 409, 413, 422),
)
def complete(task_id: str):  # noqa: ANN201
    if request.mimetype == "multipart/form-data":
        # With documents for the form's ``file`` fields: ``data`` (the JSON object) and
        # one part per file field, named as the field.
        service.get_task(engine(), caller(), task_id)  # 404 before reading a byte
        data, files = _multipart_completion()
    else:
        data, files = body().get("data"), None
    case_id = service.complete(engine(), caller(), task_id, data, language(), files)
    return _case_json(case_id)


def _multipart_completion() -> tuple[Any, dict[str, uploads.Incoming]]:
    part = json_object(request.form.get("data") or "{}")
    data = load_object(Complete(), {"data": part}).get("data")
    files = {
        name: uploads.read_upload(engine(), part.filename, part.stream)
        for name, part in request.files.items()
        if part.filename
    }
    return data, files
