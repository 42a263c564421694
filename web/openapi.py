"""The OpenAPI 3 document of the REST API (kept beside the code it describes)."""

from __future__ import annotations

from functools import cache
from typing import Any

_ERROR = {"$ref": "#/components/schemas/Error"}


def _op(
    summary: str,
    *,
    tag: str,
    body: dict | None = None,
    ok: int = 200,
    errors: tuple[int, ...] = (401, 403),
    params: tuple[dict, ...] = (),
    public: bool = False,
    response: dict | None = None,
) -> dict[str, Any]:
    op: dict[str, Any] = {
        "summary": summary,
        "tags": [tag],
        "responses": {
            str(ok): {
                "description": "OK",
                "content": {"application/json": {"schema": response or {"type": "object"}}},
            },
        },
    }
    for status in errors:
        op["responses"][str(status)] = {
            "description": "error",
            "content": {"application/json": {"schema": _ERROR}},
        }
    if body:
        op["requestBody"] = {"required": True, "content": body}
    if params:
        op["parameters"] = list(params)
    if public:
        op["security"] = []
    return op


def _no_content(op: dict[str, Any]) -> dict[str, Any]:
    """An operation whose success answers 204 without a body."""
    op["responses"]["204"] = {"description": "Done; no body"}
    return op


def _q(name: str, description: str, schema: dict | None = None) -> dict:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema or {"type": "string"},
    }


def _p(name: str, schema: dict | None = None) -> dict:
    return {"name": name, "in": "path", "required": True, "schema": schema or {"type": "string"}}


_JSON = lambda schema: {"application/json": {"schema": schema}}  # noqa: E731
_PAGING = (
    _q("page", "page number from 1", {"type": "integer", "minimum": 1}),
    _q("per_page", "items per page (max 100)", {"type": "integer", "minimum": 1, "maximum": 100}),
)


