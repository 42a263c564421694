"""好差评: the applicant rates a concluded (or refused) case, as a whole and per
department involved, once.  A bad rating (不满意 / 非常不满意) opens a rectification task
(差评整改) for the supervisors of that department, due in 15 working days.

Levels are GB/T 39046's five, coded 5 (best) to 1:
5 非常满意 · 4 满意 · 3 基本满意 · 2 不满意 · 1 非常不满意.

A rectification task carries the rated department's code; the supervisors who oversee
that department (of it or a department above it, or of none) see and may complete it,
clerks do not.  Supervisors list them in their rectification list
(``verbs/rectifications.py``).  A bad
rating of the case as a whole, with no department rated badly, goes to the window's
department (the one that accepted the case).
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, or_, select, true

from .. import clock
from ..context import Govflow
from ..deadlines.models import Notification
from ..directory import tree
from ..errors import Conflict, Forbidden, ValidationFailed
from ..models import Case, Department, TaskRow
from ..principal import Principal
from ..runtime.executor import CommandContext, execute
from ..services.access import case_filter, require_role, sees_everything, task_filter
from ..uow import read_only
from .common import require_visible_case
from .models import Rating
from .rectification_form import RECTIFICATION_FORM_KEY

LEVELS = {
    5: ("非常满意", "very satisfied"),
    4: ("满意", "satisfied"),
    3: ("基本满意", "fairly satisfied"),
    2: ("不满意", "dissatisfied"),
    1: ("非常不满意", "very dissatisfied"),
}
BAD = 2  # this level and below open a rectification
WHOLE_CASE = "*"
__all__ = ["rate", "rectified", "summary"]
RECTIFICATION_LIMIT = ("working_days", 15.0)


def _level(raw: Any, field: str) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int) or raw not in LEVELS:
        raise ValidationFailed(
            "a rating is a level from 1 to 5",
            fields={field: ["1–5（5 非常满意 … 1 非常不满意）/ 1 to 5"]},
        )
    return raw


def _comment(raw: Any) -> str:
    return str(raw or "").strip()[:1000]


def _parse(body_level: Any, comment: Any, departments: Any) -> dict[str, tuple[int, str]]:
    """``{"*": (level, comment), code: (level, comment), ...}`` from the request."""
    rated = {WHOLE_CASE: (_level(body_level, "level"), _comment(comment))}
    if departments is None:
        return rated
    if not isinstance(departments, dict):
        raise ValidationFailed(
            "departments: an object of department code → rating",
            fields={"departments": ["{code: {level, comment}}"]},
        )
    for code, item in departments.items():
        item = {"level": item} if isinstance(item, int) else item
        if not isinstance(item, dict):
            raise ValidationFailed("bad department rating", fields={f"departments.{code}": ["?"]})
        rated[str(code)] = (
            _level(item.get("level"), f"departments.{code}.level"),
            _comment(item.get("comment")),
        )
    return rated


def involved_departments(session: Any, case_id: int) -> list[str]:
    """Departments that did work on the case, in the order they first did it."""
    rows = session.scalars(
        select(TaskRow)
        .where(TaskRow.case_id == case_id, TaskRow.kind == "bpmn", TaskRow.status == "completed")
        .order_by(TaskRow.completed_at)
    )
    return list(dict.fromkeys(r.department_code for r in rows if r.department_code))


def rate(
    govflow: Govflow,
    actor: Principal,
    case_id: int,
    level: Any,
    comment: Any = None,
    departments: Any = None,
) -> dict[str, Any]:
    rated = _parse(level, comment, departments)
    require_visible_case(govflow, actor, case_id)

    def command(ctx: CommandContext) -> dict[str, Any]:
        case = ctx.case
        if not (actor.has("applicant") and actor.id_number == case.applicant_id_number):
            raise Forbidden("only the case's applicant rates it")
        if case.status != "completed":
            raise Conflict("rate the service once the case is concluded", code="not_concluded")
        if ctx.session.scalar(select(Rating.id).where(Rating.case_id == case.id)) is not None:
            raise Conflict("the case has already been rated", code="already_rated")
        involved = involved_departments(ctx.session, case.id)
        stray = [c for c in rated if c != WHOLE_CASE and c not in involved]
        if stray:
            raise ValidationFailed(
                "rate only departments that worked on the case",
                fields={f"departments.{c}": [f"one of {', '.join(involved)}"] for c in stray},
            )
        now = clock.now()
        ratings = {
            code: Rating(
                case_id=case.id,
                department_code=code,
                level=lvl,
                comment=text,
                rated_by=actor.username,
                rated_at=now,
            )
            for code, (lvl, text) in rated.items()
        }
        ctx.session.add_all(ratings.values())
        bad = [c for c, r in ratings.items() if c != WHOLE_CASE and r.level <= BAD]
        if ratings[WHOLE_CASE].level <= BAD and not bad and involved:
            bad = [involved[0]]  # the window answers for the case as a whole
        clocks = ctx.clocks()
        opened = []
        for code in bad:
            row = _open_rectification(ctx, code, ratings.get(code) or ratings[WHOLE_CASE])
            (ratings.get(code) or ratings[WHOLE_CASE]).rectification_task_id = row.id
            clocks.start_side_task_limit(row, *RECTIFICATION_LIMIT)
            opened.append(row.id)
        ctx.audit(
            "case_rated",
            level=ratings[WHOLE_CASE].level,
            departments={c: r.level for c, r in ratings.items() if c != WHOLE_CASE},
            rectifications=opened,
        )
        ctx.sync_deadlines(clocks)
        return rating_view(list(ratings.values()))

    return execute(govflow, case_id, actor, command, touches_workflow=False)


def _open_rectification(ctx: CommandContext, code: str, rating: Rating) -> TaskRow:
    department = ctx.session.get(Department, code)
    name_zh = department.name_zh if department else code
    row = TaskRow(
        id=str(uuid.uuid4()),
        kind="rectification",
        case_id=ctx.case.id,
        process_key=ctx.case.process_key,
        bpmn_id="rectification",
        name=f"差评整改：{name_zh}",
        department_code=code,
        candidate_groups=[],
        candidate_users=[],
        status="ready",
        form_key=RECTIFICATION_FORM_KEY,
        created_at=clock.now(),
        urge_count=0,
        notice={
            "kind": "bad_rating",
            "level": rating.level,
            "label": LEVELS[rating.level][0],
            "reason": rating.comment,
            "by": rating.rated_by,
            "at": clock.isoformat(rating.rated_at),
        },
    )
    ctx.session.add(row)
    ctx.session.add(
        Notification(
            case_id=ctx.case.id,
            task_id=row.id,
            department_code=code,
            recipient_role="supervisor",
            kind="bad_rating",
            message=f"办件 {ctx.case.id} 获评「{LEVELS[rating.level][0]}」，请于 15 个工作日内整改",
            created_at=clock.now(),
        )
    )
    ctx.session.flush()
    ctx.audit("task_created", task_id=row.id, name=row.name, department=code, kind=row.kind)
    return row


def rectified(ctx: CommandContext, row: TaskRow, cleaned: dict[str, Any]) -> None:
    """Completing a rectification: the supervisor's measures are kept with the task."""
    ctx.audit("rating_rectified", task_id=row.id, department=row.department_code, **cleaned)


