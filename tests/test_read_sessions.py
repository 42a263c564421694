"""A read (``engine.uow.read_only``) never writes, and on PostgreSQL it keeps its
connection's prepared statements: it ends with COMMIT when it changed nothing, because
psycopg forgets every prepared statement on a ROLLBACK (engine/db.py)."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from engine import audit
from engine.db import Database
from engine.models import Department
from engine.principal import SYSTEM
from engine.uow import read_only


def _name_of(govflow, code: str) -> str:  # noqa: ANN001
    with read_only(govflow.db) as session:
        return session.get(Department, code).name_zh


def test_a_read_that_changes_a_row_by_mistake_leaves_the_database_as_it_was(govflow):
    before = _name_of(govflow, "tax")
    with read_only(govflow.db) as session:
        session.get(Department, "tax").name_zh = "被篡改"
        # a query after the change: a session that flushed before querying would have
        # written it already, and the COMMIT at the end would keep it
        session.scalars(select(Department)).all()
    assert _name_of(govflow, "tax") == before


def test_a_read_that_adds_a_row_or_an_audit_event_by_mistake_writes_neither(govflow):
    def departments() -> int:
        with read_only(govflow.db) as session:
            return len(session.scalars(select(Department)).all())

    def events(action: str) -> int:
        with read_only(govflow.db) as session:
            return session.scalar(
                text("SELECT count(*) FROM audit_events WHERE action = :a"), {"a": action}
            )

    count = departments()
    with read_only(govflow.db) as session:
        session.add(Department(code="stray", name_zh="误加", name_en="Stray"))
    with read_only(govflow.db) as session:
        audit.record(session, SYSTEM, "stray_read_event")
    assert departments() == count
    assert events("stray_read_event") == 0


def test_a_read_that_fails_is_rolled_back_and_the_error_reaches_the_caller(govflow):
    with pytest.raises(RuntimeError, match="the read failed"), read_only(govflow.db) as session:
        session.scalars(select(Department)).all()
        raise RuntimeError("the read failed")
    assert _name_of(govflow, "tax")  # the pool hands out a usable connection afterwards


def test_reads_on_postgresql_keep_the_connections_prepared_statements(govflow):
    if govflow.db.is_sqlite:
        pytest.skip("prepared statements are psycopg's (PostgreSQL)")
    # A database of its own, used by one thread: its pool holds exactly one connection,
    # which every read below gets in turn, as a worker thread's reads would.
    db = Database.connect(govflow.db.url)
    marker = "SELECT %(x)s::text AS marker /* read-sessions-test */"
    try:
        seen = set()
        for _ in range(8):  # psycopg prepares a statement on its fifth run on a connection
            with read_only(db) as session:
                raw = session.connection().connection.driver_connection
                seen.add(id(raw))
                raw.execute(marker, {"x": "tax"})
        with read_only(db) as session:
            prepared = (
                session.connection()
                .connection.driver_connection.execute(
                    "SELECT statement FROM pg_prepared_statements"
                )
                .fetchall()
            )
    finally:
        db.dispose()
    assert len(seen) == 1
    assert any("read-sessions-test" in statement for (statement,) in prepared), prepared


def test_a_report_is_planned_for_its_values_and_only_that_transaction(govflow):
    """The supervisor's overview and the statistics count over many rows: their statements
    are planned for the values given (a generic plan made the overview 2.5 times slower),
    while every other read keeps PostgreSQL's own choice, on the same connection."""
    if govflow.db.is_sqlite:
        pytest.skip("plan_cache_mode is PostgreSQL's")
    db = Database.connect(govflow.db.url)  # one connection, read after read
    mode = text("SELECT current_setting('plan_cache_mode')")
    try:
        with read_only(db) as session:
            before = session.scalar(mode)
        with read_only(db, report=True) as session:
            during = session.scalar(mode)
        with read_only(db) as session:
            after = session.scalar(mode)
    finally:
        db.dispose()
    assert (before, during, after) == ("auto", "force_custom_plan", "auto")
