"""shared-data registry, uploads, disputes (issue: shared data)

Revision ID: 0003_shared_data
Revises: 0002_time_limits
"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "0003_shared_data"
down_revision = "0002_time_limits"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
