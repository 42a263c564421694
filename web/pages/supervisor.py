"""Supervisor pages: open / warning / overdue work by department and by matter (charts),
a drill-down to the open steps, the overdue list most urgent first, and the list of bad
ratings' rectifications (整改台账)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request

from engine.services import cases as case_service
from engine.services import definitions as definition_service
from engine.services import supervision as service
from engine.services import tasks as task_service
from engine.services.serializers import task_view
from engine.verbs import ratings, rectifications

from .common import department_name, engine, lang, login_required, principal

bp = Blueprint("supervisor", __name__, url_prefix="/supervisor")

SUPERVISORS = ("supervisor", "admin")
DRILLDOWN_LIMIT = 500
OVERDUE_PER_PAGE = 50


def _process_names() -> dict[str, str]:
    return {d.key: d.name for d in definition_service.latest_definitions(engine(), principal())}


def _stacked(rows: list[dict]) -> dict[str, list[int]]:
    """Bars stacked from parts that do not overlap: ``open`` counts the warning and
    overdue steps too, so the first part is the open work still on time."""
    return {
        "open": [r["open"] - r["warning"] - r["overdue"] for r in rows],
        "warning": [r["warning"] for r in rows],
        "overdue": [r["overdue"] for r in rows],
    }


@bp.get("")
@login_required(*SUPERVISORS)
def dashboard():  # noqa: ANN201
    actor = principal()
    overview = service.overview(engine(), actor)
    departments = sorted(
        overview["departments"], key=lambda d: (-d["overdue"], -d["warning"], -d["open"])
    )
    processes = sorted(overview["processes"], key=lambda p: -p["open"])
    name_key = "name_en" if lang() == "en" else "name"
    chart = {
        "departments": {
            "labels": [d.get(name_key) or department_name(d["code"]) for d in departments],
            "series": _stacked(departments),
        },
        "processes": {
            "labels": [p["name"] for p in processes],
            "series": _stacked(processes),
        },
    }
    counts = {}
    for status in ("running", "waiting_applicant", "completed"):
        _rows, counts[status] = case_service.list_cases(engine(), actor, status=status, per_page=1)
    urgent, _total = service.overdue(engine(), actor, page=1, per_page=10)
    return render_template(
        "supervisor/dashboard.html",
        ratings=ratings.summary(engine(), actor),
        departments=departments,
        processes=processes,
        totals=overview["totals"],
        cases=counts,
        # Rendered with ``|tojson``: names designers typed cannot close the script element.
        chart=chart,
        urgent=urgent,
        process_names=_process_names(),
    )


@bp.get("/tasks")
@login_required(*SUPERVISORS)
def drilldown():  # noqa: ANN201
    """Open steps of one department or one matter, optionally of one deadline state, the
    soonest due first (the task service filters and sorts)."""
    actor = principal()
    department = request.args.get("department") or None
    process_key = request.args.get("process_key") or None
    state = request.args.get("state") or None
    if state not in ("warning", "overdue", "paused", "ok"):
        state = None
    tasks: list[dict[str, Any]] = []
    for status in ("ready", "claimed"):
        rows, _total = task_service.list_tasks(
            engine(),
            actor,
            status=status,
            department=department,
            process_key=process_key,
            deadline_state=state,
            per_page=DRILLDOWN_LIMIT,
        )
        tasks.extend(task_view(r) for r in rows)
    tasks.sort(key=lambda t: (t["due_at"] is None, t["due_at"] or "", t["created_at"] or ""))
    return render_template(
        "supervisor/tasks.html",
        tasks=tasks,
        department=department,
        process_key=process_key,
        state=state,
        process_names=_process_names(),
    )


@bp.get("/overdue")
@login_required(*SUPERVISORS)
def overdue():  # noqa: ANN201
    page = request.args.get("page", "1")
    page = int(page) if page.isdigit() and int(page) > 0 else 1
    items, total = service.overdue(engine(), principal(), page=page, per_page=OVERDUE_PER_PAGE)
    return render_template(
        "supervisor/overdue.html",
        items=items,
        total=total,
        page=page,
        per_page=OVERDUE_PER_PAGE,
        process_names=_process_names(),
    )


@bp.get("/rectifications")
@login_required(*SUPERVISORS)
def rectification_list():  # noqa: ANN201
    """差评整改台账: the region's rectification tasks, open / overdue / done, by department."""
    state = request.args.get("state") or None
    if state not in rectifications.STATES:
        state = None
    department = request.args.get("department") or None
    found = rectifications.list_rectifications(
        engine(), principal(), state=state, department=department
    )
    return render_template(
        "supervisor/rectifications.html",
        items=found["items"],
        departments=found["departments"],
        state=state,
        department=department,
        process_names=_process_names(),
    )
