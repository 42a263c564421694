"""scheduler heartbeat: each scheduler process stamps its row on every tick

`/api/health` and the supervisors' red banner read the latest stamp: a scheduler that has
not ticked for a minute is dead or stuck (kill -9 leaves no other trace).

Revision ID: 0009_scheduler_heartbeat
Revises: 0006_derived_deadline_states
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_scheduler_heartbeat"
down_revision = "0006_derived_deadline_states"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "scheduler_heartbeats",
        sa.Column("process", sa.String(length=200), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ticked_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("process", name=op.f("pk_scheduler_heartbeats")),
    )


def downgrade():
    op.drop_table("scheduler_heartbeats")
