"""跑动次数: the window records each time the applicant came to the counter for a case.

Fully online cases record none; an application made at the window counts as the first
visit without a row (``Case.started_at_window``).  The statistics count them at 办结.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from .. import clock
from ..context import Govflow
from ..errors import Conflict, Forbidden
from ..principal import Principal
from ..runtime.executor import CommandContext, execute
from ..statistics.models import CaseVisit
from ..uow import read_only
from ..verbs.common import reason_of, require_visible_case

#: The department whose clerks receive applicants at the counter (一窗受理).
WINDOW = "service_center"


def visit_view(visit: CaseVisit) -> dict[str, Any]:
    return {
        "id": visit.id,
        "case_id": visit.case_id,
        "at": clock.isoformat(visit.at),
        "recorded_by": visit.recorded_by,
        "purpose": visit.purpose,
    }


def _require_window(actor: Principal) -> None:
    if actor.has("admin"):
        return
    if not (actor.has("clerk") and actor.department == WINDOW):
        raise Forbidden("only the window records the applicant's visits")


def record_visit(govflow: Govflow, actor: Principal, case_id: int, purpose: Any) -> dict[str, Any]:
    """A window clerk records that the applicant came to the counter (``purpose``: what
    for — handing in a paper, collecting a certificate).  One command on the case, so the
    statistics count it with everything else the case did."""
    _require_window(actor)
    text = reason_of(purpose, "purpose")
    require_visible_case(govflow, actor, case_id)

    def command(ctx: CommandContext) -> dict[str, Any]:
        if ctx.case.status == "terminated":
            raise Conflict("the case was terminated", code="case_closed")
        visit = CaseVisit(
            case_id=ctx.case.id, at=clock.now(), recorded_by=actor.username, purpose=text
        )
        ctx.session.add(visit)
        ctx.session.flush()
        ctx.audit("visit_recorded", purpose=text)
        return visit_view(visit)

    return execute(govflow, case_id, actor, command, touches_workflow=False)


def visits(govflow: Govflow, actor: Principal, case_id: int) -> list[dict[str, Any]]:
    """The visits of a case the caller may see, oldest first."""
    require_visible_case(govflow, actor, case_id)
    with read_only(govflow.db) as session:
        rows = session.scalars(
            select(CaseVisit).where(CaseVisit.case_id == case_id).order_by(CaseVisit.id)
        )
        return [visit_view(v) for v in rows]
