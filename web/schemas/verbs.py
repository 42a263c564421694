"""The clerk verbs: return, withdraw, transfer, delegate, resolve, urge, refuse, suspend,
resume, terminate, rate (engine/verbs)."""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields, validate

from .base import (
    NAME_LENGTH,
    NOTE_LENGTH,
    REASON_LENGTH,
    Answer,
    Request,
    obj,
    s,
    text,
    when,
)

MAX_REASONS = 20  # the statute lists fewer; more is a client's bug


class ReturnTask(Request):
    target = text(NAME_LENGTH, metadata={"description": "the bpmn_id of the earlier step"})
    reason = text(REASON_LENGTH)


class Reason(Request):
    reason = text(REASON_LENGTH)


class Handover(Request):
    to = text(150, metadata={"description": "the receiving clerk's username"})
    reason = text(REASON_LENGTH)


class Resolve(Request):
    opinion = text(NOTE_LENGTH)


class UrgeRequest(Request):
    message = text(500)


class RefusalReasonField(fields.Field):
    """A statutory reason: its code, or ``{"code", "text"}`` (the text for ``other``)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if isinstance(value, str):
            value = {"code": value}
        if not isinstance(value, dict):
            raise ValidationError("a reason code, or an object {code, text}")
        code, reason_text = value.get("code"), value.get("text")
        if not isinstance(code, str) or not 0 < len(code) <= 50:
            raise ValidationError({"code": ["a reason code (see /api/v1/refusal-reasons)"]})
        if reason_text is not None and (
            not isinstance(reason_text, str) or len(reason_text) > REASON_LENGTH
        ):
            raise ValidationError({"text": [f"text of at most {REASON_LENGTH} characters"]})
        return {"code": code, "text": reason_text}


_REASON_DOC = {
    "oneOf": [
        {"type": "string", "maxLength": 50},
        {
            "type": "object",
            "required": ["code"],
            "properties": {
                "code": {"type": "string", "minLength": 1, "maxLength": 50},
                "text": {"type": "string", "maxLength": REASON_LENGTH, "nullable": True},
            },
        },
    ]
}


class Refuse(Request):
    reasons = fields.List(
        RefusalReasonField(metadata=_REASON_DOC),
        allow_none=True,
        validate=validate.Length(max=MAX_REASONS),
    )
    note = text(NOTE_LENGTH)


class ResumeRequest(Request):
    note = text(NOTE_LENGTH)


class DepartmentRatingField(fields.Field):
    """A department's rating: its level, or ``{"level", "comment"}``."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool):
            value = {"level": value}
        if not isinstance(value, dict):
            raise ValidationError("a level 1–5, or an object {level, comment}")
        comment = value.get("comment")
        if comment is not None and (not isinstance(comment, str) or len(comment) > 1000):
            raise ValidationError({"comment": ["text of at most 1000 characters"]})
        return {"level": value.get("level"), "comment": comment}


class Rate(Request):
    level = fields.Integer(strict=True, allow_none=True, metadata={"minimum": 1, "maximum": 5})
    comment = text(1000)
    departments = fields.Dict(
        keys=fields.String(validate=validate.Length(max=50)),
        values=DepartmentRatingField(
            metadata={
                "oneOf": [
                    {"type": "integer", "minimum": 1, "maximum": 5},
                    {
                        "type": "object",
                        "properties": {
                            "level": {"type": "integer", "minimum": 1, "maximum": 5},
                            "comment": {"type": "string", "maxLength": 1000, "nullable": True},
                        },
                    },
                ]
            }
        ),
        allow_none=True,
        validate=validate.Length(max=50),
    )


class ReturnTarget(Answer):
    bpmn_id = fields.String(required=True)
    name = s()
    department = s()
    completed_by = s()
    completed_at = when()


class RefusalReason(Answer):
    code = fields.String(required=True)
    text = s()
    text_en = s()


class Urge(Answer):
    id = fields.Integer(required=True)
    task_id = s()
    by = s()
    role = s()
    message = s()
    at = when()


class Rating(Answer):
    level = fields.Integer(required=True)
    label = s()
    label_en = s()
    comment = s()
    rectification_task_id = s()
    rated_by = s()
    rated_at = when()
    departments = obj(metadata={"description": "department code → its rating"})
