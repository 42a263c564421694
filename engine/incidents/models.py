"""The incidents table: one row per failing step of a case, from its first failure on."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .. import clock
from ..models import Base, UTCDateTime

#: The step failed and will be tried again (not yet an incident; not listed).
RETRYING = "retrying"
#: The attempts are spent: the case is in ``error`` until someone retries it.
OPEN = "open"
#: A retry passed; the case runs again.
RESOLVED = "resolved"


class Incident(Base):
    __tablename__ = "incidents"
    __table_args__ = (Index("ix_incidents_case_status", "case_id", "status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    process_key: Mapped[str] = mapped_column(String(200))
    #: The BPMN element that failed, when the failure names one.
    element_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    element_name: Mapped[str | None] = mapped_column(String(300), nullable=True)
    #: The last failure's message.
    message: Mapped[str] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(20), index=True)
    #: The case's status before it turned ``error``, given back when a retry passes.
    case_status: Mapped[str] = mapped_column(String(30))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    resolved_by: Mapped[str | None] = mapped_column(String(80), nullable=True)
