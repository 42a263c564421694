"""What the verbs add to the case and task JSON (engine/services/serializers.py calls these)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import clock
from ..models import Case, TaskRow
from ..runtime.returned_work import CaseReturn
from .models import Urge
from .ratings import case_rating
from .urges import urge_view


def task_extras(row: TaskRow) -> dict[str, Any]:
    return {"owner": row.owner, "urge_count": row.urge_count or 0, "notice": row.notice}


def task_urges(session: Session, row: TaskRow) -> list[dict[str, Any]]:
    urges = session.scalars(select(Urge).where(Urge.task_id == row.id).order_by(Urge.id))
    return [urge_view(u) for u in urges]


def case_extras(session: Session, case: Case) -> dict[str, Any]:
    returns = session.scalars(
        select(CaseReturn).where(CaseReturn.case_id == case.id).order_by(CaseReturn.id)
    )
    return {
        "suspended": bool(case.suspended),
        "closure": case.closure,
        "rating": case_rating(session, case.id),
        "returns": [
            {
                "id": r.id,
                "from": r.from_bpmn_id,
                "to": r.target_bpmn_id,
                "reason": r.reason,
                "by": r.returned_by,
                "at": clock.isoformat(r.returned_at),
                "carried": sorted(r.carried),
                "pending": list(r.pending),
            }
            for r in returns
        ],
    }
