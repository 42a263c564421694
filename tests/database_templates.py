"""The tests' databases: each test its own, copied from templates built once a session.

Two templates are built on first use, by the real migrations and the real demo seeding:
``migrated`` (the schema, no rows) and ``seeded`` (the demo on top).  A test's database is a
copy of one of them, or empty:

- SQLite: a file copy (the template was written by SQLite's backup API, so it is whole);
- PostgreSQL: ``CREATE DATABASE ... TEMPLATE`` on the server GOVFLOW_TEST_DATABASE_URL
  names, each database named after this session and dropped after its test.  A role
  without CREATEDB gets the old way instead: a schema per test, migrated (and seeded) by
  the test's own fixtures (``copies_templates`` is then False).

Copying is what makes a test's setup cheap: migrating and seeding took seconds a test.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from urllib.parse import quote

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from engine.config import Settings

CONTENTS = ("empty", "migrated", "seeded")


def migrate(app) -> None:  # noqa: ANN001
    from flask_migrate import upgrade

    with app.app_context():
        upgrade()


def seed(app) -> None:  # noqa: ANN001
    from engine.principal import SYSTEM
    from engine.services.demo import seed_demo

    seed_demo(app.extensions["govflow"], SYSTEM)


def _build(database_url: str, data_dir: Path, snapshot) -> None:  # noqa: ANN001
    """Migrate and seed ``database_url`` as the fixtures used to per test, calling
    ``snapshot(content)`` after each step while the app is still open."""
    from web import create_app
    from web.extensions import db

    app = create_app(
        Settings(data_dir=data_dir, database_url=database_url, demo=True), TESTING=True
    )
    try:
        migrate(app)
        snapshot("migrated")
        seed(app)
        snapshot("seeded")
    finally:
        app.extensions["govflow"].close()
        with app.app_context():
            db.engine.dispose()


def server(pg_url: str, workdir: Path):  # noqa: ANN201
    return PostgresServer(pg_url, workdir) if pg_url else SqliteServer(workdir)


class SqliteServer:
    copies_templates = True

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self._templates: dict[str, Path] | None = None

    def templates(self) -> dict[str, Path]:
        if self._templates is None:
            build = self.workdir / "build.sqlite3"
            templates = {content: self.workdir / f"{content}.sqlite3" for content in CONTENTS[1:]}

            def snapshot(content: str) -> None:
                with (
                    closing(sqlite3.connect(build)) as source,
                    closing(sqlite3.connect(templates[content])) as target,
                ):
                    source.backup(target)

            _build(f"sqlite:///{build}", self.workdir / "data", snapshot)
            self._templates = templates
        return self._templates

    @contextmanager
    def database(self, tmp_path: Path, content: str) -> Iterator[str]:
        path = tmp_path / "govflow.sqlite3"
        if content != "empty":
            # Created 0600 as the app itself would (engine/private_files.py), then filled.
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
            shutil.copyfile(self.templates()[content], path)
        yield f"sqlite:///{path}"

    def close(self) -> None:
        pass


class PostgresServer:
    def __init__(self, url: str, workdir: Path) -> None:
        self.url = url
        self.workdir = workdir
        self.admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
        #: Every database this session makes starts so: a crashed run's are easy to find.
        self.prefix = f"govflow_test_{uuid.uuid4().hex[:8]}"
        with self.admin.connect() as conn:
            self.copies_templates = bool(
                conn.exec_driver_sql(
                    "SELECT rolcreatedb OR rolsuper FROM pg_roles WHERE rolname = current_user"
                ).scalar()
            )
        self._templates: dict[str, str] | None = None

    def _url(self, database: str) -> str:
        return make_url(self.url).set(database=database).render_as_string(hide_password=False)

    def _execute(self, sql: str) -> None:
        with self.admin.connect() as conn:
            conn.exec_driver_sql(sql)

    def templates(self) -> dict[str, str]:
        if self._templates is None:
            build = f"{self.prefix}_build"
            templates = {content: f"{self.prefix}_{content}" for content in CONTENTS[1:]}
            self._execute(f'CREATE DATABASE "{build}"')

            def snapshot(content: str) -> None:
                # A template may have no other connection open: the app's pooled ones are
                # ended (its engines ping before use, so seeding reconnects).
                self._end_sessions(build)
                self._execute(f'CREATE DATABASE "{templates[content]}" TEMPLATE "{build}"')

            try:
                _build(self._url(build), self.workdir / "data", snapshot)
            finally:
                self._drop(build)
            self._templates = templates
        return self._templates

    @contextmanager
    def database(self, tmp_path: Path, content: str) -> Iterator[str]:
        if not self.copies_templates:
            with self._schema() as url:
                yield url
            return
        name = f"{self.prefix}_{uuid.uuid4().hex[:12]}"
        template = "" if content == "empty" else f' TEMPLATE "{self.templates()[content]}"'
        self._execute(f'CREATE DATABASE "{name}"{template}')
        try:
            yield self._url(name)
        finally:
            self._drop(name)

    def _end_sessions(self, database: str) -> None:
        """End this role's sessions on ``database`` (a pool or a server process a test
        left); autovacuum's are the server's, which CREATE and DROP DATABASE end
        themselves (``WITH (FORCE)`` would try to end them too, and may not)."""
        self._execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = "
            f"'{database}' AND usename = current_user AND pid <> pg_backend_pid()"
        )

    def _drop(self, database: str) -> None:
        self._end_sessions(database)
        self._execute(f'DROP DATABASE IF EXISTS "{database}"')

    @contextmanager
    def _schema(self) -> Iterator[str]:
        schema = f"t_{uuid.uuid4().hex[:12]}"
        self._execute(f'CREATE SCHEMA "{schema}"')
        separator = "&" if "?" in self.url else "?"
        try:
            yield f"{self.url}{separator}options={quote(f'-csearch_path={schema}')}"
        finally:
            self._execute(f'DROP SCHEMA "{schema}" CASCADE')

    def close(self) -> None:
        for template in (self._templates or {}).values():
            self._drop(template)
        self.admin.dispose()
