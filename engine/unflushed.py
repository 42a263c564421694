"""Reading a case's rows in the middle of a command without flushing it first.

SQLAlchemy flushes every pending change before a query so that the query sees it.  A
command reads its case's task rows, deadlines, pauses and returns several times between
changes, and each of those flushes is a unit-of-work pass with its own statements: they
were a third of a command's time.  Instead, a command reads such rows with autoflush off
and overlays what the session holds: the rows it has loaded (the identity map returns
them with their changes, whatever the database still says) and the rows it has added.
A query's filter only decides which *other* rows to load, so it may select too many —
the caller filters the overlaid objects in Python — but never too few: a row whose
unflushed change makes it match is one the command has loaded or added.  Everything is
flushed once, at commit.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import Select
from sqlalchemy.orm import Session

M = TypeVar("M")


def rows(
    session: Session,
    model: type[M],
    query: Select[Any],
    belongs: Callable[[M], bool],
    *,
    none_stored: bool = False,
    params: dict[str, Any] | None = None,
) -> list[M]:
    """``query``'s rows loaded without a flush, plus every ``model`` object the session
    holds for which ``belongs`` is true (loaded or added, changed or not).

    ``none_stored``: the command already knows the database holds no such row (read with
    the lock on its case, ``runtime.executor.case_facts``); only the session is asked.
    ``params``: values for the query's bound parameters (a query built once and reused)."""
    with session.no_autoflush:
        # ``loaded`` keeps them alive in the weak identity map.
        loaded = [] if none_stored else list(session.scalars(query, params))
    seen = {id(o) for o in loaded}
    held = [
        o
        for o in (*session.identity_map.values(), *session.new)
        if isinstance(o, model) and id(o) not in seen and belongs(o)
    ]
    return [o for o in loaded if belongs(o)] + held
