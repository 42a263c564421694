"""time limits, calendar overrides, deadlines and timers (issue: time limits)

Revision ID: 0002_time_limits
Revises: ec99e4a5baaf
"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "0002_time_limits"
down_revision = "ec99e4a5baaf"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
