"""Supervision: the open work per department and process, the overdue list, ratings."""

from __future__ import annotations

from marshmallow import fields

from .base import Answer, b, i, many, obj, s, when

_COUNTS = ("open", "warning", "overdue", "paused", "completed_on_time", "completed_late")


def _counts() -> dict[str, fields.Field]:
    return {name: i() for name in _COUNTS}


DepartmentLoad = Answer.from_dict(
    {"code": s(), "name": s(), "name_en": s(), **_counts()}, name="DepartmentLoad"
)
Totals = Answer.from_dict(_counts(), name="LoadTotals")
ProcessLoad = Answer.from_dict(
    {
        "key": s(),
        "name": s(),
        **_counts(),
        # the matter's steps above; its cases' own limits here
        "cases": fields.Nested(Totals, allow_none=True),
    },
    name="ProcessLoad",
)


class Overview(Answer):
    departments = many(fields.Nested(DepartmentLoad))
    processes = many(fields.Nested(ProcessLoad))
    totals = fields.Nested(Totals, allow_none=True)
    generated_at = when()


class Overdue(Answer):
    kind = s(metadata={"description": "task or case"})
    case_id = i()
    process_key = s()
    applicant = s()
    task_id = s()
    task_name = s()
    department = s()
    assignee = s()
    deadline = s()
    state = s()
    due_at = when()
    official = b()


class RatingsSummary(Answer):
    levels = obj(metadata={"description": "level → {zh, en} label"})
    cases = obj(metadata={"description": "count, average, by_level, bad, rated_cases"})
    departments = many(fields.Dict())
    generated_at = when()