@cache
def openapi_document() -> dict[str, Any]:
    task_id, case_id = _p("task_id"), _p("case_id", {"type": "integer"})
    key, version = (
        _p("key"),
        _q("version", "a version number; latest when omitted", {"type": "integer"}),
    )
    paths = {
        "/api/v1/auth/token": {
            "post": _op(
                "Exchange username and password for a bearer token",
                tag="auth",
                public=True,
                body=_JSON(
                    {
                        "type": "object",
                        "required": ["username", "password"],
                        "properties": {
                            "username": {"type": "string"},
                            "password": {"type": "string"},
                        },
                    }
                ),
                errors=(400, 401, 429),
            ),
            "delete": _no_content(
                _op("Revoke the caller's token (401 with it afterwards)", tag="auth", ok=204)
            ),
        },
        "/api/v1/me": {"get": _op("The signed-in user", tag="auth", errors=(401,))},
        "/api/v1/process-definitions": {
            "post": _op(
                "Deploy a BPMN (with DMN and form files) as a new version",
                tag="definitions",
                ok=201,
                errors=(400, 401, 403, 413, 422),
                body={
                    "multipart/form-data": {
                        "schema": {
                            "type": "object",
                            "required": ["file"],
                            "properties": {
                                "file": {"type": "string", "format": "binary"},
                                "dmn": {
                                    "type": "array",
                                    "items": {"type": "string", "format": "binary"},
                                },
                                "form": {
                                    "type": "array",
                                    "items": {"type": "string", "format": "binary"},
                                },
                            },
                        }
                    }
                },
            ),
            "get": _op("Latest version of each process", tag="definitions"),
        },
        "/api/v1/process-definitions/{key}": {
            "get": _op(
                "One process definition",
                tag="definitions",
                params=(key, version),
                errors=(401, 404),
            )
        },
        "/api/v1/process-definitions/{key}/bpmn": {
            "get": _op(
                "The deployed BPMN XML", tag="definitions", params=(key, version), errors=(401, 404)
            )
        },
        "/api/v1/process-definitions/{key}/versions/{version}/approve": {
            "post": _op(
                "Approve a pending version: it becomes current (admin, or a designer other "
                "than its uploader)",
                tag="definitions",
                params=(key, _p("version", {"type": "integer"})),
                errors=(401, 403, 404, 409),
            )
        },
        "/api/v1/models": {
            "get": _op("Every uploaded BPMN file, deployable or not", tag="definitions")
        },
        "/api/v1/models/{model_id}": {
            "get": _op(
                "One uploaded model with its deploy verdict",
                tag="definitions",
                params=(_p("model_id", {"type": "integer"}),),
                errors=(401, 403, 404),
            )
        },
        "/api/v1/models/{model_id}/bpmn": {
            "get": _op(
                "An uploaded model's XML",
                tag="definitions",
                params=(_p("model_id", {"type": "integer"}),),
                errors=(401, 403, 404),
            )
        },
        "/api/v1/cases": {
            "post": _op(
                "Start a case (apply for a composite matter)",
                tag="cases",
                ok=201,
                errors=(400, 401, 403, 404, 422),
                body=_JSON(
                    {
                        "type": "object",
                        "required": ["process_key"],
                        "properties": {
                            "process_key": {"type": "string"},
                            "applicant": {
                                "type": "object",
                                "description": "An applicant applies for themself (omit it, "
                                "or name only themself: else 403); a window clerk names the "
                                "applicant at the counter; every other role is refused (403)",
                                "properties": {
                                    "id_number": {"type": "string"},
                                    "name": {"type": "string", "maxLength": 100},
                                },
                            },
                            "data": {"type": "object"},
                            "version": {
                                "type": "integer",
                                "minimum": 1,
                                "description": "Omit for the current version; a pending "
                                "version only for its uploader (a trial before approval)",
                            },
                        },
                    }
                ),
            ),
            "get": _op(
                "The caller's visible cases",
                tag="cases",
                params=(
                    _q("status", "running|waiting_applicant|completed|terminated|error"),
                    _q("process_key", "only this matter"),
                    _q("deadline_state", "ok|warning|overdue|paused|met|missed"),
                    *_PAGING,
                ),
            ),
        },
        "/api/v1/cases/{case_id}": {
            "get": _op(
                "One case with tasks, materials and deadline",
                tag="cases",
                params=(case_id,),
                errors=(401, 404),
            )
        },
        "/api/v1/cases/{case_id}/events": {
            "get": _op(
                "The case's audit trail, oldest first",
                tag="cases",
                params=(case_id,),
                errors=(401, 404),
            )
        },
        "/api/v1/tasks": {
            "get": _op(
                "The caller's visible tasks (department worklist)",
                tag="tasks",
                params=(
                    _q("status", "ready|claimed|completed"),
                    _q("department", "department code"),
                    _q("assignee", "'me' or a username"),
                    _q("deadline_state", "ok|warning|overdue|paused|met|missed"),
                    _q("process_key", "only this matter"),
                    *_PAGING,
                ),
            )
        },
        "/api/v1/tasks/{task_id}": {
            "get": _op(
                "A task with its form definition and prefill",
                tag="tasks",
                params=(task_id,),
                errors=(401, 404),
            )
        },
        "/api/v1/tasks/{task_id}/claim": {
            "post": _op("Claim a task", tag="tasks", params=(task_id,), errors=(401, 403, 404, 409))
        },
        "/api/v1/tasks/{task_id}/unclaim": {
            "post": _op(
                "Give a claimed task back to the department",
                tag="tasks",
                params=(task_id,),
                errors=(401, 403, 404, 409),
            )
        },
        "/api/v1/tasks/{task_id}/complete": {
            "post": _op(
                "Complete a task with its form data; answers the updated case. A form with "
                "file fields is sent as multipart: 'data' (the JSON object) and one part per "
                "file field, named as the field; each file is kept as an attachment of the "
                "case (listed in its 'attachments') and its field holds the attachment code",
                tag="tasks",
                params=(task_id,),
                errors=(400, 401, 403, 404, 409, 413, 422),
                body={
                    **_JSON({"type": "object", "properties": {"data": {"type": "object"}}}),
                    "multipart/form-data": {
                        "schema": {
                            "type": "object",
                            "properties": {"data": {"type": "string", "description": "JSON"}},
                            "additionalProperties": {"type": "string", "format": "binary"},
                        }
                    },
                },
            )
        },
    }
    paths.update(_shared_data_paths(case_id))
    paths.update(_time_limit_paths(task_id, case_id))
    paths.update(_health_path())
    paths["/api/v1/incidents"] = {
        "get": _op(
            "Steps the engine ran on its own that kept failing (admin, supervisor)",
            tag="incidents",
            params=(
                _q("status", "open|resolved"),
                _q("case_id", "only this case", {"type": "integer"}),
                *_PAGING,
            ),
            errors=(400, 401, 403),
        )
    }
    retry = paths["/api/v1/incidents/{incident_id}/retry"] = {
        "post": _op(
            "Run the failed step again, 'data' merged into the case data first (admin); "
            "answers the case: the incident is resolved, or stays open with the new message",
            tag="incidents",
            params=(_p("incident_id", {"type": "integer"}),),
            body=_JSON({"type": "object", "properties": {"data": {"type": "object"}}}),
            errors=(400, 401, 403, 404, 409, 422),
        )
    }
    retry["post"]["requestBody"]["required"] = False  # a retry without a data fix
    from .openapi_verbs import verb_paths  # 退回, 转办, 催办, 挂起, 终止, 不予受理, 好差评

    paths.update(verb_paths(task_id, case_id))
    from .openapi_directory import directory_paths  # departments and users

    paths.update(directory_paths())
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "govflow API",
            "version": "1",
            "description": "BPMN workflow engine for cross-department government services.",
        },
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Error": {
                    "type": "object",
                    "required": ["error"],
                    "properties": {
                        "error": {
                            "type": "object",
                            "required": ["code", "message", "details"],
                            "properties": {
                                "code": {"type": "string"},
                                "message": {"type": "string"},
                                "details": {"type": "object"},
                            },
                        }
                    },
                }
            },
        },
    }


