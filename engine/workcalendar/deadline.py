"""A case's or task's limit with a stopped clock (pure: no database, no "now" of its own).

Time spent waiting for the applicant's supplement, and on hearings, testing, inspection,
expert review or public notice, is not counted (Administrative Licensing Law art. 45). The
clock stops for the office time that actually passes during a pause: a pause from Friday
16:00 to Monday 10:00 costs 1.5 h + 1 h = 2.5 h, never the weekend.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal, NamedTuple

from .workdays import DeadlineResult, LimitUnit, WorkCalendar

State = Literal["ok", "warning", "overdue", "paused"]
Outcome = Literal["met", "missed"]


class Pause(NamedTuple):
    """A stopped clock; ``end`` is ``None`` while the case still waits."""

    start: datetime
    end: datetime | None = None


class _Timeline(NamedTuple):
    due: DeadlineResult
    stopped: timedelta  # office time the pauses added to the limit


@dataclass(frozen=True)
class DeadlineStatus:
    """The deadline object of the API (``to_dict``) at one moment."""

    kind: LimitUnit
    limit: float
    started_at: datetime
    due_at: datetime
    official: bool
    paused: bool
    paused_days: float
    state: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "limit": self.limit,
            "started_at": self.started_at.isoformat(timespec="seconds"),
            "due_at": self.due_at.isoformat(timespec="seconds"),
            "official": self.official,
            "paused": self.paused,
            "paused_days": self.paused_days,
            "state": self.state,
        }


@dataclass(frozen=True)
class Deadline:
    """``amount`` ``unit`` counted from ``started_at`` on ``calendar``, minus the pauses.

    Every question takes ``now`` (or the completion time): the object never reads a clock.
    """

    calendar: WorkCalendar
    started_at: datetime
    amount: float
    unit: LimitUnit
    pauses: tuple[Pause, ...] = field(default=())

    def __post_init__(self) -> None:
        self.calendar.limit_duration(self.amount, self.unit)  # raises on a bad limit
        # Frozen dataclass: normalise once here (aware, local zone; tuples become Pauses).
        object.__setattr__(self, "started_at", self.calendar.to_local(self.started_at))
        object.__setattr__(self, "pauses", tuple(self._checked(p) for p in self.pauses))

    def _checked(self, pause: tuple[datetime, datetime | None]) -> Pause:
        start, end = pause
        start = self.calendar.to_local(start)
        end = None if end is None else self.calendar.to_local(end)
        if end is not None and end < start:
            raise ValueError(f"a pause ends ({end}) before it starts ({start})")
        return Pause(start, end)

    def due_at(self, now: datetime) -> datetime:
        """The limit's end, moved on by the office time paused up to ``now``."""
        return self._timeline(now).due.due_at

    def is_paused(self, now: datetime) -> bool:
        return any(p.start <= now and (p.end is None or now < p.end) for p in self.pauses)

    def paused_time(self, now: datetime) -> timedelta:
        """Office time by which the pauses up to ``now`` moved the deadline."""
        return self._timeline(now).stopped

    def paused_days(self, now: datetime) -> float:
        """:meth:`paused_time` in working days (office days), rounded to 2 decimals."""
        return round(self.paused_time(now) / self.calendar.office_hours.day_length, 2)

    def remaining(self, now: datetime) -> timedelta:
        """Office time left at ``now``; negative once overdue. Frozen while paused."""
        return self.calendar.working_time_between(now, self.due_at(now))

    def warning_threshold(
        self, warning_fraction: float = 0.25, warning_min_working_days: float = 1.0
    ) -> timedelta:
        """Remaining office time under which the deadline turns yellow.

        DOMAIN.md's default is "less than 1 working day or 25% left", i.e. whichever comes
        first, so the larger of the two. A fixed day would make any limit of a day or less
        yellow from the start, so the day-based part is capped at half the limit:
        30 wd → 7.5 wd, 3 wd → 1 wd, 2 wd → 1 wd, 1 wd → 0.5 wd, 0.5 wd → 0.25 wd, 4 h → 2 h.
        """
        limit = self.calendar.limit_duration(self.amount, self.unit)
        day = self.calendar.office_hours.day_length
        return max(limit * warning_fraction, min(day * warning_min_working_days, limit / 2))

    def state(
        self,
        now: datetime,
        warning_fraction: float = 0.25,
        warning_min_working_days: float = 1.0,
    ) -> State:
        """``overdue`` after the due moment, else ``paused`` while waiting, else
        ``warning`` when less than :meth:`warning_threshold` is left, else ``ok``.

        A pause that begins after the time has run out does not revive the limit, so such
        a case stays ``overdue``.
        """
        due = self.due_at(now)
        if now > due:
            return "overdue"
        if self.is_paused(now):
            return "paused"
        remaining = self.calendar.working_time_between(now, due)
        threshold = self.warning_threshold(warning_fraction, warning_min_working_days)
        return "warning" if remaining < threshold else "ok"

    def done(self, completed_at: datetime) -> Outcome:
        """``met`` when completed by the due moment (close of business counts), else
        ``missed``."""
        return "met" if completed_at <= self.due_at(completed_at) else "missed"

    def status(
        self,
        now: datetime,
        completed_at: datetime | None = None,
        warning_fraction: float = 0.25,
        warning_min_working_days: float = 1.0,
    ) -> DeadlineStatus:
        """Everything the API shows; a completed deadline is judged at ``completed_at``."""
        timeline = self._timeline(now if completed_at is None else completed_at)
        if completed_at is not None:
            state: str = self.done(completed_at)
        else:
            state = self.state(now, warning_fraction, warning_min_working_days)
        return DeadlineStatus(
            kind=self.unit,
            limit=self.amount,
            started_at=self.started_at,
            due_at=timeline.due.due_at,
            official=timeline.due.official,
            paused=completed_at is None and self.is_paused(now),
            paused_days=round(timeline.stopped / self.calendar.office_hours.day_length, 2),
            state=state,
        )

    def timeline(self, now: datetime) -> tuple[DeadlineResult, timedelta]:
        """The due moment and the office time the pauses added, in one pass (what callers
        that need several answers at once should ask)."""
        found = self._timeline(now)
        return found.due, found.stopped

    def _timeline(self, now: datetime) -> _Timeline:
        calendar = self.calendar
        clock_start = calendar.counting_starts_at(self.started_at, self.unit)
        limit = calendar.limit_duration(self.amount, self.unit)
        due = calendar.add_working_time(clock_start, limit)
        stopped = timedelta(0)
        for begin, end in _merged(self.pauses, clock_start, now):
            if begin >= due.due_at:
                break  # the time had run out before this pause: it cannot revive the limit
            lost = calendar.working_time_between(begin, end)
            moved = calendar.add_working_time(due.due_at, lost)
            due = DeadlineResult(moved.due_at, due.official and moved.official)
            stopped += lost
        return _Timeline(due, stopped)


def _merged(
    pauses: tuple[Pause, ...], clock_start: datetime, now: datetime
) -> list[tuple[datetime, datetime]]:
    """Pauses clipped to ``[clock_start, now]``, sorted, overlaps joined.

    Overlapping pauses (a hearing while the applicant is also asked for a document) stop
    the clock once. A pause before the clock starts (on the acceptance day of a
    working-day limit) costs nothing: that day was never counted.
    """
    clipped = sorted(
        (max(p.start, clock_start), now if p.end is None else min(p.end, now)) for p in pauses
    )
    merged: list[tuple[datetime, datetime]] = []
    for begin, end in clipped:
        if end <= begin:
            continue
        if merged and begin <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((begin, end))
    return merged
