"""Tables of the time-limits capability.

The database is the truth for every due time: ``deadlines`` holds each limit with the
instants at which it turns yellow and red, so the scheduler finds what is due with an
index scan instead of recomputing every limit.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String, Text, exists
from sqlalchemy.orm import Mapped, mapped_column

from .. import clock
from ..models import Base, BigId, Json, UTCDateTime


class CalendarYear(Base):
    """An administrator's official schedule for a year; overrides the shipped one."""

    __tablename__ = "calendar_years"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    official: Mapped[bool] = mapped_column(Boolean, default=True)
    holidays: Mapped[list[str]] = mapped_column(Json, default=list)
    workdays: Mapped[list[str]] = mapped_column(Json, default=list)
    source: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_by: Mapped[str] = mapped_column(String(80))


class DeadlineRow(Base):
    """One limit: a case's statutory or promised limit, or a task's own limit."""

    __tablename__ = "deadlines"
    __table_args__ = (
        Index("ix_deadlines_state_warning_at", "state", "warning_at"),
        Index("ix_deadlines_state_due_at", "state", "due_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    task_id: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)
    #: ``statutory`` | ``promised`` (case limits) | ``task``
    name: Mapped[str] = mapped_column(String(20))
    #: ``working_days`` | ``hours`` (office hours) | ``calendar`` (camunda:dueDate)
    unit: Mapped[str] = mapped_column(String(20))
    amount: Mapped[float] = mapped_column(Float)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    warning_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    #: ok | warning | overdue | paused | met | missed
    state: Mapped[str] = mapped_column(String(20))
    official: Mapped[bool] = mapped_column(Boolean, default=True)
    paused_days: Mapped[float] = mapped_column(Float, default=0.0)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    department_code: Mapped[str | None] = mapped_column(String(40), nullable=True)
    warning_fraction: Mapped[float] = mapped_column(Float, default=0.25)
    warning_days: Mapped[float] = mapped_column(Float, default=1.0)


class CasePause(Base):
    """A stopped clock: waiting for the applicant (补正), a special procedure (特别程序)
    or a suspension.  Open while ``ended_at`` is null."""

    __tablename__ = "case_pauses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    #: supplement | special_procedure | suspension
    kind: Mapped[str] = mapped_column(String(30))
    reason: Mapped[str] = mapped_column(Text, default="")
    details: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    task_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    started_by: Mapped[str] = mapped_column(String(80))
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    ended_by: Mapped[str | None] = mapped_column(String(80), nullable=True)
    result: Mapped[dict[str, Any] | None] = mapped_column(Json, nullable=True)


def ever_paused(case_id: Any) -> Any:
    """SQL: has the case's clock ever stopped?  Read with the case's lock, so counting a
    new limit of a case that never waited needs no query for its pauses."""
    return exists().where(CasePause.case_id == case_id)


class Notification(Base):
    """A message in someone's inbox: a department's supervisors or clerks (warnings,
    overdue work, escalations, a decided extension), or an applicant (accepted, asked
    for a supplement, refused, ...; ``engine.notices.inbox``).  Read state is one per
    row: a department's supervisors share their inbox like a shared mailbox."""

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True, nullable=True)
    task_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    department_code: Mapped[str | None] = mapped_column(String(40), nullable=True, index=True)
    recipient_role: Mapped[str] = mapped_column(String(30), default="supervisor")
    kind: Mapped[str] = mapped_column(String(40))
    message: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    #: The applicant it is for (``recipient_role`` ``applicant``), by ID number: an
    #: applicant is who their ID says (migration 0020, notices).
    recipient_id_number: Mapped[str | None] = mapped_column(String(18), nullable=True, index=True)
    title: Mapped[str | None] = mapped_column(Text, nullable=True)
    #: The notice (文书) it announces, if any.
    notice_id: Mapped[int | None] = mapped_column(ForeignKey("notices.id"), nullable=True)
    #: Outbound delivery wanted besides the inbox (``["email", "sms"]``): one delivery and
    #: its job per channel (``notices.deliveries``).
    channels: Mapped[list[str]] = mapped_column(Json, default=list, server_default="[]")
