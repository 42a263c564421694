"""The reforms' tables: deferred materials (容缺), pledges (承诺) and credit records."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .. import clock
from ..models import Base, BigId, Json, UTCDateTime


class DeferredMaterial(Base):
    """One material the window accepted the case without (容缺受理), due by ``due_at``.

    ``status``: ``outstanding`` (the clock runs, reminders go out), ``overdue`` (not in by
    ``due_at``: a window task decides), ``supplement_requested`` (the window asked for it
    as a 补正), ``supplied`` (an upload arrived), ``closed`` (the case ended without it).
    """

    __tablename__ = "deferred_materials"
    __table_args__ = (Index("ix_deferred_materials_status_due_at", "status", "due_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    material_code: Mapped[str] = mapped_column(String(100))
    #: the acceptance step at which the window deferred it
    task_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    deferred_by: Mapped[str] = mapped_column(String(80))
    deferred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    working_days: Mapped[int] = mapped_column(Integer)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    remind_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    status: Mapped[str] = mapped_column(String(30), default="outstanding")
    #: the window's task once it fell overdue, and whether the one extension was used
    overdue_task_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    extended: Mapped[bool] = mapped_column(default=False)
    supplied_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class Pledge(Base):
    """A written pledge the applicant signed instead of a certificate (告知承诺制).

    ``status``: ``signed`` (awaiting the post-hoc check), ``verified`` (true),
    ``false`` (the check found it untrue: a revocation task is open), ``decided`` (the
    window recorded the consequence in ``decision``).
    """

    __tablename__ = "pledges"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    material_code: Mapped[str] = mapped_column(String(100))
    #: exactly what was signed, by whom, when, from where
    text: Mapped[str] = mapped_column(Text)
    signer_username: Mapped[str] = mapped_column(String(80))
    signer_name: Mapped[str] = mapped_column(String(100))
    signer_id_number: Mapped[str] = mapped_column(String(18), index=True)
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    signed_from: Mapped[str | None] = mapped_column(String(64), nullable=True)
    #: the department that checks it afterwards, and by when
    department_code: Mapped[str] = mapped_column(String(40))
    verify_within_days: Mapped[int] = mapped_column(Integer)
    verification_task_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    status: Mapped[str] = mapped_column(String(20), default="signed")
    verdict: Mapped[dict[str, Any] | None] = mapped_column(Json, nullable=True)
    revocation_task_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    decision: Mapped[dict[str, Any] | None] = mapped_column(Json, nullable=True)


class CreditRecord(Base):
    """A mark on a person's credit record (信用记录), append-only: a false pledge."""

    __tablename__ = "credit_records"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    id_number: Mapped[str] = mapped_column(String(18), index=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(40))
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    pledge_id: Mapped[int | None] = mapped_column(ForeignKey("pledges.id"), nullable=True)
    details: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    recorded_by: Mapped[str] = mapped_column(String(80))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
