"""Notices (文书), the inbox and extensions (延期)."""

from __future__ import annotations

from marshmallow import fields, validate

from .base import (
    KEY_LENGTH,
    NOTE_LENGTH,
    REASON_LENGTH,
    Answer,
    Paging,
    Request,
    StrictBoolean,
    i,
    many,
    s,
    text,
    when,
)

NOTICE_KINDS = (
    "acceptance",
    "supplement",
    "refusal",
    "extension",
    "completion",
    "deferral",
    "pledge",
)
EXTENSION_STATUSES = ("pending", "approved", "refused", "expired")


class NoticeItem(Answer):
    id = fields.Integer(required=True)
    kind = s(required=True, metadata={"enum": list(NOTICE_KINDS)})
    number = s(required=True, metadata={"example": "〔2026〕第000123号"})
    title = s()
    title_en = s()
    department = s(metadata={"description": "the issuing department's code"})
    issued_at = when(required=True)
    url = s(required=True, metadata={"description": "answers the notice as application/pdf"})


class NotificationQuery(Paging):
    unread = fields.Boolean(
        truthy={"true"}, falsy={"false"}, load_default=False, metadata={"enum": ["true", "false"]}
    )


class NotificationItem(Answer):
    id = fields.Integer(required=True)
    kind = s(required=True)
    case_id = i()
    task_id = s(metadata={"description": "the step it is about (deadline notices, bad ratings)"})
    title = s(required=True)
    body = s(required=True)
    created_at = when(required=True)
    read_at = when()
    notice_id = i(metadata={"description": "the notice (文书) it announces"})
    channels = many(
        fields.String(),
        metadata={"description": "outbound delivery wanted (email, sms); not sent yet"},
    )


class ExtensionRequest(Request):
    reason = text(REASON_LENGTH, required=True)
    working_days = fields.Integer(
        strict=True,
        required=True,
        validate=validate.Range(1, 365),
        metadata={"description": "at most the configured maximum (default 10)"},
    )
    task_id = text(KEY_LENGTH, metadata={"description": "the clerk's open task on the case"})


class ExtensionDecision(Request):
    approved = StrictBoolean(required=True)
    note = text(NOTE_LENGTH)


class ExtensionQuery(Paging):
    status = fields.String(validate=validate.OneOf(EXTENSION_STATUSES))


class Extension(Answer):
    id = fields.Integer(required=True)
    case_id = fields.Integer(required=True)
    task_id = s()
    department = s()
    reason = s(required=True)
    working_days = fields.Integer(required=True)
    status = s(required=True, metadata={"enum": list(EXTENSION_STATUSES)})
    requested_by = s()
    requested_at = when()
    decided_by = s()
    decided_at = when()
    note = s()
    due_before = when(metadata={"description": "the statutory due instant before"})
    due_after = when(metadata={"description": "after an approval"})
    notice_id = i(metadata={"description": "the 延期告知书 an approval issued"})
