"""Tasks: the worklist item, the task with its form, completing and stopping clocks."""

from __future__ import annotations

from marshmallow import Schema, fields

from .base import (
    NAME_LENGTH,
    NOTE_LENGTH,
    REASON_LENGTH,
    Answer,
    Paging,
    Request,
    choice,
    i,
    json_object,
    many,
    obj,
    s,
    strings,
    text,
    when,
)
from .deadlines import DEADLINE_STATES, Deadline

TASK_STATUSES = ("ready", "claimed", "completed")


class TaskFilters(Paging):
    status = choice(TASK_STATUSES)
    department = fields.String()
    assignee = fields.String(metadata={"description": "'me' or a username"})
    process_key = fields.String()
    deadline_state = choice(DEADLINE_STATES)


class Complete(Request):
    data = json_object(allow_none=True, metadata={"description": "the task form's values"})


class CompleteWithFiles(Schema):
    """multipart/form-data: ``data`` (the JSON object) and one file part per file field."""

    data = fields.String(metadata={"description": "the task form's values, as JSON"})


class SupplementItem(Request):
    material = text(NAME_LENGTH, metadata={"description": "material code, when it is one"})
    name = text(NAME_LENGTH * 2)
    reason = text(REASON_LENGTH)


class RequestSupplement(Request):
    items = fields.List(fields.Nested(SupplementItem), allow_none=True)
    note = text(NOTE_LENGTH)


class StartSpecialProcedure(Request):
    kind = text(50)
    reason = text(REASON_LENGTH)


class Task(Answer):
    id = fields.String(required=True)
    case_id = fields.Integer(required=True)
    process_key = s()
    name = s()
    bpmn_id = s()
    department = s()
    candidate_groups = strings()
    assignee = s()
    status = fields.String(required=True)
    form = s()
    kind = s()
    created_at = when()
    completed_at = when()
    completed_by = s()
    due_at = when()
    deadline_state = s()
    owner = s()
    urge_count = i()
    notice = s()


class TaskCase(Answer):
    id = i()
    status = s()
    process_name = s()
    applicant_name = s()


class Prefill(Answer):
    values = obj()
    shared = obj()
    sources = obj()


class TaskDetail(Task):
    form_definition = obj(metadata={"description": "the form (API.md's form definition)"})
    prefill = fields.Nested(Prefill, allow_none=True)
    submission = obj()
    urges = many(fields.Dict())
    deadline = fields.Nested(Deadline, allow_none=True)
    case = fields.Nested(TaskCase, allow_none=True)
    dispute = obj()
