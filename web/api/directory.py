"""Departments and users, administered (API.md), and changing one's own password."""

from __future__ import annotations

from flask import Blueprint, g

from engine.services import departments, users

from ..i18n import language
from ..schemas.auth import User as Me
from ..schemas.base import page_of as page_schema
from ..schemas.directory import (
    Department,
    DepartmentChange,
    DepartmentFilters,
    DirectoryUser,
    NewDepartment,
    NewUser,
    PasswordChange,
    UserChange,
    UserFilters,
)
from .auth import user_view as me_view
from .common import authenticated, caller, engine, page_of, paging
from .operation import body, operation, query

bp = Blueprint("directory", __name__)
_TAG = "directory"


def _flag(value: str | None) -> bool | None:
    return None if value is None else value == "true"


@bp.get("/departments")
@authenticated
@operation(
    "Departments, by code (everyone signed in; administrators see inactive ones too)",
    tag=_TAG,
    query=DepartmentFilters,
    answer=page_schema(Department),
    errors=(403,),
)
def list_departments():  # noqa: ANN201
    page, per_page = paging()
    filters = query()
    items, total = departments.list_departments(
        engine(),
        caller(),
        page=page,
        per_page=per_page,
        active=_flag(filters.get("active")),
        parent=filters.get("parent") or None,
    )
    return page_of(items, total, page, per_page)


@bp.post("/departments")
@authenticated
@operation(
    "Create a department (admin)",
    tag=_TAG,
    body=NewDepartment,
    answer=Department,
    status=201,
    errors=(403, 409, 422),
)
def create_department():  # noqa: ANN201
    return departments.create_department(engine(), caller(), body(), language()), 201


@bp.get("/departments/<code>")
@authenticated
@operation("One department", tag=_TAG, answer=Department, errors=(403,))
def get_department(code: str):  # noqa: ANN201
    return departments.get_department(engine(), caller(), code)


@bp.put("/departments/<code>")
@authenticated
@operation(
    "Rename, move, or deactivate a department, its open tasks to a successor (admin)",
    tag=_TAG,
    body=DepartmentChange,
    answer=Department,
    errors=(403, 409, 422),
)
def update_department(code: str):  # noqa: ANN201
    return departments.update_department(engine(), caller(), code, body(), language())


@bp.get("/users")
@authenticated
@operation(
    "Users, by username (admin)",
    tag=_TAG,
    query=UserFilters,
    answer=page_schema(DirectoryUser),
    errors=(403,),
)
def list_users():  # noqa: ANN201
    page, per_page = paging()
    filters = query()
    items, total = users.list_users(
        engine(),
        caller(),
        page=page,
        per_page=per_page,
        department=filters.get("department") or None,
        role=filters.get("role") or None,
        active=_flag(filters.get("active")),
    )
    return page_of(items, total, page, per_page)


@bp.post("/users")
@authenticated
@operation(
    "Create a user (admin)",
    tag=_TAG,
    body=NewUser,
    answer=DirectoryUser,
    status=201,
    errors=(403, 409, 422),
)
def create_user():  # noqa: ANN201
    return users.create_user(engine(), caller(), body(), language()), 201


@bp.get("/users/<username>")
@authenticated
@operation("One user (admin)", tag=_TAG, answer=DirectoryUser, errors=(403,))
def get_user(username: str):  # noqa: ANN201
    return users.get_user(engine(), caller(), username)


@bp.put("/users/<username>")
@authenticated
@operation(
    "Change a user's profile, roles or standing, or reset their password (admin)",
    tag=_TAG,
    body=UserChange,
    answer=DirectoryUser,
    errors=(403, 409, 422),
)
def update_user(username: str):  # noqa: ANN201
    return users.update_user(engine(), caller(), username, body(), language())


@bp.post("/me/password")
@authenticated
@operation(
    "Change one's own password (required after an administrator's reset)",
    tag="auth",
    body=PasswordChange,
    answer=Me,
    errors=(422,),
)
def change_password():  # noqa: ANN201
    passwords = body()
    user = users.change_own_password(
        engine(),
        g.user.username,
        passwords["current_password"],
        passwords["new_password"],
        language(),
    )
    return me_view(user)
