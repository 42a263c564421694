"""worklist indexes: GIN on task candidates (PostgreSQL), due-time order per status

Revision ID: 0005_worklist_indexes
Revises: 0004_clerk_verbs
"""

from alembic import op

revision = "0005_worklist_indexes"
down_revision = "0004_clerk_verbs"
branch_labels = None
depends_on = None

# A clerk's worklist asks "is my department (or my name) among the candidates?" —
# `candidate_groups @> '["tax"]'` on PostgreSQL, which these GIN indexes answer at any
# volume. (SQLite gets a plain index of the same name: unused there, but the schema stays
# the same on both databases.)
_GIN = {"candidate_groups": "ix_task_rows_candidate_groups",
        "candidate_users": "ix_task_rows_candidate_users"}


def upgrade():
    for column, name in _GIN.items():
        op.create_index(name, "task_rows", [column], postgresql_using="gin",
                        postgresql_ops={column: "jsonb_path_ops"})
    op.create_index("ix_task_rows_status_due_at", "task_rows", ["status", "due_at"])


def downgrade():
    op.drop_index("ix_task_rows_status_due_at", table_name="task_rows")
    for name in _GIN.values():
        op.drop_index(name, table_name="task_rows")
