"""Office hours: the part of a working day during which an hour-based limit runs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

Period = tuple[time, time]


@dataclass(frozen=True)
class OfficeHours:
    """A morning and an afternoon session; the lunch break between them does not count.

    The default is the common window schedule of government service centres (9:00–12:00,
    13:30–17:30: 7 hours a day). Half a working day (``0.5wd``) is half of ``day_length``.
    """

    morning: Period = (time(9), time(12))
    afternoon: Period = (time(13, 30), time(17, 30))

    def __post_init__(self) -> None:
        for name, (opens, closes) in (("morning", self.morning), ("afternoon", self.afternoon)):
            if opens.tzinfo or closes.tzinfo:
                raise ValueError(f"{name} office hours are local times without a zone")
            if not opens < closes:
                raise ValueError(f"{name} office hours must open before they close")
        if self.afternoon[0] < self.morning[1]:
            raise ValueError("the afternoon session must not start before the morning ends")

    @property
    def periods(self) -> tuple[Period, Period]:
        return (self.morning, self.afternoon)

    @property
    def day_length(self) -> timedelta:
        """Office time in one working day (7 hours by default)."""
        return sum((_span(opens, closes) for opens, closes in self.periods), timedelta())

    @property
    def close(self) -> time:
        """Close of business: a limit of whole working days ends at this time."""
        return self.afternoon[1]

    def sessions(self, day: date, tz: tzinfo) -> list[tuple[datetime, datetime]]:
        """The office sessions of ``day`` as aware datetimes in ``tz``.

        Whether ``day`` is a working day at all is the calendar's question, not this one's.
        """
        return [
            (datetime.combine(day, opens, tz), datetime.combine(day, closes, tz))
            for opens, closes in self.periods
        ]


def _span(opens: time, closes: time) -> timedelta:
    today = date.min
    return datetime.combine(today, closes) - datetime.combine(today, opens)
