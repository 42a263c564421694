"""``GET /api/health``: liveness of the database and the scheduler (API.md "Health")."""

from __future__ import annotations

from marshmallow import fields

from .base import Answer, when


class Scheduler(Answer):
    alive = fields.Boolean(required=True)
    last_tick_at = when(required=True)


class Health(Answer):
    status = fields.String(
        required=True,
        metadata={"enum": ["ok", "degraded"], "description": "degraded: no scheduler tick"},
    )
    database = fields.String(required=True, metadata={"enum": ["ok", "down"]})
    scheduler = fields.Nested(Scheduler, required=True)
