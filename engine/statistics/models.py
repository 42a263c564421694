"""Tables of the statistics: visits at the window, each case's figures, the daily rollup."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .. import clock
from ..models import Base, BigId, Json, UTCDateTime

#: The department of a rollup row that counts the case as a whole (as ``Rating`` does).
WHOLE = "*"


class CaseVisit(Base):
    """跑动: one time the applicant came to the window for the case, recorded by a window
    clerk (an application made at the window counts as the first, without a row)."""

    __tablename__ = "case_visits"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    recorded_by: Mapped[str] = mapped_column(String(80))
    purpose: Mapped[str] = mapped_column(Text, default="")


class CaseFigures(Base):
    """What one case counts for (``statistics.facts``): recomputed by every command on the
    case; the difference from the last version goes into ``DailyFigures``.  Dates are
    Beijing calendar days.  Also what drill-down and the export's case sheet list."""

    __tablename__ = "case_figures"
    __table_args__ = (
        Index("ix_case_figures_started_on", "started_on", "process_key"),
        Index("ix_case_figures_concluded_on", "concluded_on", "process_key"),
    )

    case_id: Mapped[int] = mapped_column(
        ForeignKey("cases.id"), primary_key=True, autoincrement=False
    )
    process_key: Mapped[str] = mapped_column(String(200))
    #: Departments that completed a step of the case, in the order they first did.
    departments: Mapped[list[str]] = mapped_column(Json, default=list)
    started_on: Mapped[date] = mapped_column(Date)
    accepted_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    refused_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    concluded_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    #: 1/0 once concluded with that limit (None: no such limit, or not concluded).
    within_promised: Mapped[int | None] = mapped_column(Integer, nullable=True)
    within_statutory: Mapped[int | None] = mapped_column(Integer, nullable=True)
    #: Working days from acceptance to 办结, the stopped clock (补正, 特别程序) left out.
    working_days: Mapped[int | None] = mapped_column(Integer, nullable=True)
    supplemented: Mapped[int] = mapped_column(Integer, default=0)
    returned: Mapped[int] = mapped_column(Integer, default=0)
    materials_required: Mapped[int] = mapped_column(Integer, default=0)
    materials_shared: Mapped[int] = mapped_column(Integer, default=0)
    materials_uploaded: Mapped[int] = mapped_column(Integer, default=0)
    trips: Mapped[int] = mapped_column(Integer, default=0)
    rated_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    rating: Mapped[int | None] = mapped_column(Integer, nullable=True)
    #: Rectifications a bad rating opened, and those finished within their limit.
    rectifications: Mapped[int] = mapped_column(Integer, default=0)
    rectified_in_time: Mapped[int] = mapped_column(Integer, default=0)


class DailyFigures(Base):
    """The rollup: per Beijing day, matter and department (``WHOLE`` for the case as a
    whole), the sums of the cases' figures that fell on that day."""

    __tablename__ = "statistics_daily"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    process_key: Mapped[str] = mapped_column(String(200), primary_key=True)
    department: Mapped[str] = mapped_column(String(40), primary_key=True)
    started: Mapped[int] = mapped_column(Integer, default=0)
    accepted: Mapped[int] = mapped_column(Integer, default=0)
    refused: Mapped[int] = mapped_column(Integer, default=0)
    concluded: Mapped[int] = mapped_column(Integer, default=0)
    within_promised: Mapped[int] = mapped_column(Integer, default=0)
    within_statutory: Mapped[int] = mapped_column(Integer, default=0)
    timed: Mapped[int] = mapped_column(Integer, default=0)
    working_days: Mapped[int] = mapped_column(Integer, default=0)
    same_day: Mapped[int] = mapped_column(Integer, default=0)
    supplemented: Mapped[int] = mapped_column(Integer, default=0)
    returned: Mapped[int] = mapped_column(Integer, default=0)
    materials_required: Mapped[int] = mapped_column(Integer, default=0)
    materials_shared: Mapped[int] = mapped_column(Integer, default=0)
    materials_uploaded: Mapped[int] = mapped_column(Integer, default=0)
    trips: Mapped[int] = mapped_column(Integer, default=0)
    rated: Mapped[int] = mapped_column(Integer, default=0)
    rated_good: Mapped[int] = mapped_column(Integer, default=0)
    rectifications: Mapped[int] = mapped_column(Integer, default=0)
    rectified_in_time: Mapped[int] = mapped_column(Integer, default=0)


class DailyDurations(Base):
    """How many cases concluded on a day after so many working days: the median's
    histogram (a sum cannot give a median)."""

    __tablename__ = "statistics_durations"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    process_key: Mapped[str] = mapped_column(String(200), primary_key=True)
    department: Mapped[str] = mapped_column(String(40), primary_key=True)
    working_days: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    cases: Mapped[int] = mapped_column(Integer, default=0)


#: The summed columns of ``DailyFigures``, in order.
COUNTERS = tuple(
    c.name
    for c in DailyFigures.__table__.columns
    if c.name not in ("day", "process_key", "department")
)
