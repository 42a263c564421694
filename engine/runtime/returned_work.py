"""The work a return (退回) kept, and its re-application when its step comes round again.

A return across a parallel split unwinds the other branches; their completed work is kept
on the return (``case_returns.carried``) and re-applied, with the same data, when the case
passes that step again.  The verbs make returns (``engine.verbs.returns``); re-applying is
part of advancing any case, so it lives here, in the runtime that advances it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import cache
from typing import Any

from SpiffWorkflow.util.task import TaskState
from sqlalchemy import (
    ForeignKey,
    Integer,
    Select,
    String,
    Text,
    and_,
    bindparam,
    cast,
    exists,
    select,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from .. import clock, unflushed
from ..models import Base, Case, Json, UTCDateTime
from .workflow import GovflowWorkflow


class CaseReturn(Base):
    """One 退回: from which task, to which earlier step, why — and the completed work of
    parallel branches the return had to unwind, re-applied when its step comes round."""

    __tablename__ = "case_returns"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    from_task_id: Mapped[str] = mapped_column(String(36))
    from_bpmn_id: Mapped[str] = mapped_column(String(200))
    target_task_id: Mapped[str] = mapped_column(String(36))
    target_bpmn_id: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text)
    returned_by: Mapped[str] = mapped_column(String(80))
    returned_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    #: ``{bpmn_id: {"data", "row_id", "completed_by", "completed_at", "department"}}``
    carried: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    #: BPMN ids in ``carried`` not yet re-applied; emptied as their steps come round.
    pending: Mapped[list[str]] = mapped_column(Json, default=list)


def carrying_work(case_id: Any) -> Any:
    """SQL: the case's returns whose kept work is still to be re-applied."""
    return and_(CaseReturn.case_id == case_id, cast(CaseReturn.pending, String) != "[]")


def work_to_carry(case_id: Any) -> Any:
    """SQL: has the case such a return?  Asked in the statement that locks the case, so a
    step of a case never returned (nearly all) needs no query of its own for it."""
    return exists().where(carrying_work(case_id))


@cache
def _returns_carrying_work() -> Select:
    """The case's returns with work still to re-apply, oldest first; built once (it ran
    after every advance of every case), the case bound at each run."""
    return select(CaseReturn).where(carrying_work(bindparam("case_id"))).order_by(CaseReturn.id)


def carry_forward(
    session: Session, case: Case, workflow: GovflowWorkflow, audit: Callable[..., None]
) -> bool:
    """Re-apply kept work whose step has come round again; True if any task ran (the
    caller advances the workflow again).  Called after every advance of a case."""
    # Only returns with work still to re-apply are read: a case returned hundreds of times
    # must not reload its whole history on every step; one never returned (known when it
    # was locked) reads none, only a return this very command made.
    records = unflushed.rows(
        session,
        CaseReturn,
        _returns_carrying_work(),
        lambda r: r.case_id == case.id and bool(r.pending),
        none_stored=case.work_to_carry is False,
        params={"case_id": case.id},
    )
    records.sort(key=lambda r: (r.id is None, r.id or 0))  # a return made just now comes last
    if not records:
        return False
    ran = False
    for task in [t for t in workflow.all_tasks() if t.state == TaskState.READY]:
        if not task.task_spec.manual:
            continue
        bpmn_id = task.task_spec.bpmn_id
        record = next((r for r in records if bpmn_id in r.pending), None)
        if record is None:
            continue
        kept = record.carried[bpmn_id]
        task.data.update(kept["data"])
        task.run()
        record.pending = [b for b in record.pending if b != bpmn_id]
        audit(
            "task_carried_forward",
            task_id=kept["row_id"],
            bpmn_id=bpmn_id,
            completed_by=kept["completed_by"],
            department=kept["department"],
            return_id=record.id,
        )
        ran = True
    return ran
