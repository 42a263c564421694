"""The rollup of every stored case's figures in one statement per table (the rebuild).

Each event of a case — started, accepted, refused, concluded, rated — adds to the row of
its day, once for the case as a whole (``WHOLE``) and once per department in its
``departments`` list (unnested with ``json_each`` on SQLite, ``jsonb_array_elements_text``
on PostgreSQL).  Must count exactly as ``rollup.contribution`` does.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import case, func, literal, select, true, union_all
from sqlalchemy.orm import Session

from .models import COUNTERS, WHOLE, CaseFigures
from .rollup import GOOD

F = CaseFigures


def _flag(condition: Any) -> Any:
    return case((condition, 1), else_=0)


#: event → (the day it falls on, {counter: what one case adds})
EVENTS: dict[str, tuple[Any, dict[str, Any]]] = {
    "started": (F.started_on, {"started": literal(1)}),
    "accepted": (F.accepted_on, {"accepted": literal(1)}),
    "refused": (F.refused_on, {"refused": literal(1)}),
    "concluded": (
        F.concluded_on,
        {
            "concluded": literal(1),
            "within_promised": func.coalesce(F.within_promised, 0),
            "within_statutory": func.coalesce(F.within_statutory, 0),
            "timed": _flag(F.working_days.is_not(None)),
            "working_days": func.coalesce(F.working_days, 0),
            "same_day": _flag(F.working_days == 0),
            "supplemented": F.supplemented,
            "returned": F.returned,
            "materials_required": F.materials_required,
            "materials_shared": F.materials_shared,
            "materials_uploaded": F.materials_uploaded,
            "trips": F.trips,
        },
    ),
    "rated": (
        F.rated_on,
        {
            "rated": literal(1),
            "rated_good": _flag(F.rating >= GOOD),
            "rectifications": F.rectifications,
            "rectified_in_time": F.rectified_in_time,
        },
    ),
}


def _departments(session: Session) -> Any:
    """The departments of each figures row, one row each, as a table in FROM."""
    if session.get_bind().dialect.name == "postgresql":
        return func.jsonb_array_elements_text(F.departments).table_valued("value")
    return func.json_each(F.departments).table_valued("value")


def _dimensions(session: Session) -> list[tuple[Any, Any]]:
    """(the department column, what to select from) for the whole and per department."""
    departments = _departments(session)
    # A function in FROM sees the rows before it (implicitly LATERAL on PostgreSQL).
    return [
        (literal(WHOLE), F.__table__),
        (departments.c.value, F.__table__.join(departments, true())),
    ]


def daily_sums(session: Session) -> Any:
    """SELECT day, process_key, department, *COUNTERS summed over every case."""
    parts = []
    for day, adds in EVENTS.values():
        for department, sources in _dimensions(session):
            parts.append(
                select(
                    day.label("day"),
                    F.process_key.label("process_key"),
                    department.label("department"),
                    *(adds.get(name, literal(0)).label(name) for name in COUNTERS),
                )
                .select_from(sources)
                .where(day.is_not(None))
            )
    every = union_all(*parts).subquery()
    return select(
        every.c.day,
        every.c.process_key,
        every.c.department,
        *(func.sum(every.c[name]) for name in COUNTERS),
    ).group_by(every.c.day, every.c.process_key, every.c.department)


def duration_counts(session: Session) -> Any:
    """SELECT day, process_key, department, working_days, count of concluded cases."""
    parts = [
        select(
            F.concluded_on.label("day"),
            F.process_key.label("process_key"),
            department.label("department"),
            F.working_days.label("working_days"),
        )
        .select_from(sources)
        .where(F.concluded_on.is_not(None), F.working_days.is_not(None))
        for department, sources in _dimensions(session)
    ]
    every = union_all(*parts).subquery()
    return select(
        every.c.day,
        every.c.process_key,
        every.c.department,
        every.c.working_days,
        func.count(),
    ).group_by(every.c.day, every.c.process_key, every.c.department, every.c.working_days)
