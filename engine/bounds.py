"""Bounds on what a model may make the engine do (docs/PROCESS_AUTHORING.md "Bounds").

A model is data from a designer, not code we review, so what it may cost is bounded:

- a multi-instance activity runs at most ``max_instances`` instances;
- a repeating timer (``timeCycle``) repeats a bounded number of times, at most
  ``max_timer_repetitions``, at least ``min_timer_cycle_seconds`` apart;
- one command runs at most ``max_engine_steps`` automatic steps (run time only);
- a case's serialized state is at most ``max_state_bytes`` (run time only).

What a literal states is refused at deploy (``definitions.bound_checks``, naming the
element and the reason); what an expression computes is checked when it is evaluated
(``script_engine``, under the bounds a command set with ``applied``), and a breach then
fails the step: 422 to the person whose request ran it, an incident when the scheduler
did — never a worker that hangs or grows without end.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition


@dataclass(frozen=True)
class Bounds:
    max_instances: int = 200
    min_timer_cycle_seconds: float = 3600.0
    max_timer_repetitions: int = 1000
    max_engine_steps: int = 500
    max_state_bytes: int = 4 * 1024 * 1024

    @classmethod
    def of(cls, settings: Any) -> Bounds:
        return cls(
            max_instances=settings.max_instances,
            min_timer_cycle_seconds=settings.min_timer_cycle_seconds,
            max_timer_repetitions=settings.max_timer_repetitions,
            max_engine_steps=settings.max_engine_steps,
            max_state_bytes=settings.max_state_bytes,
        )


def cardinality_problem(value: Any, bounds: Bounds) -> str | None:
    """Why a multi-instance cardinality (as evaluated) is not allowed, or None."""
    if isinstance(value, bool) or not isinstance(value, int):
        return f"the loop cardinality must be a whole number, not {type(value).__name__}"
    if value < 0:
        return f"the loop cardinality {value} is negative"
    if value > bounds.max_instances:
        return (
            f"the loop cardinality {value} is over the bound of {bounds.max_instances} "
            "instances (GOVFLOW_MAX_INSTANCES)"
        )
    return None


def cycle_problem(text: str, bounds: Bounds) -> str | None:
    """Why a timer cycle (``R5/PT1H``, ``R3/2024-01-01T09:00:00Z/P1D``) is not allowed,
    or None; a value that is no cycle at all is left to SpiffWorkflow's own check."""
    value = text.strip()
    if not value.upper().startswith("R"):
        return None
    try:
        cycles, _start, duration = TimerEventDefinition.parse_iso_recurring_interval(value)
    except Exception:  # noqa: BLE001 - SpiffWorkflow raises bare exceptions for bad values
        return None
    if cycles < 0:
        return (
            f"the timer cycle '{value}' repeats without end: give a count, e.g. "
            f"R{min(5, bounds.max_timer_repetitions)}/PT{_hours(bounds)}H"
        )
    if cycles > bounds.max_timer_repetitions:
        return (
            f"the timer cycle '{value}' repeats {cycles} times, over the bound of "
            f"{bounds.max_timer_repetitions} (GOVFLOW_MAX_TIMER_REPETITIONS)"
        )
    if isinstance(duration, timedelta) and duration.total_seconds() < (
        bounds.min_timer_cycle_seconds
    ):
        return (
            f"the timer cycle '{value}' repeats every {duration.total_seconds():g} s, more "
            f"often than once per {bounds.min_timer_cycle_seconds:g} s "
            "(GOVFLOW_MIN_TIMER_CYCLE_SECONDS)"
        )
    return None


def _hours(bounds: Bounds) -> int:
    return max(1, int(bounds.min_timer_cycle_seconds // 3600))


_DEFAULT = Bounds()
_current: ContextVar[Bounds | None] = ContextVar("bounds", default=None)


def current() -> Bounds:
    """The bounds of the command running now (the defaults outside one)."""
    return _current.get() or _DEFAULT


@contextmanager
def applied(bounds: Bounds) -> Iterator[Bounds]:
    token = _current.set(bounds)
    try:
        yield bounds
    finally:
        _current.reset(token)
