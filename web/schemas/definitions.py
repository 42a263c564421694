"""Process definitions (deployed BPMN) and uploaded models."""

from __future__ import annotations

from marshmallow import Schema, fields

from .base import MAX_ROW_ID, Answer, WholeNumber, b, many, obj, s, strings, when


class Deploy(Schema):
    """multipart/form-data: one ``.bpmn`` as ``file``, any ``dmn`` and ``form`` files."""

    file = fields.Raw(required=True, metadata={"type": "string", "format": "binary"})
    dmn = fields.List(fields.Raw(metadata={"type": "string", "format": "binary"}))
    form = fields.List(fields.Raw(metadata={"type": "string", "format": "binary"}))


class VersionQuery(Schema):
    version = WholeNumber(
        1, MAX_ROW_ID, metadata={"description": "a version; the latest when omitted"}
    )


class UserTask(Answer):
    id = fields.String(required=True)
    name = s()
    departments = strings()
    candidate_users = strings()
    assignee = s()
    form = s(metadata={"description": "form key"})
    time_limit = obj()
    due_date = s()


class Definition(Answer):
    key = fields.String(required=True)
    version = fields.Integer(required=True)
    name = s()
    sha256 = s()
    deployed_at = when()
    deployed_by = s()
    status = s(
        metadata={
            "description": "current, pending_approval (a new version of a matter with cases "
            "waits for a second designer or an administrator), or superseded"
        }
    )
    approved_by = s()
    approved_at = when()
    departments = strings()
    user_tasks = many(fields.Nested(UserTask))
    start_form = obj(metadata={"description": "the application's form definition"})
    shared_data = strings(metadata={"description": "the shared-data providers its cases pull from"})
    statutory_limit = obj()
    promised_limit = obj()
    warnings = many(fields.Raw())
    versions = many(fields.Raw(), metadata={"description": "every version (one key only)"})


class Model(Answer):
    id = fields.Integer(required=True)
    sha256 = s()
    filename = s()
    process_key = s()
    deployable = b()
    errors = many(fields.Raw())
    uploaded_at = when()
    uploaded_by = s()
