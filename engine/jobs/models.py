"""The ``jobs`` table: one row per outbound call still to make, being made, or made."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .. import clock
from ..models import Base, UTCDateTime

#: Waiting for ``next_attempt_at`` (a first attempt, or a retry after a pause).
PENDING = "pending"
#: Claimed by a runner until ``next_attempt_at`` (its lease): a runner that dies leaves
#: the job to be claimed again once the lease has run out.
RUNNING = "running"
#: The answer was applied.
DONE = "done"
#: The attempts are spent; the kind's fall-back was applied (``last_error`` says why).
FAILED = "failed"

STATES = (PENDING, RUNNING, DONE, FAILED)


class Job(Base):
    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_due", "state", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(80))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), nullable=True, index=True)
    state: Mapped[str] = mapped_column(String(20))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
