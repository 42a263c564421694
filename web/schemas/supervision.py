"""Supervision: the open work per department and process, the overdue list, ratings."""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, validate

from .base import Answer, b, choice, i, many, obj, s, when

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


class RectificationFilters(Schema):
    """The rectification list's narrowing; the per-department counts stay the region's."""

    class Meta:
        unknown = EXCLUDE

    state = choice(("open", "overdue", "done"), metadata={"description": "all when omitted"})
    department = fields.String(validate=validate.Length(min=1, max=40))


class Rectification(Answer):
    task_id = s(required=True)
    case_id = i(required=True)
    process_key = s()
    name = s()
    department = s()
    state = s(required=True, metadata={"description": "open, overdue or done"})
    status = s(metadata={"description": "the task's status: ready, claimed, completed"})
    level = i(metadata={"description": "the rating that opened it (1 or 2)"})
    reason = s()
    rated_at = when()
    created_at = when()
    due_at = when()
    completed_at = when()
    completed_by = s()
    assignee = s()


RectificationCounts = Answer.from_dict(
    {"code": s(), "name": s(), "name_en": s(), "open": i(), "overdue": i(), "done": i()},
    name="RectificationCounts",
)


class Rectifications(Answer):
    items = many(fields.Nested(Rectification))
    departments = many(fields.Nested(RectificationCounts))
    generated_at = when()
