"""Unit of work: one command, one transaction, retried when the database says "try again".

A command either changes workflow state, task rows, audit trail and access log together
or changes nothing, and the files it wrote go when it does not commit (``stored_files``).
Lock waits and serialization failures (PostgreSQL 40001/40P01, SQLite "database is
locked") are retried a few times before the caller hears 409.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from . import stored_files
from .db import Database
from .errors import Conflict

T = TypeVar("T")

# serialization failure, deadlock, lock not available, and a unique key taken by a
# concurrent insert (the retry then finds the other row).
_RETRYABLE_SQLSTATES = {"40001", "40P01", "55P03", "23505"}


@contextmanager
def transaction(db: Database) -> Iterator[Session]:
    session = db.write_session()
    try:
        with session.begin():
            try:
                yield session
            except BaseException:
                # Before the rollback lets the next command on the case in.
                stored_files.remove_written(session)
                raise
    except DBAPIError as exc:
        # Files still noted here are those of a commit that failed (a failing command
        # removed its own above).  The database refused the commit: nothing of the
        # command stays, nor its files.  The connection was lost: the command may have
        # committed, and a file without a row is better than a row without its file.
        if not exc.connection_invalidated:
            stored_files.remove_written(session)
        raise
    finally:
        session.close()


#: Run at the start of a report's read on PostgreSQL (see ``read_only``).
_PLAN_FOR_THE_VALUES = text("SELECT set_config('plan_cache_mode', 'force_custom_plan', true)")


@contextmanager
def read_only(db: Database, *, report: bool = False) -> Iterator[Session]:
    """A read.  ``report``: it counts over many rows (the supervisor's overview,
    statistics), so PostgreSQL plans each of its statements for the values given, as it
    would an unprepared one.  The statements stay prepared (engine/db.py), and a
    prepared statement's generic plan, which ignores the values, made the overview 2.5
    times slower over 100,000 open tasks (bench measure 4)."""
    session = db.read_session()
    try:
        if report and not db.is_sqlite:
            session.execute(_PLAN_FOR_THE_VALUES)  # for this transaction only
        yield session
        if not (session.new or session.dirty or session.deleted or session.info):
            # A read that went well ends its transaction with COMMIT, not ROLLBACK:
            # psycopg forgets every prepared statement of its connection on a rollback,
            # and reads are most of the traffic (see engine/db.py).  The session does not
            # expire on commit, so the rows the caller keeps stay loaded.  A read that
            # changed an object or staged an audit event by mistake (its session never
            # flushes on its own) still ends in the rollback below, writing nothing.
            session.commit()
    finally:
        # close(), not rollback(): rollback would expire the loaded rows the caller keeps.
        session.close()


def _retryable(exc: Exception) -> bool:
    if isinstance(exc, StaleDataError):
        return True
    if isinstance(exc, OperationalError) and "locked" in str(exc).lower():
        return True
    if isinstance(exc, DBAPIError):
        sqlstate = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
        return sqlstate in _RETRYABLE_SQLSTATES
    return False


def run_in_transaction(db: Database, work: Callable[[Session], T], *, attempts: int = 4) -> T:
    """Run ``work(session)`` in a fresh transaction, retrying transient conflicts."""
    for attempt in range(1, attempts + 1):
        try:
            with transaction(db) as session:
                return work(session)
        except (StaleDataError, DBAPIError) as exc:
            if not _retryable(exc) or attempt == attempts:
                if _retryable(exc):
                    raise Conflict("the case was changed by someone else; try again") from None
                raise
            time.sleep(0.02 * attempt)
    raise AssertionError("unreachable")
