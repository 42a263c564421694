"""Incidents: steps the engine ran on its own that kept failing (API.md)."""

from __future__ import annotations

from marshmallow import fields

from .base import MAX_ROW_ID, Answer, Paging, Request, WholeNumber, choice, json_object, s, when


class IncidentFilters(Paging):
    status = choice(("open", "resolved"), metadata={"description": "both when omitted"})
    case_id = WholeNumber(1, MAX_ROW_ID, metadata={"description": "only this case"})


class Incident(Answer):
    id = fields.Integer(required=True)
    case_id = fields.Integer(required=True)
    process_key = s(required=True)
    element_id = s(required=True)
    element_name = s(required=True)
    message = s(required=True)
    attempts = fields.Integer(required=True)
    status = fields.String(required=True, metadata={"description": "open or resolved"})
    created_at = when(required=True)
    resolved_at = when(required=True)


class Retry(Request):
    """The body may be left out: a retry without a data fix."""

    data = json_object(
        allow_none=True,
        metadata={"description": "merged into the case data before the step runs again"},
    )
