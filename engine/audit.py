"""The audit trail: every command appends what happened, in its own transaction."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from . import clock
from .jsonable import plain
from .models import AuditEvent
from .principal import Principal


def record(
    session: Session,
    actor: Principal,
    action: str,
    *,
    case_id: int | None = None,
    task_id: str | None = None,
    **details: Any,
) -> AuditEvent:
    event = AuditEvent(
        case_id=case_id,
        task_id=task_id,
        actor=actor.username,
        action=action,
        at=clock.now(),
        details=plain({"role": actor.primary_role, **details}),
    )
    session.add(event)
    return event
