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
                errors=(400, 401),
            )
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
                                "properties": {
                                    "id_number": {"type": "string"},
                                    "name": {"type": "string"},
                                },
                            },
                            "data": {"type": "object"},
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
                    _q("deadline_state", "ok|warning|overdue|paused"),
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
                "Complete a task with its form data; answers the updated case",
                tag="tasks",
                params=(task_id,),
                errors=(400, 401, 403, 404, 409, 422),
                body=_JSON({"type": "object", "properties": {"data": {"type": "object"}}}),
            )
        },
    }
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
