"""sharing requests: a designer asks a provider's department to accept a purpose

Revision ID: 0024_sharing
Revises: 0026_results
"""

import sqlalchemy as sa
from alembic import op

revision = "0024_sharing"
down_revision = "0026_results"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "sharing_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("provider", sa.String(length=40), nullable=False),
        sa.Column("purpose", sa.String(length=200), nullable=False),
        sa.Column("matter", sa.String(length=200), nullable=False),
        sa.Column("department_code", sa.String(length=40), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("requested_by", sa.String(length=80), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("decided_by", sa.String(length=80), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sharing_requests")),
    )
    op.create_index(
        op.f("ix_sharing_requests_matter"), "sharing_requests", ["matter"], unique=False
    )
    op.create_index(
        op.f("ix_sharing_requests_department_code"),
        "sharing_requests",
        ["department_code"],
        unique=False,
    )
    op.create_index(
        "uq_sharing_requests_open",
        "sharing_requests",
        ["provider", "purpose"],
        unique=True,
        sqlite_where=sa.text("status = 'open'"),
        postgresql_where=sa.text("status = 'open'"),
    )


def downgrade():
    op.drop_index("uq_sharing_requests_open", table_name="sharing_requests")
    op.drop_index(op.f("ix_sharing_requests_department_code"), table_name="sharing_requests")
    op.drop_index(op.f("ix_sharing_requests_matter"), table_name="sharing_requests")
    op.drop_table("sharing_requests")
