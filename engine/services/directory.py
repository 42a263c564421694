"""Reference data the pages and reports show: department names by code."""

from __future__ import annotations

from sqlalchemy import select

from ..context import Govflow
from ..models import Department
from ..uow import read_only


def department_names(govflow: Govflow) -> dict[str, dict[str, str]]:
    """``{code: {"zh": ..., "en": ...}}`` for every department."""
    with read_only(govflow.db) as session:
        return {
            d.code: {"zh": d.name_zh, "en": d.name_en}
            for d in session.scalars(select(Department).order_by(Department.code))
        }


def divisions(govflow: Govflow) -> list[dict[str, str]]:
    """Where an application may be handled (属地): every division an active department
    serves, named by its topmost department there (the district's government, say),
    sorted by code: ``[{"division", "zh", "en"}]``."""
    with read_only(govflow.db) as session:
        rows = session.scalars(
            select(Department)
            .where(Department.active.is_(True), Department.division.is_not(None))
            .order_by(Department.code)
        ).all()
    by_code = {d.code: d for d in rows}
    named: dict[str, Department] = {}
    for d in rows:
        parent = by_code.get(d.parent_code or "")
        if parent is None or parent.division != d.division:  # the top of its division
            named.setdefault(d.division, d)
    return [
        {"division": code, "zh": d.name_zh, "en": d.name_en} for code, d in sorted(named.items())
    ]


def clerks(govflow: Govflow) -> list[dict[str, str | None]]:
    """Active clerks (for choosing whom to transfer or delegate a task to)."""
    from ..models import User

    with read_only(govflow.db) as session:
        users = session.scalars(select(User).where(User.active.is_(True)).order_by(User.username))
        return [
            {
                "username": u.username,
                "display_name": u.display_name,
                "department": u.department_code,
            }
            for u in users
            if "clerk" in (u.roles or [])
        ]
