"""Process definitions (deployed BPMN) and uploaded models."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from .base import (
    KEY_LENGTH,
    MAX_ROW_ID,
    Answer,
    Request,
    WholeNumber,
    b,
    i,
    many,
    obj,
    s,
    strings,
    when,
)


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


def _version(**kwargs) -> fields.Integer:  # noqa: ANN003
    return fields.Integer(strict=True, validate=validate.Range(1, MAX_ROW_ID), **kwargs)


class MigrationRequest(Request):
    to_version = _version(required=True, metadata={"description": "the current version"})
    case_ids = fields.List(
        fields.Integer(strict=True, validate=validate.Range(1, MAX_ROW_ID)),
        validate=validate.Length(max=1000),
        allow_none=True,
        metadata={"description": "the cases to move (else those of from_version)"},
    )
    from_version = _version(
        allow_none=True,
        metadata={"description": "move the open cases of this version (else of every other)"},
    )
    mapping = fields.Dict(
        keys=fields.String(validate=validate.Length(min=1, max=KEY_LENGTH)),
        values=fields.String(validate=validate.Length(min=1, max=KEY_LENGTH)),
        validate=validate.Length(max=500),
        allow_none=True,
        metadata={"description": "old element id → new element id, where an id changed"},
    )
    dry_run = fields.Boolean(
        load_default=True, metadata={"description": "only say what would happen (default)"}
    )


class MigrationItem(Answer):
    case_id = fields.Integer(required=True)
    from_version = i()
    migratable = b()
    reason = s(metadata={"description": "why the case cannot move (null when it can)"})
    changes = many(
        fields.Raw(),
        metadata={
            "description": "moved, step_added, step_removed, step_changed, limit_changed, "
            "deadline_recomputed"
        },
    )


class MigrationResult(Answer):
    items = many(fields.Nested(MigrationItem))
    migrated = fields.Integer(required=True)
    dry_run = b()
