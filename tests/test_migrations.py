"""Alembic owns the schema: the migrations build exactly what the models declare."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from engine.schema import metadata


def test_the_migrations_create_what_the_models_declare(app):  # noqa: ANN001
    from web.extensions import db

    with app.app_context(), db.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), metadata)
    assert diff == []


def test_downgrade_to_nothing_and_back(bare_app):  # noqa: ANN001
    from flask_migrate import downgrade, upgrade

    with bare_app.app_context():
        downgrade(revision="base")
        upgrade()
