"""Who may see and act on what — enforced in the queries, not only in the views.

* applicants: their own cases (by ID number), no worklists;
* clerks: tasks of their department or offered/assigned to them, and the cases those
  tasks belong to (plus cases they started at the window);
* supervisors and admins: everything;
* designers: process definitions only.
"""

from __future__ import annotations

from sqlalchemy import Select, exists, false, or_, select, true

from ..errors import Forbidden
from ..models import Case, TaskRow
from ..principal import Principal
from ..sql import json_array_contains


def task_filter(actor: Principal):  # noqa: ANN201
    """SQL condition on ``TaskRow`` for the tasks ``actor`` may see."""
    if actor.has("admin", "supervisor"):
        return true()
    if actor.has("clerk"):
        conditions = [
            TaskRow.assignee == actor.username,
            json_array_contains(TaskRow.candidate_users, actor.username),
        ]
        if actor.department:
            conditions.append(json_array_contains(TaskRow.candidate_groups, actor.department))
        return or_(*conditions)
    return false()


def case_filter(actor: Principal):  # noqa: ANN201
    """SQL condition on ``Case`` for the cases ``actor`` may see."""
    if actor.has("admin", "supervisor"):
        return true()
    conditions = []
    if actor.has("applicant") and actor.id_number:
        conditions.append(Case.applicant_id_number == actor.id_number)
    if actor.has("clerk"):
        conditions.append(Case.started_by == actor.username)
        conditions.append(exists().where(TaskRow.case_id == Case.id, task_filter(actor)))
    return or_(*conditions) if conditions else false()


def visible_cases(actor: Principal) -> Select:
    return select(Case).where(case_filter(actor))


def may_act_on(actor: Principal, row: TaskRow) -> bool:
    if row.kind == "rectification":  # 差评整改 is the supervisors' work (engine/verbs/ratings)
        return actor.has("supervisor", "admin")
    if not actor.has("clerk", "admin"):
        return False
    if actor.has("admin"):
        return True
    return (
        row.assignee == actor.username
        or actor.username in (row.candidate_users or [])
        or (actor.department is not None and actor.department in (row.candidate_groups or []))
    )


def require_role(actor: Principal, *roles: str) -> None:
    if not actor.has(*roles):
        raise Forbidden("your role may not do this", required=list(roles))
