"""The deadline object of API.md (a case's limit, or a task's)."""

from __future__ import annotations

from marshmallow import fields

from .base import Answer, b, s, when

DEADLINE_STATES = ("ok", "warning", "overdue", "paused", "met", "missed")


class Deadline(Answer):
    """API.md's deadline object."""

    name = s()
    kind = s(metadata={"description": "working_days or hours"})
    limit = fields.Raw(allow_none=True, metadata={"type": "number"})
    started_at = when()
    due_at = when()
    warning_at = when()
    paused = b()
    paused_days = fields.Raw(allow_none=True, metadata={"type": "number"})
    state = s(metadata={"description": "ok, warning, overdue, paused, met or missed"})
    official = b()
    completed_at = when()
