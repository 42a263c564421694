"""OpenAPI paths of departments and users (web/api/directory.py), merged into web/openapi.py."""

from __future__ import annotations

from typing import Any


def directory_paths() -> dict[str, Any]:
    from .openapi import _JSON, _PAGING, _op, _p, _q

    text, flag = {"type": "string"}, {"type": "boolean"}
    nullable = {"type": "string", "nullable": True}
    names = {
        "type": "object",
        "required": ["zh", "en"],
        "properties": {"zh": text, "en": text},
    }
    department = {
        "type": "object",
        "properties": {
            "code": {**text, "pattern": "^[a-z][a-z0-9_]{1,39}$"},
            "name": names,
            "kind": nullable,
            "parent": {**nullable, "description": "code of the department above"},
            "division": {**nullable, "description": "行政区划代码: 6, 9 or 12 digits"},
            "active": flag,
        },
    }
    department_change = {
        "type": "object",
        "properties": {
            **{k: v for k, v in department["properties"].items() if k != "code"},
            "successor": {
                "type": "string",
                "description": "with active=false: the department that takes over the open "
                "tasks (required when there are any)",
            },
        },
    }
    roles = {
        "type": "array",
        "items": {
            "type": "string",
            "enum": ["admin", "designer", "clerk", "supervisor", "applicant", "integration"],
        },
    }
    user = {
        "type": "object",
        "properties": {
            "username": text,
            "display_name": text,
            "roles": roles,
            "department": nullable,
            "active": flag,
            "must_change_password": flag,
            "id_number": text,
            "phone": text,
        },
    }
    password = {
        "type": "string",
        "description": "at least 12 characters of two kinds or more, not containing the "
        "username, not the demo password",
    }
    new_user = {
        **user,
        "required": ["username", "display_name", "roles", "password"],
        "properties": {**user["properties"], "password": password},
    }
    user_change = {
        "type": "object",
        "properties": {
            **{k: v for k, v in user["properties"].items() if k != "must_change_password"},
            "password": {
                **password,
                "description": "a reset: the user must change it at the next sign-in",
            },
        },
    }
    code, username = _p("code"), _p("username")
    active = _q("active", "true|false", flag)
    return {
        "/api/v1/departments": {
            "get": _op(
                "Departments, by code",
                tag="directory",
                errors=(400, 401),
                params=(active, _q("parent", "only the departments under this one"), *_PAGING),
            ),
            "post": _op(
                "Create a department (admin)",
                tag="directory",
                ok=201,
                errors=(400, 401, 403, 409, 422),
                body=_JSON({**department, "required": ["code", "name"]}),
                response=department,
            ),
        },
        "/api/v1/departments/{code}": {
            "get": _op("One department", tag="directory", params=(code,), errors=(401, 404)),
            "put": _op(
                "Rename, move or (de)activate a department (admin); deactivating one with "
                "open tasks needs a successor, which takes over its queue",
                tag="directory",
                params=(code,),
                errors=(400, 401, 403, 404, 409, 422),
                body=_JSON(department_change),
                response=department,
            ),
        },
        "/api/v1/users": {
            "get": _op(
                "User accounts (admin)",
                tag="directory",
                errors=(400, 401, 403),
                params=(
                    _q("department", "only this department's users"),
                    _q("role", "only users with this role"),
                    active,
                    *_PAGING,
                ),
            ),
            "post": _op(
                "Create a user (admin)",
                tag="directory",
                ok=201,
                errors=(400, 401, 403, 409, 422),
                body=_JSON(new_user),
                response=user,
            ),
        },
        "/api/v1/users/{username}": {
            "get": _op(
                "One user (admin)", tag="directory", params=(username,), errors=(401, 403, 404)
            ),
            "put": _op(
                "Change roles, department, name; reset the password; active=false "
                "deactivates: the user's tokens and sessions stop at once (admin)",
                tag="directory",
                params=(username,),
                errors=(400, 401, 403, 404, 409, 422),
                body=_JSON(user_change),
                response=user,
            ),
        },
        "/api/v1/me/password": {
            "post": _op(
                "Change one's own password (the only call allowed after a reset)",
                tag="auth",
                errors=(400, 401, 422),
                body=_JSON(
                    {
                        "type": "object",
                        "required": ["current_password", "new_password"],
                        "properties": {"current_password": text, "new_password": password},
                    }
                ),
            )
        },
    }
