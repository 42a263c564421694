"""retention: when a closed case's serialized workflow was dropped

A closed case keeps its record, data, materials, notices, audit trail and access log;
the serialized workflow, which only running needs, is dropped a configurable period
after it closed (``govflow retention run``), and the case says when.

Revision ID: 0019_retention
Revises: 0014_case_parties
"""

import sqlalchemy as sa
from alembic import op

revision = "0019_retention"
down_revision = "0014_case_parties"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("workflow_dropped_at", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("workflow_dropped_at")
