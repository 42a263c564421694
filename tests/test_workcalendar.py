"""Working-day calendar: schedules, day and office-time arithmetic, deadlines with pauses."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, time, timedelta
from importlib import resources

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.clock import LOCAL_TZ
from engine.workcalendar import (
    Deadline,
    OfficeHours,
    Pause,
    ScheduleError,
    WorkCalendar,
    YearSchedule,
    load_shipped_years,
    validate_year_payload,
)
from engine.workcalendar.schedule import MAX_HOLIDAYS

BJ = LOCAL_TZ  # the calendar's zone
SHIPPED = load_shipped_years()
CAL = WorkCalendar(SHIPPED)


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """A Beijing-time moment."""
    return datetime(year, month, day, hour, minute, tzinfo=BJ)


def days(first: date, last: date) -> list[date]:
    return [first + timedelta(i) for i in range((last - first).days + 1)]


HOURS = timedelta(hours=1)


# -- shipped schedules --------------------------------------------------------------------


def test_shipped_years_are_2019_to_2026_and_official():
    assert sorted(SHIPPED) == list(range(2019, 2027))
    assert all(s.official and s.source for s in SHIPPED.values())


def test_2026_matches_the_domain_brief():
    s2026 = SHIPPED[2026]
    assert s2026.workdays == {
        date(2026, 1, 4),
        date(2026, 2, 14),
        date(2026, 2, 28),
        date(2026, 5, 9),
        date(2026, 9, 20),
        date(2026, 10, 10),
    }
    assert set(days(date(2026, 10, 1), date(2026, 10, 7))) <= s2026.holidays
    assert set(days(date(2026, 2, 15), date(2026, 2, 23))) <= s2026.holidays


def test_data_files_round_trip_through_year_schedule():
    for entry in resources.files("engine.workcalendar.data").iterdir():
        if entry.name.endswith(".json"):
            payload = json.loads(entry.read_text(encoding="utf-8"))
            assert YearSchedule.from_dict(payload).to_dict() == payload


def test_generator_reproduces_the_shipped_files():
    pytest.importorskip("chinese_calendar")
    from engine.workcalendar.generate_years import build_payload, cross_check

    for year, schedule in SHIPPED.items():
        payload = build_payload(year)
        assert YearSchedule.from_dict(payload) == schedule
        assert cross_check(payload) == []


# -- payload validation -------------------------------------------------------------------


def payload(**changes):
    return {"year": 2027, "holidays": ["2027-01-01"], "workdays": [], **changes}


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (payload(holidays=["2026-12-31"]), "2026-12-31 is not in 2027"),
        (payload(workdays=["2028-01-08"]), "2028-01-08 is not in 2027"),
        (
            payload(holidays=["2027-01-02"], workdays=["2027-01-02"]),
            "2027-01-02 is listed both as a holiday and as a workday",
        ),
        (payload(workdays=["2027-01-04"]), "workday 2027-01-04 is a Monday"),
        (payload(holidays=["2027-13-01"]), "holidays[0]: '2027-13-01' is not a date"),
        (payload(holidays=["2027-02-30"]), "is not a date"),
        (payload(holidays=["20270101"]), "is not a date"),
        (payload(workdays=[20270102]), "workdays[0]: 20270102 is not a date"),
        (
            payload(holidays=[d.isoformat() for d in days(date(2027, 1, 1), date(2027, 3, 2))]),
            f"61 holidays listed; a year has at most {MAX_HOLIDAYS}",
        ),
        (payload(year="2027"), "'year' must be an integer"),
        (payload(year=True), "'year' must be an integer"),
        (payload(year=1800, holidays=[]), "outside"),
        (payload(holidays=None), "'holidays' must be a list"),
        ({"year": 2027, "holidays": []}, "'workdays' must be a list"),
        (payload(official="yes"), "'official' must be true or false"),
        (["2027-01-01"], "must be a JSON object"),
    ],
)
def test_invalid_payloads_are_refused_with_a_clear_message(bad, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        validate_year_payload(bad)


def test_every_problem_is_reported_at_once():
    with pytest.raises(ScheduleError) as caught:
        validate_year_payload(payload(holidays=["2026-01-01", "nonsense"], workdays=["2027-01-05"]))
    assert len(caught.value.problems) == 3


def test_year_in_the_path_must_agree_and_may_stand_in_for_the_payload_year():
    schedule = validate_year_payload({"holidays": [], "workdays": []}, year=2027)
    assert schedule.year == 2027 and schedule.official  # official by default
    with pytest.raises(ValueError, match="payload is for 2027 but was sent for 2028"):
        validate_year_payload(payload(), year=2028)


def test_exactly_sixty_holidays_are_allowed():
    sixty = [d.isoformat() for d in days(date(2027, 1, 1), date(2027, 3, 1))]
    assert len(validate_year_payload(payload(holidays=sixty)).holidays) == 60


# -- working days -------------------------------------------------------------------------


def test_national_day_2026():
    assert CAL.add_working_days(date(2026, 9, 30), 1).date == date(2026, 10, 8)
    assert CAL.add_working_days(date(2026, 10, 8), 2).date == date(2026, 10, 10)  # a Saturday
    assert CAL.is_working_day(date(2026, 10, 10))
    assert not any(CAL.is_working_day(d) for d in days(date(2026, 10, 1), date(2026, 10, 7)))
    assert CAL.add_working_days(date(2026, 9, 30), 1).official


def test_limit_spanning_spring_festival_2026_counts_the_adjusted_saturdays():
    # Feb 13 (Fri) 1, Feb 14 (Sat, worked) 2, Feb 15–23 off, Feb 24–27 3–6,
    # Feb 28 (Sat, worked) 7, Mar 2 (Mon) 8.
    start = date(2026, 2, 12)
    expected = {
        2: date(2026, 2, 14),
        3: date(2026, 2, 24),
        7: date(2026, 2, 28),
        8: date(2026, 3, 2),
    }
    for n, due in expected.items():
        assert CAL.add_working_days(start, n).date == due
    assert CAL.working_days_between(start, date(2026, 3, 2)) == 8
    due = CAL.add_limit(at(2026, 2, 12, 10), 3, "working_days")
    assert due.due_at == at(2026, 2, 24, 17, 30)


def test_zero_days_is_the_start_and_negative_is_an_error():
    assert CAL.add_working_days(date(2026, 10, 3), 0).date == date(2026, 10, 3)
    with pytest.raises(ValueError):
        CAL.add_working_days(date(2026, 10, 3), -1)


def test_a_year_without_schedule_is_weekdays_and_unofficial():
    result = CAL.add_working_days(date(2026, 12, 30), 3)
    # Dec 31 (Thu), then 2027: Jan 1 (Fri) — surely a holiday, but nobody has said so.
    assert result.date == date(2027, 1, 4)
    assert result.official is False
    assert CAL.add_working_days(date(2026, 12, 30), 1).official is True
    assert not CAL.is_official_year(2027)
    assert CAL.schedule_for(2027).to_dict()["holidays"] == []


def test_an_override_makes_2027_official_and_its_holidays_count():
    override = YearSchedule.from_dict(
        {"year": 2027, "holidays": ["2027-01-01", "2027-01-02", "2027-01-03"], "workdays": []}
    )
    calendar = WorkCalendar({**SHIPPED, 2027: override})
    result = calendar.add_working_days(date(2026, 12, 30), 2)
    assert result == type(result)(date(2027, 1, 4), True)
    provisional = WorkCalendar({2027: YearSchedule(2027, False, override.holidays, frozenset())})
    result = provisional.add_working_days(date(2026, 12, 31), 1)
    assert result.date == date(2027, 1, 4) and not result.official


def test_regional_days_take_precedence_over_the_national_schedule():
    regional = WorkCalendar(
        SHIPPED,
        extra_holidays={date(2026, 3, 3), date(2026, 10, 10)},  # even an adjusted Saturday
        extra_workdays={date(2026, 3, 7)},
    )
    assert not regional.is_working_day(date(2026, 3, 3))
    assert not regional.is_working_day(date(2026, 10, 10))
    assert regional.is_working_day(date(2026, 3, 7))
    with pytest.raises(ValueError, match="both holiday and workday"):
        WorkCalendar(SHIPPED, extra_holidays={date(2026, 3, 3)}, extra_workdays={date(2026, 3, 3)})


def test_schedules_must_be_filed_under_their_year():
    with pytest.raises(ValueError, match="filed under 2027"):
        WorkCalendar({2027: SHIPPED[2026]})


# -- office hours -------------------------------------------------------------------------


def test_hours_skip_the_lunch_break():
    assert CAL.add_working_hours(at(2026, 3, 2, 11), 2).due_at == at(2026, 3, 2, 14, 30)
    assert CAL.add_working_hours(at(2026, 3, 2, 9), 3).due_at == at(2026, 3, 2, 12)
    assert CAL.working_time_between(at(2026, 3, 2, 10), at(2026, 3, 2, 14)) == 2.5 * HOURS


def test_hours_skip_the_weekend_and_time_outside_office_hours():
    # Friday 16:30: one hour on Friday, one on Monday.
    assert CAL.add_working_hours(at(2026, 3, 6, 16, 30), 2).due_at == at(2026, 3, 9, 10)
    assert CAL.add_working_hours(at(2026, 3, 7, 10), 1).due_at == at(2026, 3, 9, 10)
    assert CAL.add_working_hours(at(2026, 3, 6, 20), 1).due_at == at(2026, 3, 9, 10)
    assert CAL.working_time_between(at(2026, 3, 6, 16), at(2026, 3, 9, 10)) == 2.5 * HOURS
    assert CAL.working_time_between(at(2026, 3, 9, 10), at(2026, 3, 6, 16)) == -2.5 * HOURS


def test_times_are_computed_and_returned_in_beijing_time():
    result = CAL.add_working_hours(datetime(2026, 3, 2, 1, tzinfo=UTC), 1)  # 09:00 in Beijing
    assert result.due_at == at(2026, 3, 2, 10)
    assert result.due_at.utcoffset() == timedelta(hours=8)
    with pytest.raises(ValueError, match="no time zone"):
        CAL.add_working_hours(datetime(2026, 3, 2, 9), 1)


def test_working_day_limits_end_at_close_of_business_and_fractions_are_office_time():
    monday_10 = at(2026, 3, 2, 10)
    assert CAL.add_limit(monday_10, 1, "working_days").due_at == at(2026, 3, 3, 17, 30)
    assert CAL.add_limit(monday_10, 0.5, "working_days").due_at == at(2026, 3, 3, 14)
    assert CAL.add_limit(monday_10, 2.5, "working_days").due_at == at(2026, 3, 5, 14)
    assert CAL.add_limit(monday_10, 4, "hours").due_at == at(2026, 3, 2, 15, 30)
    national_day = CAL.add_limit(at(2026, 9, 30, 16), 1, "working_days")
    assert national_day.due_at == at(2026, 10, 8, 17, 30) and national_day.official
    assert not CAL.add_limit(at(2026, 12, 31, 9), 1, "working_days").official
    for amount, unit in [(0, "working_days"), (-1, "hours"), (1, "days"), (True, "hours")]:
        with pytest.raises(ValueError):
            CAL.add_limit(monday_10, amount, unit)


def test_office_hours_are_configurable():
    hours = OfficeHours(morning=(time(8, 30), time(12)), afternoon=(time(14), time(18)))
    calendar = WorkCalendar(SHIPPED, office_hours=hours)
    assert hours.day_length == 7.5 * HOURS
    assert calendar.add_limit(at(2026, 3, 2, 10), 1, "working_days").due_at == at(2026, 3, 3, 18)
    with pytest.raises(ValueError):
        OfficeHours(morning=(time(12), time(9)))
    with pytest.raises(ValueError):
        OfficeHours(morning=(time(9), time(14)), afternoon=(time(13), time(17)))


# -- deadlines ----------------------------------------------------------------------------


def test_pause_across_a_weekend_costs_only_the_office_time_paused():
    # 5 wd from Monday 2026-03-02 ends Monday 03-09 17:30. Paused Friday 16:00 → Monday
    # 10:00: Friday 16:00–17:30 (1.5 h) + Monday 9:00–10:00 (1 h) = 2.5 h, weekend free.
    deadline = Deadline(
        CAL, at(2026, 3, 2, 10), 5, "working_days", [(at(2026, 3, 6, 16), at(2026, 3, 9, 10))]
    )
    now = at(2026, 3, 9, 12)
    assert deadline.paused_time(now) == 2.5 * HOURS
    assert deadline.paused_days(now) == 0.36
    assert deadline.due_at(now) == at(2026, 3, 10, 11, 30)
    assert not deadline.is_paused(now)


def test_an_open_pause_stops_the_clock_and_keeps_moving_the_due_moment():
    deadline = Deadline(CAL, at(2026, 3, 2, 10), 5, "working_days", [Pause(at(2026, 3, 4, 10))])
    before = deadline.remaining(at(2026, 3, 4, 10))
    now = at(2026, 3, 5, 12)
    assert deadline.state(now) == "paused" and deadline.is_paused(now)
    assert deadline.paused_time(now) == 9 * HOURS  # Wed 10–12, 13:30–17:30, Thu 9–12
    assert deadline.due_at(now) == at(2026, 3, 11, 11)
    assert deadline.remaining(now) == before == 27 * HOURS
    assert deadline.status(now).to_dict()["paused"] is True


def test_a_pause_after_the_time_ran_out_does_not_revive_the_limit():
    deadline = Deadline(CAL, at(2026, 3, 2, 10), 1, "working_days", [Pause(at(2026, 3, 4, 10))])
    now = at(2026, 3, 5, 12)
    assert deadline.due_at(now) == at(2026, 3, 3, 17, 30)
    assert deadline.state(now) == "overdue"
    assert deadline.paused_days(now) == 0


def test_a_pause_on_the_acceptance_day_costs_nothing():
    # The acceptance day is not counted, so stopping the clock on it changes nothing.
    pauses = [(at(2026, 3, 2, 11), at(2026, 3, 3, 11))]
    deadline = Deadline(CAL, at(2026, 3, 2, 10), 1, "working_days", pauses)
    assert deadline.paused_time(at(2026, 3, 3, 12)) == 2 * HOURS  # only Tuesday 9–11
    assert deadline.due_at(at(2026, 3, 3, 12)) == at(2026, 3, 4, 11)


def test_overlapping_pauses_stop_the_clock_once():
    pauses = [(at(2026, 3, 3, 9), at(2026, 3, 3, 11)), (at(2026, 3, 3, 10), at(2026, 3, 3, 12))]
    deadline = Deadline(CAL, at(2026, 3, 2, 10), 3, "working_days", pauses)
    assert deadline.paused_time(at(2026, 3, 9)) == 3 * HOURS


def test_states_over_a_one_day_limit():
    deadline = Deadline(CAL, at(2026, 3, 2, 10), 1, "working_days")
    assert deadline.warning_threshold() == 3.5 * HOURS  # half a day, not a whole one
    assert deadline.state(at(2026, 3, 2, 10)) == "ok"
    assert deadline.state(at(2026, 3, 3, 14)) == "ok"  # exactly 3.5 h left
    assert deadline.state(at(2026, 3, 3, 14, 1)) == "warning"
    assert deadline.state(at(2026, 3, 3, 17, 30)) == "warning"  # the day is not over yet
    assert deadline.state(at(2026, 3, 3, 17, 31)) == "overdue"
    assert deadline.remaining(at(2026, 3, 4, 10)) == -1 * HOURS
    assert deadline.done(at(2026, 3, 3, 17, 30)) == "met"
    assert deadline.done(at(2026, 3, 3, 17, 31)) == "missed"


@pytest.mark.parametrize(
    ("amount", "unit", "threshold"),
    [
        (30, "working_days", 52.5 * HOURS),  # 25 % of 30 days
        (3, "working_days", 7 * HOURS),  # one working day
        (2, "working_days", 7 * HOURS),
        (0.5, "working_days", 1.75 * HOURS),
        (4, "hours", 2 * HOURS),
    ],
)
def test_warning_threshold(amount, unit, threshold):
    assert Deadline(CAL, at(2026, 3, 2, 10), amount, unit).warning_threshold() == threshold


def test_status_matches_the_api_deadline_object():
    # Paused Tuesday 9:00–16:00 = 3 h + 2.5 h = 5.5 h (0.79 wd); due Tue 17:30 → Wed 16:00.
    pauses = [(at(2026, 3, 3, 9), at(2026, 3, 3, 16))]
    deadline = Deadline(CAL, datetime(2026, 3, 2, 2, tzinfo=UTC), 1, "working_days", pauses)
    done = deadline.status(at(2026, 3, 9), completed_at=at(2026, 3, 4, 10))
    assert done.to_dict() == {
        "kind": "working_days",
        "limit": 1,
        "started_at": "2026-03-02T10:00:00+08:00",
        "due_at": "2026-03-04T16:00:00+08:00",
        "official": True,
        "paused": False,
        "paused_days": 0.79,
        "state": "met",
    }


def test_bad_pauses_are_refused():
    with pytest.raises(ValueError, match="before it starts"):
        Deadline(CAL, at(2026, 3, 2), 1, "hours", [(at(2026, 3, 3), at(2026, 3, 2))])
    with pytest.raises(ValueError, match="no time zone"):
        Deadline(CAL, at(2026, 3, 2), 1, "hours", [(datetime(2026, 3, 3), None)])


# -- properties ---------------------------------------------------------------------------


def _raw_years() -> dict[int, dict]:
    """The data files read without the package's code: an independent oracle."""
    years = {}
    for entry in resources.files("engine.workcalendar.data").iterdir():
        if entry.name.endswith(".json"):
            raw = json.loads(entry.read_text(encoding="utf-8"))
            years[raw["year"]] = {
                "off": {date.fromisoformat(d) for d in raw["holidays"]},
                "on": {date.fromisoformat(d) for d in raw["workdays"]},
            }
    return years


