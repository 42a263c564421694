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
