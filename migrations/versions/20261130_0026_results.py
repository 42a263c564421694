"""audit_events: a partial index for 我委派的 (the steps a clerk transferred or delegated)

Revision ID: 0026_results
Revises: 0023_outbound
"""

import sqlalchemy as sa
from alembic import op

revision = "0026_results"
down_revision = "0023_outbound"
branch_labels = None
depends_on = None

HANDOVERS = "action IN ('task_transferred', 'task_delegated')"


def upgrade():
    op.create_index(
        "ix_audit_events_handovers",
        "audit_events",
        ["actor", "at"],
        postgresql_where=sa.text(HANDOVERS),
        sqlite_where=sa.text(HANDOVERS),
    )


def downgrade():
    op.drop_index("ix_audit_events_handovers", table_name="audit_events")
