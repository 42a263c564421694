"""Regenerate ``data/<year>.json`` from the ``chinese_calendar`` package (maintainers only).

    .venv/bin/pip install chinese-calendar holidays
    .venv/bin/python -m engine.workcalendar.generate_years            # 2019–2026
    .venv/bin/python -m engine.workcalendar.generate_years 2027       # once a release has it

The run time never imports ``chinese_calendar``: the files written here are the truth, and
an administrator corrects or adds a year through the API. Before adding a new year, compare
it with the State Council notice. A year the library does not cover is refused, never
written empty. When ``holidays`` is installed too, its weekday days off and adjusted
workdays must agree (it lists only named holidays, so weekend days off are not compared).
"""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path
from typing import Any

from .schedule import validate_year_payload

DATA_DIR = Path(__file__).with_name("data")
DEFAULT_YEARS = range(2019, 2027)


def build_payload(year: int) -> dict[str, Any]:
    """The year as ``chinese_calendar`` has it, in the data-file shape."""
    import chinese_calendar

    try:
        chinese_calendar.is_holiday(date(year, 1, 1))
    except NotImplementedError as exc:  # the library's way of saying "no notice known"
        raise SystemExit(f"chinese_calendar has no schedule for {year}: {exc}") from exc
    version = getattr(chinese_calendar, "__version__", "")
    holidays = sorted(d for d in chinese_calendar.holidays if d.year == year)
    workdays = sorted(d for d in chinese_calendar.workdays if d.year == year)
    payload = {
        "year": year,
        "official": True,
        "source": (
            f"国务院办公厅关于{year}年部分节假日安排的通知 (State Council General Office notice"
            f" on the {year} holidays), transcribed by chinese_calendar {version}".rstrip()
        ),
        "holidays": [d.isoformat() for d in holidays],
        "workdays": [d.isoformat() for d in workdays],
    }
    validate_year_payload(payload)  # the same checks an administrator's upload gets
    return payload


def cross_check(payload: dict[str, Any]) -> list[str]:
    """Disagreements with the ``holidays`` package ([] when it is not installed)."""
    try:
        import holidays as holidays_package
    except ImportError:
        return []
    year = payload["year"]
    china = holidays_package.country_holidays("CN", years=year)
    ours_off = {date.fromisoformat(d) for d in payload["holidays"]}
    theirs_off = set(china)
    theirs_work = {d for d in china.weekend_workdays if d.year == year}
    ours_work = {date.fromisoformat(d) for d in payload["workdays"]}
    problems = [f"holidays lists {d} off, chinese_calendar does not" for d in theirs_off - ours_off]
    problems += [
        f"chinese_calendar lists weekday {d} off, holidays does not"
        for d in ours_off - theirs_off
        if d.weekday() < 5
    ]
    if ours_work != theirs_work:
        problems.append(f"adjusted workdays differ on {sorted(ours_work ^ theirs_work)}")
    return sorted(problems)


def write_year(year: int) -> Path:
    payload = build_payload(year)
    for problem in cross_check(payload):
        print(f"warning: {year}: {problem}", file=sys.stderr)
    path = DATA_DIR / f"{year}.json"
    path.write_text(json.dumps(payload, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return path


def main(argv: list[str]) -> None:
    years = [int(arg) for arg in argv] or list(DEFAULT_YEARS)
    for year in years:
        print(write_year(year))


if __name__ == "__main__":
    main(sys.argv[1:])
