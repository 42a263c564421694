"""``@operation``: what an endpoint takes and answers, declared once, beside the view.

The declaration does two jobs, so that the document can never drift from the code:
the request body and query string are loaded through the declared schemas before the
view runs (the view reads them with ``body()`` and ``query()``), and web/api/openapi.py
builds the OpenAPI document from the same declarations.

Put it under ``@authenticated`` so that a caller without a token hears 401 first::

    @bp.post("/cases")
    @authenticated
    @operation("Start a case", tag="cases", body=StartCase, answer=Case, status=201,
               errors=(400, 403, 404, 422))
    def start_case(): ...
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any

from flask import g, request
from marshmallow import Schema

from .parsing import load_body, load_query

SchemaClass = type[Schema]


@dataclass(frozen=True)
class Operation:
    summary: str
    tag: str
    answer: SchemaClass | None = None
    status: int = 200
    also: tuple[int, ...] = ()  # other 2xx statuses that give the same answer
    errors: tuple[int, ...] = ()
    body: SchemaClass | None = None
    query: SchemaClass | None = None
    multipart: SchemaClass | None = None
    # answers that are not JSON: media type → OpenAPI schema (a file, the BPMN XML)
    produces: dict[str, dict[str, Any]] = field(default_factory=dict)
    public: bool = False


def operation(summary: str, *, tag: str, **declared: Any) -> Callable[[Callable], Callable]:
    spec = Operation(summary, tag, **declared)

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def parsed(*args: Any, **kwargs: Any) -> Any:
            g.query = load_query(spec.query()) if spec.query else {}
            wants_json = spec.body and request.mimetype != "multipart/form-data"
            g.body = load_body(spec.body()) if wants_json else {}
            return view(*args, **kwargs)

        parsed.operation = spec  # type: ignore[attr-defined]  # read by web/api/openapi.py
        return parsed

    return decorate


def body() -> dict[str, Any]:
    """The request body as the operation's ``body`` schema loaded it."""
    return g.body


def query() -> dict[str, Any]:
    """The query string as the operation's ``query`` schema loaded it."""
    return g.query
