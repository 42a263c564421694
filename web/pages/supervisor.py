"""Supervisor pages: open / warning / overdue work by department and by matter (charts),
a drill-down to the tasks and cases, and the overdue list most urgent first."""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

from flask import Blueprint, render_template, request

from engine.services import cases as case_service
from engine.services import definitions as definition_service
from engine.services import tasks as task_service
from engine.services.views import task_view

from .common import department_name, engine, login_required, principal

bp = Blueprint("supervisor", __name__, url_prefix="/supervisor")

SUPERVISORS = ("supervisor", "admin")
LIMIT = 2000
COUNTERS = ("open", "warning", "overdue", "paused", "completed_on_time", "completed_late")


def _tasks() -> list[dict[str, Any]]:
    rows, _total = task_service.list_tasks(engine(), principal(), page=1, per_page=LIMIT)
    return [task_view(r) for r in rows]


def _overview(tasks: list[dict[str, Any]]) -> dict[str, dict[str, dict[str, int]]]:
    """Counters per department and per process, the shape of
    ``GET /api/v1/supervision/overview``.

    HOOK(time-limits issue): replace with the supervision service's overview when it lands;
    until then the counters are tallied here from the task projections (``warning`` and
    ``overdue`` stay 0 while ``deadline_state`` is null).
    """
    by: dict[str, dict[str, dict[str, int]]] = {
        "departments": defaultdict(lambda: dict.fromkeys(COUNTERS, 0)),
        "processes": defaultdict(lambda: dict.fromkeys(COUNTERS, 0)),
    }
    for task in tasks:
        keys = (("departments", task["department"] or "—"), ("processes", task["process_key"]))
        state = task.get("deadline_state")
        for group, key in keys:
            counters = by[group][key]
            if task["status"] in ("ready", "claimed"):
                counters["open"] += 1
                if state in ("warning", "overdue", "paused"):
                    counters[state] += 1
            elif task["status"] == "completed":
                counters["completed_late" if state == "missed" else "completed_on_time"] += 1
    return {group: dict(values) for group, values in by.items()}


def _urgent(tasks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Overdue, then warning, open tasks; earliest due first (most urgent first)."""
    rank = {"overdue": 0, "warning": 1}
    urgent = [
        t
        for t in tasks
        if t["status"] in ("ready", "claimed") and t.get("deadline_state") in rank
    ]
    return sorted(urgent, key=lambda t: (rank[t["deadline_state"]], t["due_at"] or "9999"))


@bp.get("")
@login_required(*SUPERVISORS)
def dashboard():  # noqa: ANN201
    actor = principal()
    tasks = _tasks()
    overview = _overview(tasks)
    names = {d.key: d.name for d in definition_service.latest_definitions(engine(), actor)}
    _c, running = case_service.list_cases(engine(), actor, status="running", per_page=1)
    _c, waiting = case_service.list_cases(engine(), actor, status="waiting_applicant", per_page=1)
    _c, completed = case_service.list_cases(engine(), actor, status="completed", per_page=1)
    departments = sorted(overview["departments"].items(), key=lambda kv: -kv[1]["open"])
    processes = sorted(overview["processes"].items(), key=lambda kv: -kv[1]["open"])
    chart = {
        "departments": {
            "labels": [department_name(code) for code, _v in departments],
            "series": {k: [v[k] for _c, v in departments] for k in ("open", "warning", "overdue")},
        },
        "processes": {
            "labels": [names.get(key, key) for key, _v in processes],
            "series": {k: [v[k] for _c, v in processes] for k in ("open", "warning", "overdue")},
        },
    }
    totals = {k: sum(v[k] for _c, v in departments) for k in COUNTERS}
    return render_template(
        "supervisor/dashboard.html",
        departments=departments,
        processes=processes,
        process_names=names,
        totals=totals,
        cases={"running": running, "waiting_applicant": waiting, "completed": completed},
        chart_json=json.dumps(chart, ensure_ascii=False),
        urgent=_urgent(tasks)[:10],
    )


@bp.get("/tasks")
@login_required(*SUPERVISORS)
def drilldown():  # noqa: ANN201
    """Open tasks of one department or one matter, optionally only one deadline state."""
    actor = principal()
    department = request.args.get("department") or None
    process_key = request.args.get("process_key") or None
    state = request.args.get("state") or None
    tasks = [t for t in _tasks() if t["status"] in ("ready", "claimed")]
    if department:
        tasks = [t for t in tasks if t["department"] == department]
    if process_key:
        tasks = [t for t in tasks if t["process_key"] == process_key]
    if state in ("warning", "overdue", "paused"):
        tasks = [t for t in tasks if t.get("deadline_state") == state]
    tasks.sort(key=lambda t: (t["due_at"] is None, t["due_at"] or "", t["created_at"] or ""))
    names = {d.key: d.name for d in definition_service.latest_definitions(engine(), actor)}
    return render_template(
        "supervisor/tasks.html",
        tasks=tasks,
        department=department,
        process_key=process_key,
        state=state,
        process_names=names,
    )


@bp.get("/overdue")
@login_required(*SUPERVISORS)
def overdue():  # noqa: ANN201
    actor = principal()
    names = {d.key: d.name for d in definition_service.latest_definitions(engine(), actor)}
    return render_template(
        "supervisor/overdue.html", tasks=_urgent(_tasks()), process_names=names
    )
