"""call tree: the versions of other definitions a case's call activities run

Revision ID: 0016_call_tree
Revises: 0019_retention
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0016_call_tree"
down_revision = "0019_retention"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column(
                "called_versions",
                sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
                nullable=True,
            ))


def downgrade():
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("called_versions")
