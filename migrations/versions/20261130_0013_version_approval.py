"""version approval: four eyes on a new version of a matter that has cases

A process definition gets a status (``current``, ``superseded``, ``pending_approval``)
and who approved it when.  Existing versions were all live: the newest of each key is
current, the others superseded.

Revision ID: 0013_version_approval
Revises: 0011_incidents
"""

import sqlalchemy as sa
from alembic import op

revision = "0013_version_approval"
down_revision = "0011_incidents"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("process_definitions") as batch:
        batch.add_column(
            sa.Column("status", sa.String(length=20), server_default="current", nullable=False)
        )
        batch.add_column(sa.Column("approved_by", sa.String(length=80), nullable=True))
        batch.add_column(sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True))
    op.execute(
        "UPDATE process_definitions SET status = 'superseded' WHERE version < "
        "(SELECT MAX(p.version) FROM process_definitions p "
        "WHERE p.key = process_definitions.key)"
    )


def downgrade():
    with op.batch_alter_table("process_definitions") as batch:
        batch.drop_column("approved_at")
        batch.drop_column("approved_by")
        batch.drop_column("status")