RAW = _raw_years()
ALL_HOLIDAYS = set().union(*(y["off"] for y in RAW.values()))


def oracle_is_working(day: date) -> bool:
    year = RAW.get(day.year, {"off": set(), "on": set()})
    return day in year["on"] or (day.weekday() < 5 and day not in year["off"])


starts = st.dates(min_value=date(2019, 1, 1), max_value=date(2026, 12, 31))
counts = st.integers(min_value=0, max_value=300)


@given(starts, counts)
def test_counting_back_gives_n(start, n):
    assert CAL.working_days_between(start, CAL.add_working_days(start, n).date) == n


@given(starts, st.integers(min_value=1, max_value=300))
def test_result_is_a_working_day_and_never_a_holiday(start, n):
    due = CAL.add_working_days(start, n).date
    assert CAL.is_working_day(due) and oracle_is_working(due)
    assert due not in ALL_HOLIDAYS
    counted = [d for d in days(start + timedelta(1), due) if oracle_is_working(d)]
    assert len(counted) == n and not ALL_HOLIDAYS.intersection(counted)


@given(starts, counts)
def test_monotonic_in_n(start, n):
    assert CAL.add_working_days(start, n + 1).date > CAL.add_working_days(start, n).date


@given(starts, counts)
def test_official_exactly_when_every_counted_year_has_a_schedule(start, n):
    result = CAL.add_working_days(start, n)
    assert result.official == (n == 0 or result.date.year <= 2026)


