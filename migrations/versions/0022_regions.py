"""regions: a case carries the administrative division it is handled in

Revision ID: 0022_regions
Revises: 0016_call_tree
"""

import sqlalchemy as sa
from alembic import op

revision = "0022_regions"
down_revision = "0016_call_tree"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("cases") as batch_op:
        batch_op.add_column(sa.Column("division", sa.String(length=12), nullable=True))
        batch_op.create_index(batch_op.f("ix_cases_division"), ["division"])


def downgrade():
    with op.batch_alter_table("cases") as batch_op:
        batch_op.drop_index(batch_op.f("ix_cases_division"))
        batch_op.drop_column("division")
