"""Jobs: outbound calls made outside any case's transaction (admin only; an addition to
API.md under /api/v1/admin, so it cannot clash with the contract's paths)."""

from __future__ import annotations

from marshmallow import fields, validate

from .base import MAX_ROW_ID, Answer, Paging, WholeNumber, choice, s, when


class JobFilters(Paging):
    state = choice(
        ("pending", "running", "done", "failed"), metadata={"description": "all when omitted"}
    )
    case_id = WholeNumber(1, MAX_ROW_ID, metadata={"description": "only this case's jobs"})
    kind = fields.String(
        validate=validate.Regexp(r"^[a-z_]+(\.[a-z_]*)?$"),
        metadata={
            "description": "only jobs of this kind (shared_data.pull, deliver.email, "
            "deliver.sms); ending in a dot, of kinds starting so (deliver.)"
        },
    )


class Job(Answer):
    id = fields.Integer(required=True)
    kind = s(required=True)
    case_id = fields.Integer(allow_none=True)
    state = fields.String(required=True, metadata={"description": "pending, running, done, failed"})
    attempts = fields.Integer(required=True)
    next_attempt_at = when(metadata={"description": "when due (running: when its lease ends)"})
    last_error = s()
    created_at = when()
    updated_at = when()
    finished_at = when()
    summary = fields.Dict(
        metadata={
            "description": "what the job is about: a pull's provider, field and purpose; a "
            "delivery's channel, masked recipient, status (delivery) and notification_id"
        }
    )