def _health_path() -> dict[str, Any]:
    """``GET /api/health``: 200 ok or degraded (the scheduler has not ticked for a minute),
    503 with the same body when the database does not answer."""
    health = {
        "type": "object",
        "required": ["status", "database", "scheduler"],
        "properties": {
            "status": {"type": "string", "enum": ["ok", "degraded"]},
            "database": {"type": "string", "enum": ["ok", "down"]},
            "scheduler": {
                "type": "object",
                "required": ["alive", "last_tick_at"],
                "properties": {
                    "alive": {"type": "boolean"},
                    "last_tick_at": {"type": "string", "format": "date-time", "nullable": True},
                },
            },
        },
    }
    op = _op(
        "Liveness of the database and the scheduler (no token)",
        tag="health",
        public=True,
        errors=(),
        response=health,
    )
    op["responses"]["503"] = {
        "description": "the database does not answer",
        "content": {"application/json": {"schema": health}},
    }
    return {"/api/health": {"get": op}}


def _shared_data_paths(case_id: dict) -> dict[str, Any]:
    """Shared data: registry, catalogue, materials, disputes, access log (docs/SHARED_DATA.md)."""
    code, provider, field = _p("code"), _p("provider"), _p("field")
    tag = "shared data"
    file_body = {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["file"],
                "properties": {"file": {"type": "string", "format": "binary"}},
            }
        }
    }
    provider_config = _JSON(
        {
            "type": "object",
            "properties": {
                "kind": {"type": "string", "enum": ["http", "database"]},
                "url": {"type": "string"},
                "timeout_seconds": {"type": "number"},
                "retries": {"type": "integer", "minimum": 0, "maximum": 5},
                "credential_env": {
                    "type": "string",
                    "description": "NAME of the environment variable holding the secret",
                },
                "purposes": {"type": "array", "items": {"type": "string"}},
                "enabled": {"type": "boolean"},
            },
        }
    )
    log_filters = (
        _q("case_id", "only this case", {"type": "integer"}),
        _q("id_number", "only this person (the data subject's ID number)"),
        _q("department", "department holding the data or accessing it"),
        _q("kind", "pull|view"),
        _q("provider", "only this provider"),
        *_PAGING,
    )
    return {
        "/api/v1/shared-data/providers": {
            "get": _op(
                "Provider registry: department, fields, sharing class, purposes",
                tag=tag,
                params=_PAGING,
                errors=(401,),
            )
        },
        "/api/v1/shared-data/providers/{name}": {
            "put": _op(
                "Point a provider at an exchange-platform endpoint (admin)",
                tag=tag,
                params=(_p("name"),),
                body=provider_config,
                errors=(400, 401, 403, 404, 422),
            )
        },
        "/api/v1/catalogue": {
            "get": _op(
                "Matters with their materials: required / shared / uploaded",
                tag=tag,
                params=_PAGING,
                errors=(401,),
            )
        },
        "/api/v1/cases/{case_id}/materials/{code}": {
            "post": _op(
                "Upload a material shared data could not provide (PDF, JPEG, PNG)",
                tag=tag,
                ok=201,
                params=(case_id, code),
                body=file_body,
                errors=(400, 401, 403, 404, 409, 413),
            )
        },
        "/api/v1/cases/{case_id}/materials/{code}/file": {
            "get": {
                **_op(
                    "Download an uploaded material",
                    tag=tag,
                    params=(case_id, code),
                    errors=(401, 404),
                ),
                "responses": {
                    "200": {
                        "description": "the file",
                        "content": {
                            kind: {"schema": {"type": "string", "format": "binary"}}
                            for kind in ("application/pdf", "image/jpeg", "image/png")
                        },
                    },
                    "401": {"description": "error", "content": _JSON(_ERROR)},
                    "404": {"description": "error", "content": _JSON(_ERROR)},
                },
            }
        },
        "/api/v1/cases/{case_id}/shared-data/refresh": {
            "post": _op(
                "Pull again every record that did not arrive (clerk handling the case)",
                tag=tag,
                params=(case_id,),
                errors=(401, 403, 404, 409),
            )
        },
        "/api/v1/cases/{case_id}/shared-data/{provider}/{field}": {
            "put": _op(
                "Enter a record's facts from the uploaded document (clerk handling the case)",
                tag=tag,
                params=(case_id, provider, field),
                body=_JSON({"type": "object", "required": ["data"], "properties": {"data": {}}}),
                errors=(400, 401, 403, 404, 409, 422),
            )
        },
        "/api/v1/cases/{case_id}/disputes": {
            "post": _op(
                "Flag a shared record as wrong; the owning department gets a task",
                tag=tag,
                ok=201,
                params=(case_id,),
                body=_JSON(
                    {
                        "type": "object",
                        "required": ["provider", "subject_field", "reason"],
                        "properties": {
                            "provider": {"type": "string"},
                            "subject_field": {"type": "string"},
                            "reason": {"type": "string", "maxLength": 1000},
                        },
                    }
                ),
                errors=(400, 401, 403, 404, 409, 422),
            ),
            "get": _op(
                "The case's disputes", tag=tag, params=(case_id, *_PAGING), errors=(401, 404)
            ),
        },
        "/api/v1/audit/data-access": {
            "get": _op(
                "The data-access log: every pull and view of personal data (supervisor, admin)",
                tag=tag,
                params=log_filters,
                errors=(400, 401, 403),
            )
        },
        "/api/v1/cases/{case_id}/confirmations": {
            "post": _op(
                "A party the case names confirms it with their own sign-in (no body); the "
                "pulls that waited for them are made",
                tag=tag,
                params=(_p("case_id", {"type": "integer"}),),
                errors=(401, 404, 409),
            )
        },
        "/api/v1/me/confirmations": {
            "get": _op(
                "Cases naming the caller as a party who has not confirmed yet",
                tag=tag,
                params=_PAGING,
                errors=(401,),
            )
        },
        "/api/v1/me/data-access": {
            "get": _op(
                "Who pulled or viewed the caller's personal data (applicants)",
                tag=tag,
                params=_PAGING,
                errors=(401, 403),
            )
        },
    }


