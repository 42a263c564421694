"""Tables of the clerk verbs: urges and ratings.  (Returns keep theirs beside the runtime
that re-applies their work: ``runtime.returned_work``.)"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .. import clock
from ..models import Base, BigId, UTCDateTime


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


class CaseExtension(Base):
    """延期 (Administrative Licensing Law art. 42): a clerk's request to extend a case's
    limit by some working days, and the department head's decision.  Only an approved
    request moves the due instant; a refused or expired one changes nothing.  Added by
    migration 0020 (notices)."""

    __tablename__ = "case_extensions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    task_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    #: the requesting clerk's department: its head (a supervisor) decides
    department_code: Mapped[str | None] = mapped_column(String(40), nullable=True)
    reason: Mapped[str] = mapped_column(Text)
    working_days: Mapped[int] = mapped_column(Integer)
    #: pending | approved | refused | expired
    status: Mapped[str] = mapped_column(String(20), index=True)
    requested_by: Mapped[str] = mapped_column(String(80))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    decided_by: Mapped[str | None] = mapped_column(String(80), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    decision_note: Mapped[str | None] = mapped_column(Text, nullable=True)
    old_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    new_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    #: the 延期告知书 an approval issued
    notice_id: Mapped[int | None] = mapped_column(ForeignKey("notices.id"), nullable=True)
