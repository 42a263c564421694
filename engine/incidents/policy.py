"""How often and when a failing step is tried again (``Settings.step_attempts`` and
``Settings.step_retry_seconds``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True)
class RetryPolicy:
    #: Attempts in all, the first included; after the last failure comes the incident.
    attempts: int = 3
    #: The pause after the first failure; each further pause is twice the one before
    #: (15 s: tried at 0, 15 and 45 s — an incident within about a minute).
    first_pause_seconds: float = 15.0

    def pause_after(self, failures: int) -> timedelta:
        """The pause before the next attempt, ``failures`` attempts having failed."""
        return timedelta(seconds=self.first_pause_seconds * 2 ** max(failures - 1, 0))

    def exhausted(self, failures: int) -> bool:
        return failures >= self.attempts
