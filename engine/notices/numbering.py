"""Gap-free notice numbers per issuing department and year: 〔2026〕第000123号.

The counter row is created if missing (an insert that yields to a concurrent one) and
incremented with one ``UPDATE … RETURNING``: the row stays locked until the issuing
transaction commits or rolls back, so concurrent issuers queue on it and a number is
either used by a committed notice or never taken.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import bindparam, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from .models import NoticeCounter


def formatted(year: int, serial: int) -> str:
    return f"〔{year}〕第{serial:06d}号"


def take_serial(session: Session, department: str, year: int) -> int:
    create, increment = _statements(session.get_bind().dialect.name)
    counter = {"counter_department": department, "counter_year": year}
    with session.no_autoflush:  # the counter is never held as an object: no flush needed
        session.execute(create, counter)
        return session.execute(increment, counter).scalar_one()


@cache
def _statements(dialect: str) -> tuple[Any, Any]:
    """The counter's insert-if-missing and its increment, built once per dialect (the
    department and year bound at each run)."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    create = (
        insert(NoticeCounter)
        .values(
            department_code=bindparam("counter_department"),
            year=bindparam("counter_year"),
            last_serial=0,
        )
        .on_conflict_do_nothing()
    )
    increment = (
        update(NoticeCounter)
        .where(
            NoticeCounter.department_code == bindparam("counter_department"),
            NoticeCounter.year == bindparam("counter_year"),
        )
        .values(last_serial=NoticeCounter.last_serial + 1)
        .returning(NoticeCounter.last_serial)
    )
    return create, increment
