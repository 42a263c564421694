"""shared-data registry, uploads, disputes (issue: shared data)

Revision ID: 0003_shared_data
Revises: 0002_time_limits
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0003_shared_data"
down_revision = "0002_time_limits"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade():
    op.create_table(
        "provider_configs",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=True),
        sa.Column("timeout_seconds", sa.Float(), nullable=False),
        sa.Column("retries", sa.Integer(), nullable=False),
        sa.Column("credential_env", sa.String(length=100), nullable=True),
        sa.Column("purposes", JSON, nullable=True),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=80), nullable=True),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_provider_configs")),
    )
    op.create_table(
        "material_uploads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("material_code", sa.String(length=100), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("stored_path", sa.String(length=500), nullable=False),
        sa.Column("uploaded_by", sa.String(length=80), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("superseded", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_material_uploads_case_id_cases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_material_uploads")),
    )
    with op.batch_alter_table("material_uploads", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_material_uploads_case_id"), ["case_id"], unique=False)
        batch_op.create_index(
            "ix_material_uploads_case_material", ["case_id", "material_code"], unique=False
        )
    op.create_table(
        "shared_data_disputes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("provider", sa.String(length=40), nullable=False),
        sa.Column("subject_field", sa.String(length=100), nullable=False),
        sa.Column("record_key", sa.String(length=200), nullable=True),
        sa.Column("department_code", sa.String(length=40), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("raised_by", sa.String(length=80), nullable=False),
        sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("task_id", sa.String(length=36), nullable=False),
        sa.Column("resolution", JSON, nullable=True),
        sa.Column("resolved_by", sa.String(length=80), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_shared_data_disputes_case_id_cases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shared_data_disputes")),
    )
    with op.batch_alter_table("shared_data_disputes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_shared_data_disputes_case_id"), ["case_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_shared_data_disputes_department_code"),
            ["department_code"],
            unique=False,
        )
    # The access log learns views as well as pulls, and who (which department) looked.
    with op.batch_alter_table("data_access_log", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("kind", sa.String(length=10), server_default="pull", nullable=False)
        )
        batch_op.add_column(sa.Column("actor_department", sa.String(length=40), nullable=True))


def downgrade():
    with op.batch_alter_table("data_access_log", schema=None) as batch_op:
        batch_op.drop_column("actor_department")
        batch_op.drop_column("kind")
    with op.batch_alter_table("shared_data_disputes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_shared_data_disputes_department_code"))
        batch_op.drop_index(batch_op.f("ix_shared_data_disputes_case_id"))
    op.drop_table("shared_data_disputes")
    with op.batch_alter_table("material_uploads", schema=None) as batch_op:
        batch_op.drop_index("ix_material_uploads_case_material")
        batch_op.drop_index(batch_op.f("ix_material_uploads_case_id"))
    op.drop_table("material_uploads")
    op.drop_table("provider_configs")
