"""Departments and users, administered (API.md), and changing one's own password."""

from __future__ import annotations

from flask import Blueprint, g, request

from engine.errors import BadRequest
from engine.services import departments, users

from ..i18n import language
from .auth import user_view as me_view
from .common import authenticated, caller, engine, json_body, page_of, paging

bp = Blueprint("directory", __name__)


def _flag(name: str) -> bool | None:
    raw = request.args.get(name)
    if raw in (None, ""):
        return None
    if raw not in ("true", "false"):
        raise BadRequest(f"'{name}' must be true or false")
    return raw == "true"


@bp.get("/departments")
@authenticated
def list_departments():  # noqa: ANN201
    page, per_page = paging()
    items, total = departments.list_departments(
        engine(),
        caller(),
        page=page,
        per_page=per_page,
        active=_flag("active"),
        parent=request.args.get("parent") or None,
    )
    return page_of(items, total, page, per_page)


@bp.post("/departments")
@authenticated
def create_department():  # noqa: ANN201
    return departments.create_department(engine(), caller(), json_body(), language()), 201


@bp.get("/departments/<code>")
@authenticated
def get_department(code: str):  # noqa: ANN201
    return departments.get_department(engine(), caller(), code)


@bp.put("/departments/<code>")
@authenticated
def update_department(code: str):  # noqa: ANN201
    return departments.update_department(engine(), caller(), code, json_body(), language())


@bp.get("/users")
@authenticated
def list_users():  # noqa: ANN201
    page, per_page = paging()
    items, total = users.list_users(
        engine(),
        caller(),
        page=page,
        per_page=per_page,
        department=request.args.get("department") or None,
        role=request.args.get("role") or None,
        active=_flag("active"),
    )
    return page_of(items, total, page, per_page)


@bp.post("/users")
@authenticated
def create_user():  # noqa: ANN201
    return users.create_user(engine(), caller(), json_body(), language()), 201


@bp.get("/users/<username>")
@authenticated
def get_user(username: str):  # noqa: ANN201
    return users.get_user(engine(), caller(), username)


@bp.put("/users/<username>")
@authenticated
def update_user(username: str):  # noqa: ANN201
    return users.update_user(engine(), caller(), username, json_body(), language())


@bp.post("/me/password")
@authenticated
def change_password():  # noqa: ANN201
    body = json_body()
    user = users.change_own_password(
        engine(),
        g.user.username,
        body.get("current_password"),
        body.get("new_password"),
        language(),
    )
    return me_view(user)
