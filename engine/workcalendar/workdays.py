"""The working-day calendar: which days count, and date/time arithmetic over them.

Administrative limits count working days, excluding statutory holidays (Administrative
Licensing Law art. 82). A working day is a weekday that is not a holiday, or a weekend day
turned into a workday by the year's schedule (调休). Regional overrides (autonomous regions'
own holidays) come on top of the national schedule.

Every answer that looked at a day in a year without an official schedule carries
``official=False``: the weekday fallback is a guess, and a legal deadline must say so.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Literal

from engine.clock import LOCAL_TZ

from .hours import OfficeHours
from .schedule import YearSchedule

LimitUnit = Literal["working_days", "hours"]
LIMIT_UNITS: tuple[str, ...] = ("working_days", "hours")

_ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class WorkdayResult:
    """A date found by counting working days, and whether every day counted was official."""

    date: date
    official: bool


@dataclass(frozen=True)
class DeadlineResult:
    """A moment found by counting office time (aware, in the calendar's zone)."""

    due_at: datetime
    official: bool


class WorkCalendar:
    """Working days and office time for one jurisdiction.

    ``schedules`` are the years known, by year: the shipped years with the administrator's
    overrides already laid over them (``{**load_shipped_years(), **overrides}``).
    ``extra_holidays`` / ``extra_workdays`` are regional days that take precedence over the
    national schedule. Times are computed in ``tz`` (Beijing time) and returned in it.
    """

    def __init__(
        self,
        schedules: Mapping[int, YearSchedule],
        extra_holidays: Iterable[date] = frozenset(),
        extra_workdays: Iterable[date] = frozenset(),
        office_hours: OfficeHours | None = None,
        tz: tzinfo = LOCAL_TZ,
    ) -> None:
        for year, schedule in schedules.items():
            if schedule.year != year:
                raise ValueError(f"the schedule filed under {year} is for {schedule.year}")
        self._schedules = dict(schedules)
        self.extra_holidays = frozenset(extra_holidays)
        self.extra_workdays = frozenset(extra_workdays)
        both = sorted(self.extra_holidays & self.extra_workdays)
        if both:
            raise ValueError(f"regional days both holiday and workday: {both}")
        self.office_hours = office_hours or OfficeHours()
        self.tz = tz

    # -- days ---------------------------------------------------------------------------

    def schedule_for(self, year: int) -> YearSchedule:
        """The year's schedule; an empty, unofficial one when none is loaded."""
        known = self._schedules.get(year)
        if known is not None:
            return known
        source = "no schedule loaded: Monday to Friday are working days"
        return YearSchedule(year, False, frozenset(), frozenset(), source)

    def known_years(self) -> list[int]:
        """The years with a schedule (shipped or loaded), in order."""
        return sorted(self._schedules)

    def is_official_year(self, year: int) -> bool:
        """Whether ``year`` has a schedule marked official (loaded from the notice)."""
        known = self._schedules.get(year)
        return known is not None and known.official

    def is_working_day(self, day: date) -> bool:
        """Weekday and not a holiday, or an adjusted workday.

        In a year with no schedule Monday to Friday count; ``is_official_year`` tells
        whether to believe it.
        """
        if day in self.extra_holidays:
            return False
        if day in self.extra_workdays:
            return True
        schedule = self._schedules.get(day.year)
        if schedule is not None:
            if day in schedule.workdays:
                return True
            if day in schedule.holidays:
                return False
        return day.weekday() < 5

    def add_working_days(self, start: date, n: int) -> WorkdayResult:
        """The ``n``-th working day strictly after ``start`` (the acceptance day never counts).

        ``n == 0`` returns ``start`` itself (nothing counted, so nothing unofficial either);
        a negative ``n`` is an error.
        """
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            raise ValueError(f"working days to add must be a whole number ≥ 0, not {n!r}")
        day, counted = start, 0
        while counted < n:
            day += _ONE_DAY
            if self.is_working_day(day):
                counted += 1
        official = n == 0 or self._official_between(start + _ONE_DAY, day)
        return WorkdayResult(day, official)

    def working_days_between(self, start: date, end: date) -> int:
        """Working days in ``(start, end]``; negative when ``end`` is before ``start``.

        The inverse of :meth:`add_working_days`: ``working_days_between(s, add(s, n).date)``
        is ``n``.
        """
        if end < start:
            return -self.working_days_between(end, start)
        count, day = 0, start
        while day < end:
            day += _ONE_DAY
            count += self.is_working_day(day)
        return count

    # -- office time --------------------------------------------------------------------

    def add_working_hours(self, start: datetime, hours: float) -> DeadlineResult:
        """The moment when ``hours`` of office time have passed after ``start``."""
        if not _is_real(hours) or hours < 0:
            raise ValueError(f"hours to add must be a number ≥ 0, not {hours!r}")
        return self.add_working_time(start, timedelta(hours=hours))

    def add_working_time(self, start: datetime, duration: timedelta) -> DeadlineResult:
        """The moment when ``duration`` of office time has passed after ``start``.

        Time outside office hours, or on non-working days, does not run: from Saturday
        10:00, one hour ends on Monday at 10:00. A duration that exactly uses up a session
        ends at its close (3 hours from 9:00 is 12:00, not 13:30). Zero returns ``start``.
        """
        if duration < timedelta(0):
            raise ValueError("office time to add must not be negative")
        moment = self.to_local(start)
        if not duration:
            return DeadlineResult(moment, True)
        left, day = duration, moment.date()
        while True:
            if self.is_working_day(day):
                for opens, closes in self.office_hours.sessions(day, self.tz):
                    begin = max(opens, moment)
                    if begin >= closes:
                        continue
                    if left <= closes - begin:
                        due = begin + left
                        return DeadlineResult(due, self._official_between(moment.date(), day))
                    left -= closes - begin
            day += _ONE_DAY

    def working_time_between(self, start: datetime, end: datetime) -> timedelta:
        """Office time of working days between two moments; negative if ``end < start``."""
        if end < start:
            return -self.working_time_between(end, start)
        first, last = self.to_local(start), self.to_local(end)
        total, day = timedelta(0), first.date()
        while day <= last.date():
            if self.is_working_day(day):
                for opens, closes in self.office_hours.sessions(day, self.tz):
                    overlap = min(closes, last) - max(opens, first)
                    if overlap > timedelta(0):
                        total += overlap
            day += _ONE_DAY
        return total

    # -- limits -------------------------------------------------------------------------

    def add_limit(self, start: datetime, amount: float, unit: LimitUnit) -> DeadlineResult:
        """When a limit of ``amount`` ``unit`` started at ``start`` runs out.

        ``"hours"``: ``amount`` hours of office time from ``start``.

        ``"working_days"``: the acceptance day does not count, so the clock starts at the
        midnight after ``start``'s local date and runs ``amount`` × the office day (7 h).
        A whole number N thus ends at the close of business (17:30) of the N-th working
        day after that date; a fraction adds its share of an office day on the next
        working day (0.5 → 3.5 h → 14:00 of the day after the N-th; 0.5 alone from Monday
        → Tuesday 14:00). The due moment never decreases as ``amount`` grows.

        ``official`` is False if any day from the clock start to the due date lies in a
        year without an official schedule.
        """
        duration = self.limit_duration(amount, unit)
        return self.add_working_time(self.counting_starts_at(start, unit), duration)

    def limit_duration(self, amount: float, unit: LimitUnit) -> timedelta:
        """A limit as office time: working days × the office day, or hours."""
        if unit not in LIMIT_UNITS:
            raise ValueError(f"limit unit must be one of {LIMIT_UNITS}, not {unit!r}")
        if not _is_real(amount) or amount <= 0:
            raise ValueError(f"a limit must be a positive number, not {amount!r}")
        if unit == "working_days":
            return self.office_hours.day_length * amount
        return timedelta(hours=amount)

    def counting_starts_at(self, start: datetime, unit: LimitUnit) -> datetime:
        """Where a limit's clock starts: ``start`` for hours, the next midnight for days."""
        moment = self.to_local(start)
        if unit == "working_days":
            return datetime.combine(moment.date() + _ONE_DAY, time(0), self.tz)
        return moment

    # -- zone and officialness --------------------------------------------------------------------

    def to_local(self, moment: datetime) -> datetime:
        """``moment`` in the calendar's zone; a naive datetime is refused, not guessed."""
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ValueError(f"{moment.isoformat()} has no time zone; pass an aware datetime")
        return moment.astimezone(self.tz)

    def _official_between(self, first: date, last: date) -> bool:
        # Days are examined in order, so "some day in an unofficial year" is "some year of
        # the span unofficial".
        return all(self.is_official_year(year) for year in range(first.year, last.year + 1))


def _is_real(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
