"""One year's holiday schedule: the days off and the adjusted weekend workdays (调休上班).

The State Council publishes each year's arrangement late in the previous year. The shipped
years live in ``data/<year>.json`` (generated once by ``generate_years.py``); an
administrator loads or corrects a year through the API, and the caller overlays those
overrides on the shipped years before building a :class:`~.workdays.WorkCalendar`.

Why no holiday library decides a year at run time
-------------------------------------------------
A statutory deadline must rest on the published notice, and for a year nobody has
confirmed there is none. Checked on 2026-11-23 with the versions in the venv:

* ``chinese_calendar`` 1.11.0 covers 2004–2026 and raises ``NotImplementedError`` for
  2027. It is correct as far as it goes, which is why it generated the shipped files, but
  it cannot answer for the next year.
* ``holidays`` 0.109 answers ``CN`` 2027 without complaint, with 19 dates it derives from
  rules rather than from a notice: 2027-02-09/10 "Spring Festival (observed)", 2027-05-03/04
  "Labor Day (observed)", 2027-10-04/05 "National Day (observed)" and so on. Its
  ``weekend_workdays`` has no 2027 date at all, so every Saturday that the real notice will
  turn into a workday would wrongly be a day off. For 2019–2026, where it has the notices,
  it agrees with ``chinese_calendar`` on every weekday off and every adjusted workday (the
  generator cross-checks this), but it lists only the named holidays, not every day off.

So a year without a loaded schedule falls back to "Monday to Friday" and every answer that
touches it says ``official=False``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources
from typing import Any

#: A schedule lists every day off; even the longest real year (2020, with the epidemic
#: extension of the Spring Festival) has about 30, so more than this is a mistake.
MAX_HOLIDAYS = 60
#: Years an administrator may load: the PRC holiday system exists from 1949; beyond 2200 a
#: year is a typo.
MIN_YEAR, MAX_YEAR = 1949, 2200

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATA_PACKAGE = "engine.workcalendar.data"


class ScheduleError(ValueError):
    """A year payload that cannot be loaded; ``problems`` lists every defect at once."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class YearSchedule:
    """The official (or provisional, ``official=False``) holiday arrangement of one year.

    ``holidays`` holds every day off in the notice, weekend days included;
    ``workdays`` the Saturdays and Sundays that are worked instead (调休上班).
    """

    year: int
    official: bool
    holidays: frozenset[date]
    workdays: frozenset[date]
    source: str = ""

    @classmethod
    def from_dict(cls, payload: Mapping[str, Any]) -> YearSchedule:
        """The schedule in ``payload`` (the JSON shape of the data files and the API)."""
        return validate_year_payload(payload)

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape, dates sorted and ISO formatted."""
        return {
            "year": self.year,
            "official": self.official,
            "source": self.source,
            "holidays": [d.isoformat() for d in sorted(self.holidays)],
            "workdays": [d.isoformat() for d in sorted(self.workdays)],
        }


def validate_year_payload(payload: Mapping[str, Any], *, year: int | None = None) -> YearSchedule:
    """Check an administrator's (or a data file's) year and build its schedule.

    ``year``, when given (``PUT /calendar/{year}``), must agree with ``payload["year"]``,
    which may then be left out. ``official`` defaults to true: loading a year normally means
    copying the State Council notice. Raises :class:`ScheduleError` (a ``ValueError``) that
    names every problem found, not just the first.
    """
    if not isinstance(payload, Mapping):
        raise ScheduleError(["the year schedule must be a JSON object"])
    problems: list[str] = []
    the_year = _check_year(payload.get("year", year), year, problems)
    official = payload.get("official", True)
    if not isinstance(official, bool):
        problems.append("'official' must be true or false")
    source = payload.get("source", "")
    if not isinstance(source, str):
        problems.append("'source' must be a string")
    holidays = _parse_dates(payload, "holidays", problems)
    workdays = _parse_dates(payload, "workdays", problems)
    if the_year is not None:
        _check_in_year(the_year, holidays, "holidays", problems)
        _check_in_year(the_year, workdays, "workdays", problems)
    for day in sorted(holidays & workdays):
        problems.append(f"{day} is listed both as a holiday and as a workday")
    for day in sorted(workdays):
        if day.weekday() < 5:
            problems.append(
                f"workday {day} is a {day:%A}: only a Saturday or Sunday can be an adjusted"
                " workday (weekdays are working days anyway)"
            )
    if len(holidays) > MAX_HOLIDAYS:
        problems.append(
            f"{len(holidays)} holidays listed; a year has at most {MAX_HOLIDAYS} days off"
        )
    if problems:
        raise ScheduleError(problems)
    assert the_year is not None  # no problems means the year was valid
    return YearSchedule(the_year, official, frozenset(holidays), frozenset(workdays), source)


def _check_year(value: Any, expected: int | None, problems: list[str]) -> int | None:
    # bool is an int in Python; "year": true is not a year.
    if not isinstance(value, int) or isinstance(value, bool):
        problems.append(f"'year' must be an integer, not {value!r}")
        return None
    if not MIN_YEAR <= value <= MAX_YEAR:
        problems.append(f"year {value} is outside {MIN_YEAR}–{MAX_YEAR}")
        return None
    if expected is not None and value != expected:
        problems.append(f"the payload is for {value} but was sent for {expected}")
        return None
    return value


def _parse_dates(payload: Mapping[str, Any], key: str, problems: list[str]) -> set[date]:
    values = payload.get(key)
    if not isinstance(values, list):
        problems.append(f"'{key}' must be a list of dates (YYYY-MM-DD), use [] for none")
        return set()
    days: set[date] = set()
    for index, value in enumerate(values):
        day = _parse_date(value)
        if day is None:
            problems.append(f"{key}[{index}]: {value!r} is not a date of the form YYYY-MM-DD")
        else:
            days.add(day)
    return days


def _parse_date(value: Any) -> date | None:
    # date.fromisoformat also takes "20260101" and "2026-W01-1"; the contract is YYYY-MM-DD.
    if not isinstance(value, str) or not _ISO_DATE.match(value):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:  # 2026-02-30
        return None


def _check_in_year(year: int, days: Iterable[date], key: str, problems: list[str]) -> None:
    for day in sorted(days):
        if day.year != year:
            problems.append(f"{key}: {day} is not in {year}")


def load_shipped_years() -> dict[int, YearSchedule]:
    """The schedules shipped in ``data/`` by year (a new dict; the schedules are frozen)."""
    return dict(_shipped_years())


@cache
def _shipped_years() -> tuple[tuple[int, YearSchedule], ...]:
    schedules = []
    for entry in resources.files(_DATA_PACKAGE).iterdir():
        if not entry.name.endswith(".json"):
            continue
        schedule = validate_year_payload(json.loads(entry.read_text(encoding="utf-8")))
        if entry.name != f"{schedule.year}.json":
            raise ValueError(f"data file {entry.name} holds the year {schedule.year}")
        schedules.append((schedule.year, schedule))
    return tuple(sorted(schedules))
