"""Who may see and act on what — enforced in the queries, not only in the views.

* applicants: their own cases (by ID number) and those naming them as a party (to
  confirm them; shown masked but for their own entry), no worklists;
* clerks: tasks of their department or offered/assigned to them, and the cases those
  tasks belong to — only while such a task is or was on the case; receiving an
  application at the counter counts as the window's work on it (the window clerk who
  started a case at the window sees it), having started one any other way does not;
* supervisors: the work of their department and every department below it (a city's
  supervisor sees the city and its counties, a county's only the county); a supervisor
  without a department oversees everything;
* admins: everything;
* designers: process definitions only.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, exists, false, or_, select, true
from sqlalchemy.orm import Session, aliased

from ..db import Database
from ..directory import tree
from ..errors import Forbidden, NotFound
from ..models import Case, CaseParty, Department, TaskRow
from ..principal import Principal
from ..sql import json_array_contains
from ..uow import read_only


def _clerk_reaches(actor: Principal) -> list[Any]:
    """The ways a task reaches a clerk: assigned, offered by name, or in the department's
    queue — as its first candidate department or another one.  (Tasks with a department
    but no candidate groups, such as rectifications after a bad rating, are for
    supervisors, not the department's clerks.)"""
    ways = []
    if actor.department:  # the big one first: see ``task_branches``
        ways.append(
            (TaskRow.department_code == actor.department) & (TaskRow.kind != "rectification")
        )
        ways.append(json_array_contains(TaskRow.other_groups, actor.department))
    ways.append(TaskRow.assignee == actor.username)
    ways.append(json_array_contains(TaskRow.candidate_users, actor.username))
    return ways


def sees_everything(actor: Principal) -> bool:
    """Admins, and supervisors of no particular department (the whole province)."""
    return actor.has("admin") or (actor.has("supervisor") and not actor.department)


def _overseen(actor: Principal) -> list[Any]:
    """A scoped supervisor's way to a task: its department lies under theirs."""
    if actor.has("supervisor") and actor.department:
        return [TaskRow.department_code.in_(tree.subtree(actor.department))]
    return []


def task_filter(actor: Principal):  # noqa: ANN201
    """SQL condition on ``TaskRow`` for the tasks ``actor`` may see."""
    if sees_everything(actor):
        return true()
    ways = _overseen(actor) + (_clerk_reaches(actor) if actor.has("clerk") else [])
    return or_(*ways) if ways else false()


def task_branches(actor: Principal) -> list[Any] | None:
    """The conditions under which ``actor`` sees a task, one per way it can reach them;
    ``None`` when the actor sees every task.

    Worklist queries use one branch each (a UNION): every branch is an index range (the
    department's queue, the assignee, a GIN entry), where one OR over them makes
    PostgreSQL scan the whole table.  The department's queue comes first: it is the
    large branch, and counting the others only where they add to it keeps them small.
    """
    if sees_everything(actor):
        return None
    ways = _overseen(actor) + (_clerk_reaches(actor) if actor.has("clerk") else [])
    return ways or [false()]


def case_filter(actor: Principal):  # noqa: ANN201
    """SQL condition on ``Case`` for the cases ``actor`` may see."""
    if sees_everything(actor):
        return true()
    conditions = []
    if actor.has("supervisor") and actor.department:
        # the region's cases: work under the supervisor, or handled in a division there
        # (an alias, so a query already reading TaskRow does not correlate it away)
        rows = aliased(TaskRow)
        region = tree.subtree(actor.department)
        conditions.append(exists().where(rows.case_id == Case.id, rows.department_code.in_(region)))
        divisions = select(Department.division).where(
            Department.code.in_(tree.subtree(actor.department))
        )
        conditions.append(Case.division.in_(divisions))
    if actor.has("applicant") and actor.id_number:
        conditions.append(Case.applicant_id_number == actor.id_number)
        # a party the application names (the seller, a co-buyer): to confirm it
        conditions.append(
            exists().where(CaseParty.case_id == Case.id, CaseParty.id_number == actor.id_number)
        )
    if actor.has("clerk"):
        conditions.append(Case.started_at_window.is_(True) & (Case.started_by == actor.username))
        conditions.append(exists().where(TaskRow.case_id == Case.id, task_filter(actor)))
    return or_(*conditions) if conditions else false()


def visible_cases(actor: Principal) -> Select:
    return select(Case).where(case_filter(actor))


def get_visible_case(session: Session, actor: Principal, case_id: int) -> Case:
    """The case, if ``actor`` may see it; 404 as for an unknown case otherwise."""
    case = session.scalar(visible_cases(actor).where(Case.id == case_id))
    if case is None:
        raise NotFound("no such case")
    return case


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


def case_of_task(db: Database, actor: Principal, task_id: str) -> int:
    """The case of a task the actor may see (404 otherwise, as for any unknown task)."""
    with read_only(db) as session:
        row = session.scalar(select(TaskRow).where(TaskRow.id == task_id, task_filter(actor)))
        if row is None:
            raise NotFound("no such task")
        return row.case_id


def require_visible_case(db: Database, actor: Principal, case_id: int) -> None:
    """404 for a case the caller may not know exists (another applicant's)."""
    with read_only(db) as session:
        if session.scalar(visible_cases(actor).where(Case.id == case_id)) is None:
            raise NotFound("no such case")
