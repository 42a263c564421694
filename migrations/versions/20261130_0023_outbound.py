"""outbound: e-mail addresses of users, and the deliveries of notifications

Revision ID: 0023_outbound
Revises: 0017_jobs
"""

import sqlalchemy as sa
from alembic import op

revision = "0023_outbound"
down_revision = "0017_jobs"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("email", sa.String(length=254), nullable=True))
    op.create_table(
        "deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "notification_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=False,
        ),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("job_id", sa.Integer(), nullable=True),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("recipient", sa.String(length=254), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("settled_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["notification_id"],
            ["notifications.id"],
            name=op.f("fk_deliveries_notification_id_notifications"),
        ),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_deliveries_case_id_cases")),
        sa.ForeignKeyConstraint(["job_id"], ["jobs.id"], name=op.f("fk_deliveries_job_id_jobs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deliveries")),
    )
    for column in ("notification_id", "case_id", "job_id", "status"):
        op.create_index(op.f(f"ix_deliveries_{column}"), "deliveries", [column])


def downgrade():
    for column in ("status", "job_id", "case_id", "notification_id"):
        op.drop_index(op.f(f"ix_deliveries_{column}"), table_name="deliveries")
    op.drop_table("deliveries")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("email")
