"""derived deadline states: worklist rows and cases carry the instant they turn yellow

A running limit's state (ok, warning, overdue) is read from its instants at query time
instead of being rewritten by the scheduler; the projections on task rows and cases hold
`warning_at` beside `due_at` for that (filled here from the open deadlines).

Revision ID: 0006_derived_deadline_states
Revises: 0005_worklist_indexes
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_derived_deadline_states"
down_revision = "0005_worklist_indexes"
branch_labels = None
depends_on = None


def upgrade():
    for table in ("task_rows", "cases"):
        with op.batch_alter_table(table) as batch_op:
            batch_op.add_column(sa.Column("warning_at", sa.DateTime(timezone=True), nullable=True))
    op.execute(
        "UPDATE task_rows SET warning_at = (SELECT d.warning_at FROM deadlines d"
        " WHERE d.task_id = task_rows.id AND d.completed_at IS NULL"
        " ORDER BY d.started_at DESC LIMIT 1)"
        " WHERE status IN ('ready', 'claimed')"
    )
    # A case shows its promised limit, or its statutory one when it has none.
    op.execute(
        "UPDATE cases SET warning_at = (SELECT d.warning_at FROM deadlines d"
        " WHERE d.case_id = cases.id AND d.task_id IS NULL"
        " AND d.name IN ('promised', 'statutory')"
        " ORDER BY CASE d.name WHEN 'promised' THEN 0 ELSE 1 END LIMIT 1)"
        " WHERE due_at IS NOT NULL"
    )


def downgrade():
    for table in ("cases", "task_rows"):
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_column("warning_at")
