"""Working-day calendar for Chinese statutory limits (pure Python: no Flask, no database).

* :mod:`.schedule` — one year's days off and adjusted workdays, their validation, and
  the years shipped in ``data/`` (why no holiday library is asked at run time is
  explained there).
* :mod:`.workdays` — :class:`WorkCalendar`: working days, office time, limits.
* :mod:`.hours` — :class:`OfficeHours`.
* :mod:`.deadline` — :class:`Deadline`: a limit with a stopped clock, and its state.

Typical use::

    calendar = WorkCalendar({**load_shipped_years(), **admin_overrides})
    calendar.add_working_days(date(2026, 9, 30), 1)   # WorkdayResult(2026-10-08, True)
"""

from .deadline import Deadline, DeadlineStatus, Pause
from .hours import OfficeHours
from .schedule import (
    ScheduleError,
    YearSchedule,
    load_shipped_years,
    validate_year_payload,
)
from .workdays import LIMIT_UNITS, DeadlineResult, LimitUnit, WorkCalendar, WorkdayResult

__all__ = [
    "LIMIT_UNITS",
    "Deadline",
    "DeadlineResult",
    "DeadlineStatus",
    "LimitUnit",
    "OfficeHours",
    "Pause",
    "ScheduleError",
    "WorkCalendar",
    "WorkdayResult",
    "YearSchedule",
    "load_shipped_years",
    "validate_year_payload",
]
