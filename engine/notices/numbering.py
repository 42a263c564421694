"""Gap-free notice numbers per issuing department and year: 〔2026〕第000123号.

The counter row is created if missing (an insert that yields to a concurrent one) and
incremented with one ``UPDATE … RETURNING``: the row stays locked until the issuing
transaction commits or rolls back, so concurrent issuers queue on it and a number is
either used by a committed notice or never taken.
"""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from .models import NoticeCounter


def formatted(year: int, serial: int) -> str:
    return f"〔{year}〕第{serial:06d}号"


def take_serial(session: Session, department: str, year: int) -> int:
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    session.execute(
        insert(NoticeCounter)
        .values(department_code=department, year=year, last_serial=0)
        .on_conflict_do_nothing()
    )
    return session.execute(
        update(NoticeCounter)
        .where(NoticeCounter.department_code == department, NoticeCounter.year == year)
        .values(last_serial=NoticeCounter.last_serial + 1)
        .returning(NoticeCounter.last_serial)
    ).scalar_one()
