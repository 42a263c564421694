"""Database engines and sessions for SQLite and PostgreSQL.

Commands need the case exclusively.  PostgreSQL gives us ``SELECT ... FOR UPDATE``;
SQLite has no row locks, so a command's transaction starts with ``BEGIN IMMEDIATE``, which
takes the database write lock up front instead of failing on the first write when another
writer got there first.  Reads use a plain (deferred) transaction so worklists never wait
for a command.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from .private_files import private_sqlite_file


def _configure_sqlite(engine: Engine, *, immediate: bool) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):  # noqa: ANN001 - DB-API objects
        # Let SQLAlchemy's "begin" event issue BEGIN itself (pysqlite's own is deferred).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        # In WAL mode NORMAL keeps every commit atomic and the database consistent after a
        # crash; it skips the fsync per commit (a power cut may lose the last commits).
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):  # noqa: ANN001
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def make_engine(url: str, *, immediate: bool = False) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})
        _configure_sqlite(engine, immediate=immediate)
        return engine
    engine = create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5)
    _configure_postgresql(engine)
    return engine


#: How many statements each PostgreSQL connection keeps prepared.  psycopg prepares a
#: statement on its fifth run on a connection and keeps the 100 most recent; the app runs
#: a few hundred distinct statements, and a statement that falls out of the cache is
#: parsed and planned afresh for its next five runs.  psycopg also forgets them all on a
#: ROLLBACK, which is why reads end with COMMIT (engine/uow.py, ``read_only``).  Parsing
#: and planning were half of PostgreSQL's CPU under bench measure 2.
PREPARED_STATEMENTS_PER_CONNECTION = 300


def _configure_postgresql(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):  # noqa: ANN001 - DB-API objects
        dbapi_connection.prepared_max = PREPARED_STATEMENTS_PER_CONNECTION


@dataclass
class Database:
    """The two session factories of one database: commands (write) and queries (read)."""

    url: str
    write_engine: Engine
    read_engine: Engine
    #: Given to every command's session as ``Session.info`` (what the composition root
    #: wants code deep in a command to know without passing it down every call).
    session_info: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def connect(cls, url: str) -> Database:
        if url.startswith("sqlite"):
            private_sqlite_file(url)
            return cls(url, make_engine(url, immediate=True), make_engine(url))
        engine = make_engine(url)
        return cls(url, engine, engine)

    @property
    def is_sqlite(self) -> bool:
        return self.url.startswith("sqlite")

    def __post_init__(self) -> None:
        # Each factory is made once: ``sessionmaker`` defines a new Session subclass, and
        # one per command cost a class (with its event dispatch) for the collector to
        # sweep at every command.  Sessions copy ``session_info`` as they are made, so
        # what the composition root adds to it later still reaches them.
        self._write_sessions = sessionmaker(
            self.write_engine, expire_on_commit=False, info=self.session_info
        )
        # No autoflush: a read never writes, so a change made by mistake stays pending,
        # where ``uow.read_only`` sees it and rolls back instead of committing.
        self._read_sessions = sessionmaker(
            self.read_engine, expire_on_commit=False, autoflush=False
        )

    def write_session(self) -> Session:
        return self._write_sessions()

    def read_session(self) -> Session:
        return self._read_sessions()

    def dispose(self) -> None:
        self.write_engine.dispose()
        if self.read_engine is not self.write_engine:
            self.read_engine.dispose()
