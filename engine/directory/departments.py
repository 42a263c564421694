"""Creating and changing departments inside a command's transaction.

The tree: a department's parent must exist and be active, and moving a department under
itself or under one of its own descendants is refused (it would cut the branch off the
tree).  Deactivating a department that still has open work needs a named successor, which
takes over the open queue — every ready or claimed task offered to the department — so no
application waits in a queue nobody reads.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from .. import audit
from ..errors import Conflict, NotFound
from ..models import Department, TaskRow
from ..principal import Principal
from ..sql import json_array_contains
from .rules import CODE_RE, DIVISION_RE, KIND_RE, Checker
from .serializers import department_view

CREATE_FIELDS = ("code", "name", "kind", "parent", "division", "active")
UPDATE_FIELDS = ("code", "name", "kind", "parent", "division", "active", "successor")
OPEN = ("ready", "claimed")


def find(session: Session, code: str, *, for_update: bool = False) -> Department:
    statement = select(Department).where(Department.code == code)
    if for_update:
        statement = statement.with_for_update()
    department = session.scalar(statement)
    if department is None:
        raise NotFound("no such department", department=code)
    return department


def check_reference(session: Session, check: Checker, field: str, code: str | None) -> None:
    """``field`` names an existing, active department (or nothing)."""
    if code is None or not check.ok(field):
        return
    other = session.get(Department, code)
    if other is None:
        check.add(field, "unknown_department", code=code)
    elif not other.active:
        check.add(field, "inactive_department", code=code)


def _check_no_cycle(session: Session, check: Checker, code: str, parent: str | None) -> None:
    """Walking up from the new parent must never meet the department itself."""
    if parent is None or not check.ok("parent"):
        return
    if parent == code:
        check.add("parent", "own_parent")
        return
    seen, current = set(), parent
    while current is not None and current not in seen:
        if current == code:
            check.add("parent", "cycle", code=parent)
            return
        seen.add(current)
        current = session.scalar(select(Department.parent_code).where(Department.code == current))


def create(session: Session, actor: Principal, payload: dict[str, Any], lang: str) -> Department:
    check = Checker(lang)
    check.only(payload, CREATE_FIELDS)
    code = check.pattern(payload, "code", CODE_RE, "bad_code", required=True)
    names = check.names(payload, required=True)
    kind = check.pattern(payload, "kind", KIND_RE, "bad_kind", required=False)
    parent = check.pattern(payload, "parent", CODE_RE, "bad_code", required=False)
    division = check.pattern(payload, "division", DIVISION_RE, "bad_division", required=False)
    active = check.boolean(payload, "active", True)
    check_reference(session, check, "parent", parent)
    check.raise_if_any()
    if session.get(Department, code) is not None:
        raise Conflict(f"a department with code '{code}' already exists", code="conflict")
    department = Department(
        code=code,
        name_zh=names["zh"],
        name_en=names["en"],
        kind=kind,
        parent_code=parent,
        division=division,
        active=active,
    )
    session.add(department)
    session.flush()
    audit.record(
        session, actor, "department_created", department=code, after=department_view(department)
    )
    return department


def update(
    session: Session, actor: Principal, code: str, payload: dict[str, Any], lang: str
) -> Department:
    department = find(session, code, for_update=True)
    check = Checker(lang)
    check.only(payload, UPDATE_FIELDS)
    if "code" in payload and payload["code"] != code:
        check.add("code", "bad_code")  # codes are named by BPMN files and tasks: never renamed
    changes: dict[str, Any] = {}
    if "name" in payload:
        changes["name"] = check.names(payload, required=True)
    if "kind" in payload:
        changes["kind"] = check.pattern(payload, "kind", KIND_RE, "bad_kind", required=False)
    if "division" in payload:
        changes["division"] = check.pattern(
            payload, "division", DIVISION_RE, "bad_division", required=False
        )
    if "parent" in payload:
        parent = check.pattern(payload, "parent", CODE_RE, "bad_code", required=False)
        check_reference(session, check, "parent", parent)
        _check_no_cycle(session, check, code, parent)
        changes["parent"] = parent
    if "active" in payload:
        changes["active"] = check.boolean(payload, "active", department.active)
    stays_active = changes.get("active", department.active)
    successor = None
    if "successor" in payload:
        successor = check.pattern(payload, "successor", CODE_RE, "bad_code", required=False)
        if successor is not None and stays_active:
            check.add("successor", "successor_unneeded")
        elif successor == code:
            check.add("successor", "successor_self")
        else:
            check_reference(session, check, "successor", successor)
    check.raise_if_any()

    before = department_view(department)
    if not stays_active:
        waiting = open_task_count(session, code)
        if waiting and successor is None:
            raise Conflict(
                f"{waiting} open tasks wait in this department's queue; name a successor "
                "department to take them over",
                code="department_has_open_tasks",
                open_tasks=waiting,
            )
    if "name" in changes:
        department.name_zh, department.name_en = changes["name"]["zh"], changes["name"]["en"]
    if "kind" in changes:
        department.kind = changes["kind"]
    if "division" in changes:
        department.division = changes["division"]
    if "parent" in changes:
        department.parent_code = changes["parent"]
    department.active = stays_active
    session.flush()
    after = department_view(department)
    moved = move_open_tasks(session, actor, code, successor) if successor else 0
    if before != after or moved:
        audit.record(
            session,
            actor,
            "department_changed",
            department=code,
            before=before,
            after=after,
            successor=successor,
            moved_tasks=moved,
        )
    return department


def _offered_to(code: str) -> Any:
    return or_(TaskRow.department_code == code, json_array_contains(TaskRow.other_groups, code))


def open_task_count(session: Session, code: str) -> int:
    return session.scalar(
        select(func.count()).select_from(TaskRow).where(TaskRow.status.in_(OPEN), _offered_to(code))
    )


def _replace(codes: list[str], old: str, new: str) -> list[str]:
    return list(dict.fromkeys(new if c == old else c for c in codes or []))


def move_open_tasks(session: Session, actor: Principal, old: str, new: str) -> int:
    """Hand every open task offered to ``old`` to ``new``; each case's trail says so.
    A claimed task stays with its clerk; only the queue it belongs to changes."""
    rows = session.scalars(
        select(TaskRow).where(TaskRow.status.in_(OPEN), _offered_to(old)).with_for_update()
    ).all()
    for row in rows:
        groups = _replace(row.candidate_groups, old, new)
        first = new if row.department_code == old else row.department_code
        row.department_code = first
        row.candidate_groups = groups
        row.other_groups = [g for g in _replace(row.other_groups, old, new) if g != first]
        audit.record(
            session,
            actor,
            "task_moved_to_successor",
            case_id=row.case_id,
            task_id=row.id,
            task=row.name,
            from_department=old,
            to_department=new,
        )
    return len(rows)
