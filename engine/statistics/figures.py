"""The figures of a period, from the summed rollup: counts as they are, rates and the
average and median time.  docs/STATISTICS.md gives each formula in words."""

from __future__ import annotations

from typing import Any

#: The figures, in the order the API, the export and the dashboard show them.
FIGURES = (
    "cases_started",
    "cases_accepted",
    "cases_refused",
    "cases_completed",
    "completed_on_time",
    "completed_on_time_rate",
    "completed_within_statutory",
    "completed_within_statutory_rate",
    "average_working_days",
    "median_working_days",
    "same_day",
    "same_day_rate",
    "supplement_rate",
    "return_rate",
    "materials_required",
    "materials_shared",
    "materials_uploaded",
    "materials_exempt_rate",
    "trips",
    "trips_per_case",
    "ratings",
    "good_rating_rate",
    "rectifications",
    "rectified_in_time",
    "rectified_in_time_rate",
)


def rate(part: int, whole: int) -> float | None:
    """``part / whole`` rounded to 4 places; None when nothing was counted (a rate of
    nothing is not 0)."""
    return round(part / whole, 4) if whole else None


def median(histogram: dict[int, int]) -> float | None:
    """The median of values given as ``{value: how many}``."""
    total = sum(histogram.values())
    if not total:
        return None
    ordered = sorted(histogram.items())

    def nth(n: int) -> int:  # 0-based
        seen = 0
        for value, count in ordered:
            seen += count
            if n < seen:
                return value
        raise AssertionError("unreachable")

    if total % 2:
        return float(nth(total // 2))
    return (nth(total // 2 - 1) + nth(total // 2)) / 2


def figures(sums: dict[str, int], durations: dict[int, int] | None = None) -> dict[str, Any]:
    """The figures of summed ``DailyFigures`` counters (and the durations histogram)."""
    s = {name: int(value or 0) for name, value in sums.items()}
    concluded = s.get("concluded", 0)
    timed = s.get("timed", 0)
    return {
        "cases_started": s.get("started", 0),
        "cases_accepted": s.get("accepted", 0),
        "cases_refused": s.get("refused", 0),
        "cases_completed": concluded,
        "completed_on_time": s.get("within_promised", 0),
        "completed_on_time_rate": rate(s.get("within_promised", 0), concluded),
        "completed_within_statutory": s.get("within_statutory", 0),
        "completed_within_statutory_rate": rate(s.get("within_statutory", 0), concluded),
        "average_working_days": round(s.get("working_days", 0) / timed, 2) if timed else None,
        "median_working_days": median(durations or {}),
        "same_day": s.get("same_day", 0),
        "same_day_rate": rate(s.get("same_day", 0), timed),
        "supplement_rate": rate(s.get("supplemented", 0), concluded),
        "return_rate": rate(s.get("returned", 0), concluded),
        "materials_required": s.get("materials_required", 0),
        "materials_shared": s.get("materials_shared", 0),
        "materials_uploaded": s.get("materials_uploaded", 0),
        "materials_exempt_rate": rate(s.get("materials_shared", 0), s.get("materials_required", 0)),
        "trips": s.get("trips", 0),
        "trips_per_case": round(s.get("trips", 0) / concluded, 2) if concluded else None,
        "ratings": s.get("rated", 0),
        "good_rating_rate": rate(s.get("rated_good", 0), s.get("rated", 0)),
        "rectifications": s.get("rectifications", 0),
        "rectified_in_time": s.get("rectified_in_time", 0),
        "rectified_in_time_rate": rate(s.get("rectified_in_time", 0), s.get("rectifications", 0)),
    }
