"""The JSON shapes of departments and users (API.md: Departments and users)."""

from __future__ import annotations

from typing import Any

from ..masking import mask_email, mask_id_number
from ..models import Department, User


def department_view(department: Department) -> dict[str, Any]:
    return {
        "code": department.code,
        "name": {"zh": department.name_zh, "en": department.name_en},
        "kind": department.kind,
        "parent": department.parent_code,
        "division": department.division,
        "active": bool(department.active),
    }


def user_view(user: User) -> dict[str, Any]:
    """A user as administrators list them: never a password hash, ID numbers masked."""
    view = {
        "username": user.username,
        "display_name": user.display_name,
        "roles": list(user.roles or []),
        "department": user.department_code,
        "active": bool(user.active),
        "must_change_password": bool(user.must_change_password),
    }
    if user.id_number:
        view["id_number"] = mask_id_number(user.id_number)
    if user.email:
        view["email"] = mask_email(user.email)
    return view
