"""User accounts as administrators keep them, and a user changing their own password.

Only an administrator lists, creates or changes accounts (the first one is made on the
command line: ``create_admin``).  Each change is one transaction with its audit event.
"""

from __future__ import annotations

from typing import Any

from ..context import Govflow
from ..directory import users as rules
from ..directory.serializers import user_view
from ..models import User
from ..principal import Principal
from ..sql import json_array_contains
from ..uow import read_only, run_in_transaction
from .access import require_role
from .directory_records import admin_change, list_page


def list_users(
    govflow: Govflow,
    actor: Principal,
    *,
    page: int = 1,
    per_page: int = 20,
    department: str | None = None,
    role: str | None = None,
    active: bool | None = None,
) -> tuple[list[dict[str, Any]], int]:
    require_role(actor, "admin")
    conditions = []
    if department is not None:
        conditions.append(User.department_code == department)
    if role is not None:
        conditions.append(json_array_contains(User.roles, role))
    if active is not None:
        conditions.append(User.active.is_(active))
    return list_page(govflow, User, conditions, User.username, user_view, page, per_page)


def get_user(govflow: Govflow, actor: Principal, username: str) -> dict[str, Any]:
    require_role(actor, "admin")
    with read_only(govflow.db) as session:
        return user_view(rules.find(session, username))


def create_user(
    govflow: Govflow, actor: Principal, payload: Any, lang: str = "zh"
) -> dict[str, Any]:
    return admin_change(
        govflow,
        actor,
        payload,
        lambda session: user_view(
            rules.create(session, actor, payload, lang, demo=govflow.settings.demo)
        ),
    )


def update_user(
    govflow: Govflow, actor: Principal, username: str, payload: Any, lang: str = "zh"
) -> dict[str, Any]:
    return admin_change(
        govflow,
        actor,
        payload,
        lambda session: user_view(rules.update(session, actor, username, payload, lang)),
    )


def create_admin(
    govflow: Govflow, actor: Principal, username: str, password: str, display_name: str = ""
) -> dict[str, Any]:
    """The first administrator (``govflow users create-admin``): the operator chose the
    password, so there is nothing to change at the first sign-in."""
    payload = {
        "username": username,
        "display_name": display_name or username,
        "roles": ["admin"],
        "password": password,
    }
    return run_in_transaction(
        govflow.db,
        lambda session: user_view(rules.create(session, actor, payload, "en", strict=True)),
    )


def change_own_password(
    govflow: Govflow, username: str, current: Any, new: Any, lang: str = "zh"
) -> User:
    """The signed-in user replaces their password (required after an administrator's reset)."""

    def work(session) -> User:  # noqa: ANN001
        user = rules.find(session, username, for_update=True)
        rules.change_own_password(session, user, current, new, lang)
        session.flush()
        return user

    return run_in_transaction(govflow.db, work)
