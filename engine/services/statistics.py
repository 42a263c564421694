"""Statistics queries (统计分析): a period's figures by matter and department, their trend
by week or month, and the cases behind a number.  Read the rollup
(``engine.statistics``), never every case: a year is a few thousand rows.

Who sees what: supervisors and administrators everything; a supervisor who belongs to a
department (a department head) that department only; everyone else 403.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Text, cast, func, or_, select
from sqlalchemy.orm import Session

from ..context import Govflow
from ..directory import tree
from ..errors import BadRequest, Forbidden
from ..masking import mask_name
from ..models import Case, Department
from ..principal import Principal
from ..statistics import tracking
from ..statistics.figures import figures
from ..statistics.models import COUNTERS, WHOLE, CaseFigures, DailyDurations, DailyFigures
from ..uow import read_only, run_in_transaction
from .access import require_role

#: The longest period one request may cover: five years of days.
MAX_DAYS = 5 * 366
GRANULARITIES = ("week", "month")


@dataclass(frozen=True)
class Scope:
    """What a request counts: a period, optionally one matter, and the departments (None:
    the cases as a whole).  Regions will give a department head a set of departments."""

    first: date
    last: date
    process_key: str | None = None
    departments: frozenset[str] | None = None


def scope_of(
    govflow: Govflow,
    actor: Principal,
    first: date,
    last: date,
    process_key: str | None = None,
    department: str | None = None,
) -> Scope:
    """The scope a caller may see for the asked one: 403 for a role without statistics or
    a department head asking about a department outside theirs; 400 for a period
    backwards or longer than ``MAX_DAYS``.  A department counts with every department
    under it (a city's figures hold its districts')."""
    require_role(actor, "supervisor", "admin")
    if last < first:
        raise BadRequest("'to' is before 'from'", fields={"to": ["on or after 'from'"]})
    if (last - first).days >= MAX_DAYS:
        raise BadRequest("the period is too long", fields={"to": [f"at most {MAX_DAYS} days"]})
    own = None if actor.has("admin") else actor.department
    with read_only(govflow.db, report=True) as session:
        mine = tree.codes_under(session, own) if own else None
        if mine is not None and department is not None and department not in mine:
            raise Forbidden("a department head sees their own departments' statistics")
        wanted = department or own
        departments = frozenset(tree.codes_under(session, wanted)) if wanted else None
    return Scope(first, last, process_key, departments)


def _where(model: Any, scope: Scope, per_department: bool) -> list[Any]:
    """The rollup rows of the scope: the case as a whole, or (``per_department``, or a
    department's scope) the departments' own rows."""
    conditions = [model.day >= scope.first, model.day <= scope.last]
    if scope.process_key:
        conditions.append(model.process_key == scope.process_key)
    if scope.departments is not None:
        conditions.append(model.department.in_(sorted(scope.departments)))
    elif per_department:
        conditions.append(model.department != WHOLE)
    else:
        conditions.append(model.department == WHOLE)
    return conditions


def _sums(
    session: Session, scope: Scope, *group: Any, per_department: bool = False
) -> list[tuple[Any, ...]]:
    columns = [func.sum(getattr(DailyFigures, name)) for name in COUNTERS]
    return session.execute(
        select(*group, *columns)
        .where(*_where(DailyFigures, scope, per_department))
        .group_by(*group)
    ).all()


def _histograms(
    session: Session, scope: Scope, *group: Any, per_department: bool = False
) -> dict[tuple, dict[int, int]]:
    """``{group values: {working days: cases}}``; ``group`` names columns of either table."""
    group = tuple(getattr(DailyDurations, column.key) for column in group)
    rows = session.execute(
        select(*group, DailyDurations.working_days, func.sum(DailyDurations.cases))
        .where(*_where(DailyDurations, scope, per_department))
        .group_by(*group, DailyDurations.working_days)
    ).all()
    found: dict[tuple, dict[int, int]] = defaultdict(dict)
    for *key, days, cases in rows:
        found[tuple(key)][days] = int(cases or 0)
    return found


def _figures_by(
    session: Session, scope: Scope, *group: Any, per_department: bool = False
) -> dict[tuple, dict[str, Any]]:
    histograms = _histograms(session, scope, *group, per_department=per_department)
    answer = {}
    for row in _sums(session, scope, *group, per_department=per_department):
        key = tuple(row[: len(group)])
        sums = dict(zip(COUNTERS, row[len(group) :], strict=True))
        answer[key] = figures(sums, histograms.get(key))
    return answer


def summary(session: Session, scope: Scope) -> dict[str, Any]:
    """The figures of the scope, by matter and by department."""
    total = _figures_by(session, scope).get((), figures({}))
    by_process = _figures_by(session, scope, DailyFigures.process_key)
    return {
        "from": scope.first.isoformat(),
        "to": scope.last.isoformat(),
        "process_key": scope.process_key,
        "department": next(iter(scope.departments)) if scope.departments else None,
        **total,
        "by_process": [
            {"process_key": key, **values} for (key,), values in sorted(by_process.items())
        ],
        "by_department": _department_figures(session, scope),
    }


def _department_figures(session: Session, scope: Scope) -> list[dict[str, Any]]:
    """Per department that worked on the cases (its own rows, never the whole)."""
    by_department = _figures_by(session, scope, DailyFigures.department, per_department=True)
    names = {d.code: (d.name_zh, d.name_en) for d in session.scalars(select(Department))}
    answer = []
    for (department,), values in sorted(by_department.items()):
        zh, en = names.get(department, (department, department))
        answer.append({"department": department, "name": {"zh": zh, "en": en}, **values})
    return answer


def statistics(govflow: Govflow, actor: Principal, scope: Scope) -> dict[str, Any]:
    """``GET /api/v1/statistics``."""
    with read_only(govflow.db, report=True) as session:
        return summary(session, scope)


# --- trend ----------------------------------------------------------------------------------


def period_of(day: date, granularity: str) -> tuple[str, date, date]:
    """The week (ISO, Monday first) or month ``day`` falls in: label, first and last day."""
    if granularity == "week":
        year, week, weekday = day.isocalendar()
        monday = day - timedelta(days=weekday - 1)
        return f"{year}-W{week:02d}", monday, monday + timedelta(days=6)
    first = day.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return f"{day.year}-{day.month:02d}", first, following - timedelta(days=1)


def trend(govflow: Govflow, actor: Principal, scope: Scope, granularity: str) -> dict[str, Any]:
    """``GET /api/v1/statistics/trend``: the figures of each week or month of the period
    (every one, empty ones too, clipped to the period), and by department."""
    if granularity not in GRANULARITIES:
        raise BadRequest("unknown granularity", fields={"granularity": list(GRANULARITIES)})
    with read_only(govflow.db, report=True) as session:
        sums_by_day = {
            row[0]: dict(zip(COUNTERS, row[1:], strict=True))
            for row in _sums(session, scope, DailyFigures.day)
        }
        histograms = _histograms(session, scope, DailyDurations.day)
        by_department = _department_figures(session, scope)
    periods: dict[str, dict[str, Any]] = {}
    day = scope.first
    while day <= scope.last:
        label, first, last = period_of(day, granularity)
        periods.setdefault(
            label,
            {
                "period": label,
                "from": max(first, scope.first),
                "to": min(last, scope.last),
                "sums": defaultdict(int),
                "durations": defaultdict(int),
            },
        )
        for name, value in sums_by_day.get(day, {}).items():
            periods[label]["sums"][name] += int(value or 0)
        for days_taken, cases in histograms.get((day,), {}).items():
            periods[label]["durations"][days_taken] += cases
        day += timedelta(days=1)
    return {
        "from": scope.first.isoformat(),
        "to": scope.last.isoformat(),
        "granularity": granularity,
        "periods": [
            {
                "period": p["period"],
                "from": p["from"].isoformat(),
                "to": p["to"].isoformat(),
                **figures(p["sums"], p["durations"]),
            }
            for p in periods.values()
        ],
        "by_department": by_department,
    }


# --- the cases behind a number ---------------------------------------------------------------

#: figure → (the day it is counted on, an extra condition on the case's figures)
DRILLS: dict[str, tuple[Any, Any]] = {
    "started": (CaseFigures.started_on, None),
    "accepted": (CaseFigures.accepted_on, None),
    "refused": (CaseFigures.refused_on, None),
    "completed": (CaseFigures.concluded_on, None),
    "completed_on_time": (CaseFigures.concluded_on, CaseFigures.within_promised == 1),
    "completed_late": (CaseFigures.concluded_on, CaseFigures.within_promised == 0),
    "same_day": (CaseFigures.concluded_on, CaseFigures.working_days == 0),
    "supplemented": (CaseFigures.concluded_on, CaseFigures.supplemented == 1),
    "returned": (CaseFigures.concluded_on, CaseFigures.returned == 1),
    "with_trips": (CaseFigures.concluded_on, CaseFigures.trips > 0),
    "rated": (CaseFigures.rated_on, None),
    "rated_bad": (CaseFigures.rated_on, CaseFigures.rating <= 2),
}


def _drill_query(scope: Scope, figure: str) -> Any:
    if figure not in DRILLS:
        raise BadRequest("unknown figure", fields={"figure": sorted(DRILLS)})
    day, condition = DRILLS[figure]
    query = (
        select(CaseFigures, Case.applicant_name)
        .join(Case, Case.id == CaseFigures.case_id)
        .where(day >= scope.first, day <= scope.last)
    )
    if condition is not None:
        query = query.where(condition)
    if scope.process_key:
        query = query.where(CaseFigures.process_key == scope.process_key)
    if scope.departments is not None:
        # A department's cases: those it worked on (the JSON list holds the code).
        query = query.where(
            or_(
                *(
                    cast(CaseFigures.departments, Text).like(f'%"{code}"%')
                    for code in sorted(scope.departments)
                )
            )
        )
    return query, day


def case_row(figures_row: CaseFigures, applicant_name: str) -> dict[str, Any]:
    """A case behind a number, as drill-down and the export list it: the applicant's
    name masked (supervisors see masked identifiers everywhere: ``disclosure``)."""

    def day(value: date | None) -> str | None:
        return value.isoformat() if value else None

    def flag(value: int | None) -> bool | None:
        return None if value is None else bool(value)

    return {
        "case_id": figures_row.case_id,
        "process_key": figures_row.process_key,
        "applicant": mask_name(applicant_name),
        "departments": list(figures_row.departments or []),
        "started_on": day(figures_row.started_on),
        "accepted_on": day(figures_row.accepted_on),
        "refused_on": day(figures_row.refused_on),
        "concluded_on": day(figures_row.concluded_on),
        "within_promised": flag(figures_row.within_promised),
        "within_statutory": flag(figures_row.within_statutory),
        "working_days": figures_row.working_days,
        "supplemented": bool(figures_row.supplemented),
        "returned": bool(figures_row.returned),
        "materials_required": figures_row.materials_required,
        "materials_shared": figures_row.materials_shared,
        "materials_uploaded": figures_row.materials_uploaded,
        "trips": figures_row.trips,
        "rating": figures_row.rating,
    }


def cases_behind(
    govflow: Govflow,
    actor: Principal,
    scope: Scope,
    figure: str,
    *,
    page: int = 1,
    per_page: int = 20,
) -> tuple[list[dict[str, Any]], int]:
    """``GET /api/v1/statistics/cases``: the cases a figure counted, latest day first."""
    query, day = _drill_query(scope, figure)
    with read_only(govflow.db, report=True) as session:
        total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
        rows = session.execute(
            query.order_by(day.desc(), CaseFigures.case_id.desc())
            .offset((page - 1) * per_page)
            .limit(per_page)
        ).all()
    return [case_row(f, name) for f, name in rows], total


def rebuild(govflow: Govflow) -> int:
    """``govflow stats rebuild``: every case's figures and the rollup recomputed from the
    cases, in one transaction; answers how many cases were counted."""
    return run_in_transaction(govflow.db, tracking.rebuild, attempts=1)
