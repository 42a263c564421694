"""Departments as administrators keep them: list, create, rename, move, deactivate.

Anyone signed in may read the list (pages and clients show department names); only an
administrator changes it.  Each change is one transaction with its audit event.
"""

from __future__ import annotations

from typing import Any

from ..context import Govflow
from ..directory import departments as rules
from ..directory.serializers import department_view
from ..models import Department
from ..principal import Principal
from ..uow import read_only
from .directory_records import admin_change, list_page


def list_departments(
    govflow: Govflow,
    actor: Principal,
    *,
    page: int = 1,
    per_page: int = 20,
    active: bool | None = None,
    parent: str | None = None,
) -> tuple[list[dict[str, Any]], int]:
    conditions = []
    if active is not None:
        conditions.append(Department.active.is_(active))
    if parent is not None:
        conditions.append(Department.parent_code == parent)
    return list_page(
        govflow, Department, conditions, Department.code, department_view, page, per_page
    )


def get_department(govflow: Govflow, actor: Principal, code: str) -> dict[str, Any]:
    with read_only(govflow.db) as session:
        return department_view(rules.find(session, code))


def create_department(
    govflow: Govflow, actor: Principal, payload: Any, lang: str = "zh"
) -> dict[str, Any]:
    return admin_change(
        govflow,
        actor,
        payload,
        lambda session: department_view(rules.create(session, actor, payload, lang)),
    )


def update_department(
    govflow: Govflow, actor: Principal, code: str, payload: Any, lang: str = "zh"
) -> dict[str, Any]:
    return admin_change(
        govflow,
        actor,
        payload,
        lambda session: department_view(rules.update(session, actor, code, payload, lang)),
    )


def open_task_count(govflow: Govflow, code: str) -> int:
    with read_only(govflow.db) as session:
        return rules.open_task_count(session, code)
