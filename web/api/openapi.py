"""The OpenAPI 3 document, generated from the routes and their ``@operation`` declarations.

apispec's marshmallow plugin turns each declared schema into a component; the paths come
from Flask's URL map, so a route without a declaration cannot hide: building the
document fails on it (tests/test_openapi.py builds it).  ``GET /api/health`` sits outside
/api/v1 (balancers know it there) but is part of the contract, so it is documented too.
"""

from __future__ import annotations

import re
from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Flask
from werkzeug.routing import Rule

from ..schemas.base import Error
from .operation import Operation
from .parsing import MAX_ROW_ID

_PARAMETER = re.compile(r"<(?:(?P<converter>[a-z]+)(?:\([^)]*\))?:)?(?P<name>\w+)>")
_PATH_SCHEMAS = {
    "id": {"type": "integer", "minimum": 1, "maximum": MAX_ROW_ID},
    "year": {"type": "integer", "minimum": 1, "maximum": 9999},
    "int": {"type": "integer", "minimum": 0},
}
_ERROR_TEXT = {
    400: "malformed request",
    401: "no or bad token",
    403: "not allowed",
    404: "no such resource",
    409: "state conflict",
    413: "too large",
    422: "well-formed but invalid",
    429: "too many failed attempts: wait Retry-After seconds",
    503: "the database does not answer",
}


def _path(rule: Rule) -> tuple[str, list[dict[str, Any]]]:
    parameters = [
        {
            "name": m["name"],
            "in": "path",
            "required": True,
            "schema": _PATH_SCHEMAS.get(m["converter"] or "", {"type": "string"}),
        }
        for m in _PARAMETER.finditer(rule.rule)
    ]
    return _PARAMETER.sub(r"{\g<name>}", rule.rule), parameters


def _responses(op: Operation, names_something: bool) -> dict[str, Any]:
    if op.produces:
        content = {kind: {"schema": schema} for kind, schema in op.produces.items()}
    else:
        content = {"application/json": {"schema": op.answer}}
    responses: dict[str, Any] = {}
    for status in (op.status, *op.also):
        text = "OK" if status < 400 else _ERROR_TEXT.get(status, "error")
        responses[str(status)] = {"description": text, "content": content}
        if status == 204 or (op.answer is None and not op.produces):
            del responses[str(status)]["content"]  # no body
    # Every operation may meet a malformed request and, unless public, a missing token;
    # one whose path names something may find nothing there.
    errors = {400, *op.errors} | (set() if op.public else {401})
    if names_something:
        errors.add(404)
    for status in sorted(errors):
        responses[str(status)] = {
            "description": _ERROR_TEXT.get(status, "error"),
            "content": {"application/json": {"schema": Error}},
        }
    return responses


def _operation(op: Operation, endpoint: str, parameters: list[dict[str, Any]]) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "operationId": endpoint,
        "summary": op.summary,
        "tags": [op.tag],
        "responses": _responses(op, bool(parameters)),
    }
    if op.query:
        parameters = [*parameters, {"in": "query", "schema": op.query}]
    if parameters:
        doc["parameters"] = parameters
    content: dict[str, Any] = {}
    if op.body:
        content["application/json"] = {"schema": op.body}
    if op.multipart:
        content["multipart/form-data"] = {"schema": op.multipart}
    if content:
        doc["requestBody"] = {"required": bool(op.multipart and not op.body), "content": content}
    if op.public:
        doc["security"] = []
    return doc


def _schema_name(schema: Any) -> str:
    cls = schema if isinstance(schema, type) else type(schema)
    name = cls.__name__.removesuffix("Schema")
    prefix = "Partial" if getattr(schema, "partial", False) else ""
    return prefix + name


def openapi_document(app: Flask) -> dict[str, Any]:
    spec = APISpec(
        title="govflow API",
        version="1",
        openapi_version="3.0.3",
        plugins=[MarshmallowPlugin(schema_name_resolver=_schema_name)],
        info={"description": "BPMN workflow engine for cross-department government services."},
        servers=[{"url": "/"}],
        security=[{"bearer": []}],
    )
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    spec.components.schema("Error", schema=Error)
    paths: dict[str, dict[str, Any]] = {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if not (rule.rule.startswith("/api/v1/") or rule.rule == "/api/health"):
            continue
        view = app.view_functions[rule.endpoint]
        op = getattr(view, "operation", None)
        if op is None:
            raise LookupError(f"{rule.endpoint} ({rule.rule}) has no @operation")
        path, parameters = _path(rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            paths.setdefault(path, {})[method.lower()] = _operation(op, rule.endpoint, parameters)
    for path, operations in paths.items():
        spec.path(path=path, operations=operations)
    return spec.to_dict()
