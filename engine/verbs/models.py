"""Tables of the clerk verbs: returns (with the work they carry forward), urges, ratings."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint, and_, cast, exists
from sqlalchemy.orm import Mapped, mapped_column

from .. import clock
from ..models import Base, BigId, Json, UTCDateTime


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


class Urge(Base):
    """One 催办 of an open task by a supervisor or the applicant."""

    __tablename__ = "urges"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    task_id: Mapped[str] = mapped_column(String(36), index=True)
    urged_by: Mapped[str] = mapped_column(String(80))
    role: Mapped[str] = mapped_column(String(30))
    message: Mapped[str] = mapped_column(Text, default="")
    urged_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class Rating(Base):
    """好差评: the applicant's rating of a concluded (or refused) case, one row for the
    case as a whole (``department_code`` = ``"*"``) and one per department rated.

    Levels follow GB/T 39046: 5 非常满意, 4 满意, 3 基本满意, 2 不满意, 1 非常不满意.
    """

    __tablename__ = "ratings"
    __table_args__ = (
        UniqueConstraint("case_id", "department_code", name="uq_ratings_case_department"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    #: a department code, or ``"*"`` for the case as a whole
    department_code: Mapped[str] = mapped_column(String(40), index=True)
    level: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(Text, default="")
    rated_by: Mapped[str] = mapped_column(String(80))
    rated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    #: the rectification task a bad rating opened (差评整改), if any
    rectification_task_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
