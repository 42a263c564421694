"""Messages from integrations (API.md "Messages (integrations)")."""

from __future__ import annotations

from marshmallow import fields, validate

from .base import KEY_LENGTH, MAX_ROW_ID, Request, json_object, required_text


class Message(Request):
    name = required_text(
        KEY_LENGTH, metadata={"description": "the BPMN message name the case waits for"}
    )
    case_id = fields.Integer(strict=True, required=True, validate=validate.Range(1, MAX_ROW_ID))
    data = json_object(
        allow_none=True, metadata={"description": "merged into the case data when it is taken"}
    )
