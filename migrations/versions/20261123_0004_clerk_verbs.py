"""clerk verbs, urges, ratings (issue: clerk verbs)

Revision ID: 0004_clerk_verbs
Revises: 0003_shared_data
"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "0004_clerk_verbs"
down_revision = "0003_shared_data"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