def _time_limit_paths(task_id: dict, case_id: dict) -> dict[str, Any]:
    """Calendar, supervision and the commands that stop and restart the clocks."""
    item = {
        "type": "object",
        "required": ["name", "reason"],
        "properties": {
            "material": {"type": "string", "description": "material code, when it is one"},
            "name": {"type": "string"},
            "reason": {"type": "string"},
        },
    }
    year = {
        "type": "object",
        "properties": {
            "year": {"type": "integer"},
            "official": {"type": "boolean"},
            "source": {"type": "string"},
            "holidays": {"type": "array", "items": {"type": "string", "format": "date"}},
            "workdays": {"type": "array", "items": {"type": "string", "format": "date"}},
        },
    }
    year_param = _p("year", {"type": "integer"})
    return {
        "/api/v1/tasks/{task_id}/request-supplement": {
            "post": _op(
                "补正: list every missing or defective material at once; the case waits and its clocks stop",
                tag="time limits",
                params=(task_id,),
                errors=(401, 403, 404, 409, 422),
                body=_JSON(
                    {
                        "type": "object",
                        "required": ["items"],
                        "properties": {
                            "items": {"type": "array", "minItems": 1, "items": item},
                            "note": {"type": "string"},
                        },
                    }
                ),
            )
        },
        "/api/v1/cases/{case_id}/supplement": {
            "post": _op(
                "The applicant answers a supplement request (corrected application fields); clocks resume",
                tag="time limits",
                params=(case_id,),
                errors=(400, 401, 403, 404, 409, 422),
                body=_JSON(
                    {
                        "type": "object",
                        "properties": {"data": {"type": "object"}, "note": {"type": "string"}},
                    }
                ),
            )
        },
        "/api/v1/tasks/{task_id}/special-procedures": {
            "post": _op(
                "Start a special procedure (public notice, expert review, ...): time not counted",
                tag="time limits",
                ok=201,
                params=(task_id,),
                errors=(401, 403, 404, 409, 422),
                body=_JSON(
                    {
                        "type": "object",
                        "required": ["kind", "reason"],
                        "properties": {
                            "kind": {
                                "type": "string",
                                "enum": [
                                    "hearing",
                                    "testing",
                                    "inspection",
                                    "appraisal",
                                    "expert_review",
                                    "public_notice",
                                ],
                            },
                            "reason": {"type": "string"},
                        },
                    }
                ),
            )
        },
        "/api/v1/cases/{case_id}/special-procedures/{pause_id}/end": {
            "post": _op(
                "End a special procedure with its result; the clocks resume",
                tag="time limits",
                params=(case_id, _p("pause_id", {"type": "integer"})),
                errors=(401, 403, 404, 409),
                body=_JSON({"type": "object", "properties": {"result": {"type": "string"}}}),
            )
        },
        "/api/v1/calendar/add-working-days": {
            "get": _op(
                "The N-th working day strictly after a date, and whether the years counted are official",
                tag="calendar",
                errors=(400, 401),
                params=(
                    _q("from", "YYYY-MM-DD", {"type": "string", "format": "date"}),
                    _q("days", "working days", {"type": "integer", "minimum": 0}),
                ),
            )
        },
        "/api/v1/calendar/{year}": {
            "get": _op(
                "A year's holidays and adjusted workdays",
                tag="calendar",
                params=(year_param,),
                errors=(401,),
                response=year,
            ),
            "put": _op(
                "Load or correct a year's official schedule (admin)",
                tag="calendar",
                params=(year_param,),
                errors=(400, 401, 403, 422),
                body=_JSON(year),
                response=year,
            ),
        },
        "/api/v1/supervision/overview": {
            "get": _op(
                "Open, warning, overdue, paused and completed work per department and per process",
                tag="supervision",
                errors=(401, 403),
            )
        },
        "/api/v1/supervision/overdue": {
            "get": _op(
                "Overdue and warning tasks and cases, the most urgent first",
                tag="supervision",
                errors=(401, 403),
                params=_PAGING,
            )
        },
    }
