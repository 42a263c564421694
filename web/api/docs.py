"""The OpenAPI document and a browsable page."""

from __future__ import annotations

from html import escape
from typing import Any

from flask import Blueprint, Response, current_app

from .openapi import openapi_document

bp = Blueprint("docs", __name__)

_PAGE = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<title>govflow API</title><style>body{font-family:system-ui,sans-serif;margin:2rem;max-width:70rem}
code{background:#f3f3f3;padding:0 .3em}h2{border-bottom:1px solid #ddd}</style></head><body>
<h1>govflow REST API v1</h1><p>OpenAPI 3: <a href="/api/openapi.json">/api/openapi.json</a></p>
{body}</body></html>"""


def _document() -> dict[str, Any]:
    """Built once per app: the routes do not change while it runs."""
    cached = current_app.extensions.get("govflow_openapi")
    if cached is None:
        cached = current_app.extensions["govflow_openapi"] = openapi_document(current_app)
    return cached


@bp.get("/api/openapi.json")
def openapi_json():  # noqa: ANN201
    return _document()


@bp.get("/api/docs")
def docs_page():  # noqa: ANN201
    doc = _document()
    parts = []
    for path, operations in doc["paths"].items():
        for method, op in operations.items():
            parts.append(
                f"<h2><code>{method.upper()} {path}</code></h2><p>{escape(op.get('summary', ''))}</p>"
            )
    return Response(_PAGE.replace("{body}", "".join(parts)), mimetype="text/html")
