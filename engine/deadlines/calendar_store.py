"""The working-day calendar the engine counts on: shipped years overlaid by the
administrator's corrections in the database (``calendar_years``)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import clock
from ..errors import ValidationFailed
from ..sql import table_state
from ..workcalendar import ScheduleError, WorkCalendar, YearSchedule, load_shipped_years
from .models import CalendarYear


def _overrides(session: Session) -> dict[int, YearSchedule]:
    loaded = {}
    for row in session.scalars(select(CalendarYear)):
        loaded[row.year] = YearSchedule(
            row.year,
            row.official,
            frozenset(date.fromisoformat(d) for d in row.holidays),
            frozenset(date.fromisoformat(d) for d in row.workdays),
            row.source,
        )
    return loaded


#: Built calendars by the state of ``calendar_years`` (how many rows, last change):
#: building one reads every override, while the key is one cheap aggregate query.
_CACHE: dict[tuple[int, Any], WorkCalendar] = {}


def stamp_columns() -> tuple[Any, Any]:
    """SQL: the state of ``calendar_years`` (how many rows, last change), the cache key of
    the built calendar.  A command reads it with the lock on its case (``runtime.executor
    .case_facts``), so counting a limit needs no query of its own."""
    return table_state(CalendarYear)


def load_calendar(session: Session, stamp: tuple[int, Any] | None = None) -> WorkCalendar:
    """The calendar as of this transaction (a year loaded a moment ago counts at once,
    in every worker: the cache key is read from the database each time, or given as
    ``stamp`` when it was read earlier in the same transaction)."""
    if any(isinstance(o, CalendarYear) for o in (*session.new, *session.dirty)):
        session.flush()  # a year stored in this transaction counts (PUT /calendar/{year})
        stamp = None
    if stamp is not None:
        key = stamp
    else:
        with session.no_autoflush:  # nothing else a command changes bears on the calendar
            key = tuple(session.execute(select(*stamp_columns())).one())
    calendar = _CACHE.get(key)
    if calendar is None:
        if len(_CACHE) > 16:
            _CACHE.clear()
        calendar = _CACHE[key] = WorkCalendar({**load_shipped_years(), **_overrides(session)})
    return calendar


def year_view(calendar: WorkCalendar, year: int) -> dict[str, Any]:
    schedule = calendar.schedule_for(year)
    return {
        "year": year,
        "official": calendar.is_official_year(year),
        "holidays": sorted(d.isoformat() for d in schedule.holidays),
        "workdays": sorted(d.isoformat() for d in schedule.workdays),
        "source": schedule.source,
    }


def store_year(session: Session, year: int, payload: dict[str, Any], actor: str) -> YearSchedule:
    """Validate and store an official schedule for ``year`` (load or correct)."""
    from ..workcalendar import validate_year_payload

    try:
        schedule = validate_year_payload(payload, year=year)
    except ScheduleError as exc:
        raise ValidationFailed(
            "the calendar year is invalid", fields={"calendar": list(exc.problems)}
        ) from None
    row = session.get(CalendarYear, year) or CalendarYear(year=year)
    row.official = schedule.official
    row.holidays = sorted(d.isoformat() for d in schedule.holidays)
    row.workdays = sorted(d.isoformat() for d in schedule.workdays)
    row.source = schedule.source or ""
    row.updated_at = clock.now()
    row.updated_by = actor
    session.add(row)
    return schedule
