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
