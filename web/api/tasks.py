from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, request

from engine.errors import BadRequest
from engine.services import clock_stops, uploads
from engine.services import tasks as service
from engine.services.serializers import task_view

from ..i18n import language
from .cases import _case_json
from .common import authenticated, caller, engine, json_body, page_of, paging

bp = Blueprint("tasks", __name__)


@bp.get("/tasks")
@authenticated
def list_tasks():  # noqa: ANN201
    page, per_page = paging()
    args = request.args
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
def get_task(task_id: str):  # noqa: ANN201
    return service.get_task_json(engine(), caller(), task_id)


@bp.post("/tasks/<task_id>/claim")
@authenticated
def claim(task_id: str):  # noqa: ANN201
    return task_view(service.claim(engine(), caller(), task_id))


@bp.post("/tasks/<task_id>/unclaim")
@authenticated
def unclaim(task_id: str):  # noqa: ANN201
    return task_view(service.unclaim(engine(), caller(), task_id))


@bp.post("/tasks/<task_id>/request-supplement")
@authenticated
def request_supplement(task_id: str):  # noqa: ANN201
    """补正: list every missing or defective material at once; the case waits."""
    body = json_body()
    case_id = clock_stops.request_supplement(
        engine(), caller(), task_id, body.get("items"), body.get("note") or ""
    )
    return _case_json(case_id)


@bp.post("/tasks/<task_id>/special-procedures")
@authenticated
def start_special_procedure(task_id: str):  # noqa: ANN201
    body = json_body()
    pause_id = clock_stops.start_special_procedure(
        engine(), caller(), task_id, body.get("kind"), body.get("reason")
    )
    case_id = service.get_task(engine(), caller(), task_id).case_id
    return {"id": pause_id, "case": _case_json(case_id)}, 201


@bp.post("/tasks/<task_id>/complete")
@authenticated
def complete(task_id: str):  # noqa: ANN201
    if request.mimetype == "multipart/form-data":
        # With documents for the form's ``file`` fields: ``data`` (the JSON object) and
        # one part per file field, named as the field.
        service.get_task(engine(), caller(), task_id)  # 404 before reading a byte
        data, files = _multipart_completion()
    else:
        data, files = json_body().get("data"), None
    case_id = service.complete(engine(), caller(), task_id, data, language(), files)
    return _case_json(case_id)


def _multipart_completion() -> tuple[Any, dict[str, uploads.Incoming]]:
    try:
        data = json.loads(request.form.get("data") or "{}")
    except ValueError:
        raise BadRequest("the 'data' part must be a JSON object") from None
    files = {
        name: uploads.read_upload(engine(), part.filename, part.stream)
        for name, part in request.files.items()
        if part.filename
    }
    return data, files
