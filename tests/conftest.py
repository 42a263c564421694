"""Shared fixtures: a migrated, demo-seeded database per test, on SQLite or PostgreSQL.

The PostgreSQL leg of ``make test`` sets GOVFLOW_TEST_DATABASE_URL; each test then gets
its own schema in that database (dropped afterwards), so tests stay independent without
creating databases.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from engine.config import Settings
from tests.support import Api

# Property tests assert what holds, never how fast: on a loaded CI machine Hypothesis's
# own timing checks would fail a correct run.
hypothesis_settings.register_profile(
    "govflow", deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
hypothesis_settings.load_profile("govflow")

PG_URL = os.environ.get("GOVFLOW_TEST_DATABASE_URL", "")
#: The operator's list of exchange hosts a provider URL may name: the stand-in platforms
#: of the tests listen on loopback (outside checks set the same, API.md).
os.environ.setdefault("GOVFLOW_EXCHANGE_HOSTS", "127.0.0.1,localhost")


def pytest_report_header(config):  # noqa: ANN001, ANN201
    return f"govflow database: {'PostgreSQL ' + PG_URL if PG_URL else 'SQLite'}"


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    if not PG_URL:
        yield f"sqlite:///{tmp_path / 'govflow.sqlite3'}"
        return
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(PG_URL)
    with admin.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    separator = "&" if "?" in PG_URL else "?"
    yield f"{PG_URL}{separator}options={quote(f'-csearch_path={schema}')}"
    with admin.begin() as conn:
        conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
    admin.dispose()


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(data_dir=tmp_path / "data", database_url=database_url, demo=True)


@pytest.fixture
def bare_app(settings: Settings):  # noqa: ANN201
    """The app over a migrated but empty database."""
    from flask_migrate import upgrade

    from web import create_app

    app = create_app(settings, TESTING=True)
    with app.app_context():
        upgrade()
    yield app
    app.extensions["govflow"].close()
    from web.extensions import db

    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def app(bare_app):  # noqa: ANN001, ANN201
    """The app with the demo seeded: departments, users, shared data, both matters."""
    from engine.principal import SYSTEM
    from engine.services.demo import seed_demo

    seed_demo(bare_app.extensions["govflow"], SYSTEM)
    return bare_app


@pytest.fixture
def govflow(app):  # noqa: ANN001, ANN201
    return app.extensions["govflow"]


@pytest.fixture
def api(app) -> Api:  # noqa: ANN001
    return Api(app.test_client())
