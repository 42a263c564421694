"""Reference data the pages and reports show: department names by code."""

from __future__ import annotations

from sqlalchemy import select

from ..app import Govflow
from ..models import Department
from ..uow import read_only


def department_names(app: Govflow) -> dict[str, dict[str, str]]:
    """``{code: {"zh": ..., "en": ...}}`` for every department."""
    with read_only(app.db) as session:
        return {
            d.code: {"zh": d.name_zh, "en": d.name_en}
            for d in session.scalars(select(Department).order_by(Department.code))
        }
