"""REST API v1 (API.md): one blueprint per concern."""

from __future__ import annotations

from flask import Blueprint, Flask


def register_api(app: Flask) -> None:
    from . import auth, calendar, cases, definitions, docs, supervision, tasks

    api = Blueprint("api", __name__, url_prefix="/api/v1")
    for module in (auth, definitions, cases, tasks, calendar, supervision):
        api.register_blueprint(module.bp)
    app.register_blueprint(api)
    app.register_blueprint(docs.bp)
