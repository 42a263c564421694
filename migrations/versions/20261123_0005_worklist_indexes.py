"""worklist indexes: a department's queue as one index range; GIN on the rare other
candidates (PostgreSQL)

Revision ID: 0005_worklist_indexes
Revises: 0004_clerk_verbs
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0005_worklist_indexes"
down_revision = "0004_clerk_verbs"
branch_labels = None
depends_on = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
# A clerk's worklist asks "is this task in my department's queue, or offered to me?":
# `department_code = 'tax'` (an ordered index range that covers id and kind) or, for the rare
# task offered to several departments or people, `other_groups @> '["tax"]'` and
# `candidate_users @> '["name"]'`, which GIN indexes answer on PostgreSQL. (SQLite gets
# plain indexes of the same names, so the schema is the same on both databases.)
_GIN = {"other_groups": "ix_task_rows_other_groups",
        "candidate_users": "ix_task_rows_candidate_users"}


def upgrade():
    with op.batch_alter_table("task_rows") as batch_op:
        batch_op.add_column(sa.Column("other_groups", _JSON, nullable=False, server_default="[]"))
    for column, name in _GIN.items():
        op.create_index(name, "task_rows", [column], postgresql_using="gin",
                        postgresql_ops={column: "jsonb_path_ops"})
    op.create_index("ix_task_rows_status_due_at", "task_rows", ["status", "due_at"])
    op.create_index("ix_task_rows_queue", "task_rows",
                    ["department_code", "status", "due_at", "created_at"],
                    postgresql_include=["id", "kind"])


def downgrade():
    op.drop_index("ix_task_rows_queue", table_name="task_rows")
    op.drop_index("ix_task_rows_status_due_at", table_name="task_rows")
    for name in _GIN.values():
        op.drop_index(name, table_name="task_rows")
    with op.batch_alter_table("task_rows") as batch_op:
        batch_op.drop_column("other_groups")