minutes = st.integers(min_value=0, max_value=60 * 24 * 180)


@given(minutes, st.integers(min_value=0, max_value=60 * 7 * 40))
def test_office_time_added_is_office_time_between(offset, amount):
    start = at(2026, 1, 1) + timedelta(minutes=offset)
    duration = timedelta(minutes=amount)
    due = CAL.add_working_time(start, duration).due_at
    assert CAL.working_time_between(start, due) == duration
    assert due >= start


@given(minutes, st.integers(1, 120), st.integers(1, 120))
def test_limits_grow_with_the_amount(offset, quarters_a, quarters_b):
    start = at(2026, 1, 1) + timedelta(minutes=offset)
    small, large = sorted((quarters_a / 4, quarters_b / 4))
    assert (
        CAL.add_limit(start, small, "working_days").due_at
        <= CAL.add_limit(start, large, "working_days").due_at
    )


pauses = st.lists(st.tuples(st.integers(0, 60 * 24 * 20), st.integers(1, 60 * 24 * 5)), max_size=4)


@given(minutes, st.integers(1, 20), pauses)
def test_counted_time_up_to_due_is_the_limit(offset, amount, gaps):
    """Office time from the clock start to due, less the paused office time before due,
    is exactly the limit — however the pauses fall (weekends, holidays, after the due)."""
    started = at(2026, 1, 1) + timedelta(minutes=offset)
    intervals, cursor = [], started
    for gap, length in gaps:  # disjoint pauses, in order
        begin = cursor + timedelta(minutes=gap)
        cursor = begin + timedelta(minutes=length)
        intervals.append((begin, cursor))
    deadline = Deadline(CAL, started, amount, "working_days", intervals)
    now = cursor + timedelta(days=400)
    due = deadline.due_at(now)
    clock = CAL.counting_starts_at(started, "working_days")
    paused = sum(
        (
            CAL.working_time_between(max(b, clock), min(e, due))
            for b, e in intervals
            if min(e, due) > max(b, clock)
        ),
        timedelta(),
    )
    counted = CAL.working_time_between(clock, due) - paused
    assert counted == CAL.limit_duration(amount, "working_days")
    assert paused == deadline.paused_time(now)
