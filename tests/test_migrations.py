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


def _schema(app) -> dict:  # noqa: ANN001
    """The database's schema as reflected from it: per table its columns (type, null,
    default), primary key, foreign keys, unique constraints and indexes."""
    import sqlalchemy as sa

    from web.extensions import db

    with app.app_context(), db.engine.connect() as connection:
        inspector = sa.inspect(connection)
        return {
            table: {
                "columns": {
                    c["name"]: (str(c["type"]), c["nullable"], str(c.get("default")))
                    for c in inspector.get_columns(table)
                },
                "primary_key": inspector.get_pk_constraint(table)["constrained_columns"],
                "foreign_keys": sorted(
                    (fk["name"], tuple(fk["constrained_columns"]), fk["referred_table"])
                    for fk in inspector.get_foreign_keys(table)
                ),
                "unique": sorted(
                    (u["name"], tuple(u["column_names"]))
                    for u in inspector.get_unique_constraints(table)
                ),
                "indexes": sorted(
                    (i["name"], tuple(i["column_names"]), bool(i["unique"]))
                    for i in inspector.get_indexes(table)
                ),
            }
            for table in sorted(inspector.get_table_names())
        }


def test_downgrade_to_nothing_and_back_rebuilds_the_same_schema(bare_app):  # noqa: ANN001
    from flask_migrate import downgrade, upgrade

    before = _schema(bare_app)
    assert "cases" in before and "alembic_version" in before  # the reflection sees tables
    with bare_app.app_context():
        downgrade(revision="base")
        assert set(_schema(bare_app)) <= {"alembic_version"}  # everything went
        upgrade()
    after = _schema(bare_app)
    for table in before:
        assert after.get(table) == before[table], table
    assert after == before


def test_upgrading_fills_the_instants_that_shown_states_are_read_from(app, api):  # noqa: ANN001
    """Cases already running when migration 0006 lands keep their warning phase: their
    worklist rows and the case get the open deadline's warning instant."""
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import select

    from engine.deadlines.models import DeadlineRow
    from engine.models import Case, TaskRow
    from engine.uow import read_only
    from tests.test_time_limits import accepted_case

    case_id = accepted_case(api)["id"]
    with app.app_context():
        downgrade(revision="0005_worklist_indexes")
        upgrade()
    with read_only(app.extensions["govflow"].db) as session:
        deadlines = {
            d.task_id: d.warning_at
            for d in session.scalars(select(DeadlineRow).where(DeadlineRow.case_id == case_id))
            if d.completed_at is None
        }
        open_rows = session.scalars(
            select(TaskRow).where(TaskRow.case_id == case_id, TaskRow.status == "ready")
        ).all()
        case = session.get(Case, case_id)
        assert open_rows and all(r.warning_at == deadlines[r.id] for r in open_rows)
        promised = session.scalar(
            select(DeadlineRow.warning_at).where(
                DeadlineRow.case_id == case_id, DeadlineRow.name == "promised"
            )
        )
        assert case.warning_at == promised is not None
