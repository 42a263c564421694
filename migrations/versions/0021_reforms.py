"""reforms: deferred materials (容缺受理), pledges (告知承诺制) and credit records

Revision ID: 0021_reforms
Revises: 0020_notices
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0021_reforms"
down_revision = "0020_notices"
branch_labels = None
depends_on = None

_json = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
_big_id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _case_fk(table):
    return sa.ForeignKeyConstraint(
        ["case_id"], ["cases.id"], name=op.f(f"fk_{table}_case_id_cases")
    )


def upgrade():
    op.create_table(
        "deferred_materials",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("material_code", sa.String(length=100), nullable=False),
        sa.Column("task_id", sa.String(length=36), nullable=True),
        sa.Column("deferred_by", sa.String(length=80), nullable=False),
        sa.Column("deferred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("working_days", sa.Integer(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("remind_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=30), nullable=False),
        sa.Column("overdue_task_id", sa.String(length=36), nullable=True),
        sa.Column("extended", sa.Boolean(), nullable=False),
        sa.Column("supplied_at", sa.DateTime(timezone=True), nullable=True),
        _case_fk("deferred_materials"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deferred_materials")),
    )
    op.create_index(op.f("ix_deferred_materials_case_id"), "deferred_materials", ["case_id"])
    op.create_index(
        "ix_deferred_materials_status_due_at", "deferred_materials", ["status", "due_at"]
    )
    op.create_table(
        "pledges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("material_code", sa.String(length=100), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("signer_username", sa.String(length=80), nullable=False),
        sa.Column("signer_name", sa.String(length=100), nullable=False),
        sa.Column("signer_id_number", sa.String(length=18), nullable=False),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("signed_from", sa.String(length=64), nullable=True),
        sa.Column("department_code", sa.String(length=40), nullable=False),
        sa.Column("verify_within_days", sa.Integer(), nullable=False),
        sa.Column("verification_task_id", sa.String(length=36), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("verdict", _json, nullable=True),
        sa.Column("revocation_task_id", sa.String(length=36), nullable=True),
        sa.Column("decision", _json, nullable=True),
        _case_fk("pledges"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pledges")),
    )
    op.create_index(op.f("ix_pledges_case_id"), "pledges", ["case_id"])
    op.create_index(op.f("ix_pledges_signer_id_number"), "pledges", ["signer_id_number"])
    op.create_table(
        "credit_records",
        sa.Column("id", _big_id, autoincrement=True, nullable=False),
        sa.Column("id_number", sa.String(length=18), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("pledge_id", sa.Integer(), nullable=True),
        sa.Column("details", _json, nullable=False),
        sa.Column("recorded_by", sa.String(length=80), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        _case_fk("credit_records"),
        sa.ForeignKeyConstraint(
            ["pledge_id"], ["pledges.id"], name=op.f("fk_credit_records_pledge_id_pledges")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_records")),
    )
    op.create_index(op.f("ix_credit_records_case_id"), "credit_records", ["case_id"])
    op.create_index(op.f("ix_credit_records_id_number"), "credit_records", ["id_number"])


def downgrade():
    op.drop_index(op.f("ix_credit_records_id_number"), table_name="credit_records")
    op.drop_index(op.f("ix_credit_records_case_id"), table_name="credit_records")
    op.drop_table("credit_records")
    op.drop_index(op.f("ix_pledges_signer_id_number"), table_name="pledges")
    op.drop_index(op.f("ix_pledges_case_id"), table_name="pledges")
    op.drop_table("pledges")
    op.drop_index("ix_deferred_materials_status_due_at", table_name="deferred_materials")
    op.drop_index(op.f("ix_deferred_materials_case_id"), table_name="deferred_materials")
    op.drop_table("deferred_materials")
