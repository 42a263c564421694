"""The re-engineering report (流程再造成效) of a composite matter: before — the separate
single matters it replaced, as its catalogue declares them with their source — against
after, measured on its cases concluded in the period, and what was saved."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from processes.catalogue import CatalogueError, get_matter

from ..context import Govflow
from ..errors import NotFound
from ..models import ProcessDefinition
from ..principal import Principal
from ..uow import read_only
from .statistics import Scope, summary


def before_of(key: str) -> dict[str, Any] | None:
    """What the catalogue declares of the matter before re-engineering (None: nothing)."""
    try:
        declared = get_matter(key).before
    except (CatalogueError, KeyError):
        return None
    if not declared:
        return None
    singles = list(declared.get("single_matters") or [])
    departments = sorted({s["department"] for s in singles}) if singles else []
    return {
        "single_matters": singles,
        "departments_visited": len(departments) or declared.get("departments"),
        "departments": departments,
        "materials": declared.get("materials"),
        "trips": declared.get("visits"),
        "working_days": declared.get("working_days"),
        "statutory_working_days": sum(s.get("statutory_working_days", 0) for s in singles) or None,
        "source": declared.get("source"),
    }


def _per_case(total: int, cases: int) -> float | None:
    return round(total / cases, 2) if cases else None


def _saved(before: float | None, after: float | None) -> float | None:
    if before is None or after is None:
        return None
    return round(before - after, 2)


def report(govflow: Govflow, actor: Principal, scope: Scope) -> dict[str, Any]:
    """``GET /api/v1/processes/{key}/reengineering``; 404 for a matter neither deployed nor
    in the catalogue."""
    key = scope.process_key or ""
    before = before_of(key)
    with read_only(govflow.db) as session:
        definition = session.scalar(
            select(ProcessDefinition)
            .where(ProcessDefinition.key == key)
            .order_by(ProcessDefinition.version.desc())
            .limit(1)
        )
        if definition is None and before is None:
            raise NotFound("no such matter")
        figures = summary(session, scope)
    cases = figures["cases_completed"]
    after = {
        "cases": cases,
        # 一窗受理: the applicant deals with one window (or none, online).
        "departments_visited": 1 if cases else None,
        "materials": _per_case(figures["materials_uploaded"], cases),
        "materials_required": _per_case(figures["materials_required"], cases),
        "materials_shared": _per_case(figures["materials_shared"], cases),
        "trips": _per_case(figures["trips"], cases),
        "working_days": figures["average_working_days"],
        "median_working_days": figures["median_working_days"],
        "completed_on_time_rate": figures["completed_on_time_rate"],
    }
    saved = {
        name: _saved((before or {}).get(name), after[name])
        for name in ("departments_visited", "materials", "trips", "working_days")
    }
    return {
        "key": key,
        "name": definition.name if definition is not None else get_matter(key).name["zh"],
        "from": figures["from"],
        "to": figures["to"],
        "before": before,
        "after": after,
        "saved": saved,
    }