def rating_view(rows: list[Rating]) -> dict[str, Any] | None:
    if not rows:
        return None
    whole = next(r for r in rows if r.department_code == WHOLE_CASE)

    def one(r: Rating) -> dict[str, Any]:
        zh, en = LEVELS[r.level]
        return {
            "level": r.level,
            "label": zh,
            "label_en": en,
            "comment": r.comment,
            "rectification_task_id": r.rectification_task_id,
        }

    return {
        **one(whole),
        "rated_by": whole.rated_by,
        "rated_at": clock.isoformat(whole.rated_at),
        "departments": {r.department_code: one(r) for r in rows if r.department_code != WHOLE_CASE},
    }


def case_rating(session: Any, case_id: int) -> dict[str, Any] | None:
    return rating_view(list(session.scalars(select(Rating).where(Rating.case_id == case_id))))


def get_rating(govflow: Govflow, actor: Principal, case_id: int) -> dict[str, Any] | None:
    require_visible_case(govflow, actor, case_id)
    with read_only(govflow.db) as session:
        return case_rating(session, case_id)


def _rating_filter(actor: Principal):  # noqa: ANN202
    """SQL on ``Rating``: those in ``actor``'s region — a department's rating where the
    department is overseen, a whole case's where the case is."""
    if sees_everything(actor):
        return true()
    region = tree.subtree(actor.department)  # a scoped supervisor has a department
    return or_(
        (Rating.department_code != WHOLE_CASE) & Rating.department_code.in_(region),
        (Rating.department_code == WHOLE_CASE)
        & Rating.case_id.in_(select(Case.id).where(case_filter(actor))),
    )


def summary(govflow: Govflow, actor: Principal) -> dict[str, Any]:
    """The supervisor dashboard: ratings per department and for cases as a whole — of the
    supervisor's region (a district's supervisor: the departments under theirs, and the
    cases of the region as a whole), as the statistics are."""
    require_role(actor, "supervisor", "admin")
    with read_only(govflow.db) as session:
        names = {d.code: (d.name_zh, d.name_en) for d in session.scalars(select(Department))}
        counts = session.execute(
            select(Rating.department_code, Rating.level, func.count())
            .where(_rating_filter(actor))
            .group_by(Rating.department_code, Rating.level)
        ).all()
        open_rectifications = dict(
            session.execute(
                select(TaskRow.department_code, func.count())
                .where(
                    TaskRow.kind == "rectification",
                    TaskRow.status.in_(("ready", "claimed")),
                    task_filter(actor),
                )
                .group_by(TaskRow.department_code)
            ).all()
        )
        rated_cases = session.scalar(
            select(func.count())
            .select_from(Case)
            .where(Case.id.in_(select(Rating.case_id)), case_filter(actor))
        )
    by_code: dict[str, dict[int, int]] = {}
    for code, level, count in counts:
        by_code.setdefault(code, {})[int(level)] = int(count)

    def stats(levels: dict[int, int]) -> dict[str, Any]:
        total = sum(levels.values())
        return {
            "count": total,
            "average": round(sum(k * v for k, v in levels.items()) / total, 2) if total else None,
            "by_level": {str(k): levels.get(k, 0) for k in sorted(LEVELS, reverse=True)},
            "bad": sum(v for k, v in levels.items() if k <= BAD),
        }

    departments = []
    for code, levels in by_code.items():
        if code == WHOLE_CASE:
            continue
        zh, en = names.get(code, (code, code))
        departments.append(
            {
                "code": code,
                "name": zh,
                "name_en": en,
                **stats(levels),
                "rectifications_open": int(open_rectifications.get(code, 0)),
            }
        )
    departments.sort(key=lambda d: (d["average"] or 0, -d["bad"]))
    return {
        "levels": {str(k): {"zh": zh, "en": en} for k, (zh, en) in LEVELS.items()},
        "cases": {**stats(by_code.get(WHOLE_CASE, {})), "rated_cases": int(rated_cases or 0)},
        "departments": departments,
        "generated_at": clock.isoformat(clock.now()),
    }
