"""notices: numbered written notices (文书), their counters, applicant notifications,
and extension requests (延期)

Revision ID: 0020_notices
Revises: 0018_statistics
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0020_notices"
down_revision = "0018_statistics"
branch_labels = None
depends_on = None

Json = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade():
    op.create_table(
        "notice_counters",
        sa.Column("department_code", sa.String(length=40), nullable=False),
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last_serial", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("department_code", "year", name=op.f("pk_notice_counters")),
    )
    op.create_table(
        "notices",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("department_code", sa.String(length=40), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("serial", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=100), nullable=False),
        sa.Column("template", sa.String(length=200), nullable=False),
        sa.Column("context", Json, nullable=False),
        sa.Column("page", Json, nullable=False),
        sa.Column("pdf", sa.LargeBinary(), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("issued_by", sa.String(length=80), nullable=False),
        sa.Column("supersedes_id", BigId, nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_notices_case_id_cases")),
        sa.ForeignKeyConstraint(
            ["supersedes_id"], ["notices.id"], name=op.f("fk_notices_supersedes_id_notices")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notices")),
        sa.UniqueConstraint(
            "department_code", "year", "serial", name="uq_notices_department_year_serial"
        ),
    )
    op.create_index(op.f("ix_notices_case_id"), "notices", ["case_id"])
    with op.batch_alter_table("notifications") as batch:
        batch.add_column(sa.Column("recipient_id_number", sa.String(length=18), nullable=True))
        batch.add_column(sa.Column("title", sa.Text(), nullable=True))
        batch.add_column(sa.Column("notice_id", BigId, nullable=True))
        batch.add_column(sa.Column("channels", Json, server_default="[]", nullable=False))
        batch.create_foreign_key(
            op.f("fk_notifications_notice_id_notices"), "notices", ["notice_id"], ["id"]
        )
        batch.create_index(
            op.f("ix_notifications_recipient_id_number"), ["recipient_id_number"]
        )
    op.create_table(
        "case_extensions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.String(length=36), nullable=True),
        sa.Column("department_code", sa.String(length=40), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("working_days", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("requested_by", sa.String(length=80), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sa.String(length=80), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=True),
        sa.Column("old_due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("new_due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("notice_id", BigId, nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_extensions_case_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["notice_id"], ["notices.id"], name=op.f("fk_case_extensions_notice_id_notices")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_extensions")),
    )
    op.create_index(op.f("ix_case_extensions_case_id"), "case_extensions", ["case_id"])
    op.create_index(op.f("ix_case_extensions_status"), "case_extensions", ["status"])


def downgrade():
    op.drop_index(op.f("ix_case_extensions_status"), table_name="case_extensions")
    op.drop_index(op.f("ix_case_extensions_case_id"), table_name="case_extensions")
    op.drop_table("case_extensions")
    with op.batch_alter_table("notifications") as batch:
        batch.drop_index(op.f("ix_notifications_recipient_id_number"))
        batch.drop_constraint(op.f("fk_notifications_notice_id_notices"), type_="foreignkey")
        batch.drop_column("channels")
        batch.drop_column("notice_id")
        batch.drop_column("title")
        batch.drop_column("recipient_id_number")
    op.drop_index(op.f("ix_notices_case_id"), table_name="notices")
    op.drop_table("notices")
    op.drop_table("notice_counters")
