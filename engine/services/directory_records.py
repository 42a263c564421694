"""What the department and user services share: a page of directory rows, and an
administrator's change to one record (a JSON object, one transaction with its audit event).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..context import Govflow
from ..errors import BadRequest
from ..principal import Principal
from ..uow import read_only, run_in_transaction
from .access import require_role


def list_page(
    govflow: Govflow,
    model: Any,
    conditions: list[Any],
    order_by: Any,
    view: Callable[[Any], dict[str, Any]],
    page: int,
    per_page: int,
) -> tuple[list[dict[str, Any]], int]:
    """One page of ``model`` rows matching ``conditions``, rendered by ``view``, and the total."""
    with read_only(govflow.db) as session:
        total = session.scalar(select(func.count()).select_from(model).where(*conditions))
        rows = session.scalars(
            select(model)
            .where(*conditions)
            .order_by(order_by)
            .offset((page - 1) * per_page)
            .limit(per_page)
        )
        return [view(row) for row in rows], total


def admin_change(
    govflow: Govflow,
    actor: Principal,
    payload: Any,
    change: Callable[[Session], dict[str, Any]],
) -> dict[str, Any]:
    """An administrator's change to a directory record: the body must be a JSON object;
    ``change`` runs in one transaction and returns the record's view."""
    require_role(actor, "admin")
    if not isinstance(payload, dict):
        raise BadRequest("the body must be a JSON object")
    return run_in_transaction(govflow.db, change)
