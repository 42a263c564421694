"""What each kind of job does, by kind.

A kind registers one ``Handler`` (``register("shared_data.pull", Handler(...))``):

``perform(govflow, job) -> answer``
    The outbound call.  Runs with no transaction open and no case locked; may take as
    long as the remote side does.  Raises ``TryAgain`` for a transient failure (the
    runner retries with backoff); anything it returns is handed to ``apply``.
``apply(govflow, job, answer)``
    Puts the answer into govflow: one command, under the case lock.  Must be idempotent —
    the same answer twice, or an answer for a case that has moved on, changes nothing
    that was already settled.
``give_up(govflow, job, reason)``
    The attempts are spent: apply the fall-back (a pull becomes ``unavailable``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


class TryAgain(Exception):
    """A transient failure of ``perform``: the job is tried again after a pause."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Claimed:
    """A job a runner holds: what the handler sees of it."""

    id: int
    kind: str
    payload: dict[str, Any]
    case_id: int | None
    attempts: int  # this attempt included


@dataclass(frozen=True)
class Handler:
    perform: Callable[[Any, Claimed], Any]
    apply: Callable[[Any, Claimed, Any], None]
    give_up: Callable[[Any, Claimed, str], None]
    #: Attempts in all before ``give_up`` (None: the settings' ``job_attempts``).
    attempts: int | None = None
    #: The kind's own retry settings, read from the settings when a job fails: (attempts
    #: in all, the first pause in seconds); None: ``attempts`` and ``job_retry_seconds``.
    retry: Callable[[Any], tuple[int, float]] | None = None


_HANDLERS: dict[str, Handler] = {}


def register(kind: str, handler: Handler) -> None:
    _HANDLERS[kind] = handler


def handler_for(kind: str) -> Handler | None:
    return _HANDLERS.get(kind)


def kinds() -> tuple[str, ...]:
    return tuple(sorted(_HANDLERS))
