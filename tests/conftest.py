"""Shared fixtures: a migrated, demo-seeded database per test, on SQLite or PostgreSQL.

Every test gets a database of its own, so tests stay independent.  Migrating and seeding
it anew for each of them cost most of the suite's time, so both are done once per session
into templates, and each test starts from a copy (tests/database_templates.py): a SQLite
file copy, or on PostgreSQL ``CREATE DATABASE ... TEMPLATE``.

The PostgreSQL leg of ``make test`` sets GOVFLOW_TEST_DATABASE_URL; each test then gets a
database of its own on that server (dropped afterwards).  A role that may not create
databases gets a schema per test instead, migrated and seeded per test as before.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from engine import passwords
from engine.config import Settings
from tests import database_templates
from tests.support import Api

# Property tests assert what holds, never how fast: on a loaded CI machine Hypothesis's
# own timing checks would fail a correct run.
hypothesis_settings.register_profile(
    "govflow", deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
hypothesis_settings.load_profile("govflow")

# The suite signs in hundreds of times: scrypt's memory-hard default cost (tens of ms a
# hash) was a fifth of its CPU time.  The hashes made here name their cost, so a server
# process a test starts checks them as made (tests/test_passwords.py).
passwords.set_cost(16, 8, 1)

PG_URL = os.environ.get("GOVFLOW_TEST_DATABASE_URL", "")
#: The operator's list of exchange hosts a provider URL may name: the stand-in platforms
#: of the tests listen on loopback (outside checks set the same, API.md).
os.environ.setdefault("GOVFLOW_EXCHANGE_HOSTS", "127.0.0.1,localhost")


def pytest_report_header(config):  # noqa: ANN001, ANN201
    return f"govflow database: {'PostgreSQL ' + PG_URL if PG_URL else 'SQLite'}"


@pytest.fixture(scope="session")
def database_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    """Where the tests' databases live, with the session's two templates (migrated, and
    migrated and seeded), built on first use."""
    server = database_templates.server(PG_URL, tmp_path_factory.mktemp("templates"))
    yield server
    server.close()


@pytest.fixture
def database_url(
    tmp_path: Path,
    database_server,  # noqa: ANN001
    request: pytest.FixtureRequest,
) -> Iterator[str]:
    """A database of the test's own: a copy of the seeded template when the test asks for
    ``app``, of the migrated one when it asks for ``bare_app``, else empty."""
    names = request.fixturenames
    content = "seeded" if "app" in names else "migrated" if "bare_app" in names else "empty"
    with database_server.database(tmp_path, content) as url:
        yield url


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(data_dir=tmp_path / "data", database_url=database_url, demo=True)


@pytest.fixture
def bare_app(settings: Settings, database_server, request: pytest.FixtureRequest):  # noqa: ANN001, ANN201
    """The app over a migrated but empty database (seeded already when the test also asks
    for ``app``: the same database either way by the time the test runs)."""
    from web import create_app

    seeded = "app" in request.fixturenames
    app = create_app(settings, TESTING=True)
    if not database_server.copies_templates:  # a schema per test: migrated and seeded here
        database_templates.migrate(app)
        if seeded:
            database_templates.seed(app)
    app.config["GOVFLOW_TEST_SEEDED"] = seeded
    yield app
    app.extensions["govflow"].close()
    from web.extensions import db

    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def app(bare_app):  # noqa: ANN001, ANN201
    """The app with the demo seeded: departments, users, shared data, both matters."""
    if not bare_app.config["GOVFLOW_TEST_SEEDED"]:  # asked for only by getfixturevalue
        database_templates.seed(bare_app)
        bare_app.config["GOVFLOW_TEST_SEEDED"] = True
    return bare_app


@pytest.fixture
def govflow(app):  # noqa: ANN001, ANN201
    return app.extensions["govflow"]


@pytest.fixture
def api(app) -> Api:  # noqa: ANN001
    return Api(app.test_client())
