"""case parties: the other parties of a case, named by the application, confirm it

Revision ID: 0014_case_parties
Revises: 0013_version_approval
"""

import sqlalchemy as sa
from alembic import op

revision = "0014_case_parties"
down_revision = "0013_version_approval"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "case_parties",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("id_number", sa.String(length=18), nullable=False),
        sa.Column("name_field", sa.String(length=80), nullable=True),
        sa.Column("id_field", sa.String(length=80), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("confirmed_by", sa.String(length=80), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_parties_case_id_cases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_parties")),
        sa.UniqueConstraint("case_id", "role", name="uq_case_parties_case_role"),
    )
    op.create_index(op.f("ix_case_parties_case_id"), "case_parties", ["case_id"])
    op.create_index(op.f("ix_case_parties_id_number"), "case_parties", ["id_number"])


def downgrade():
    op.drop_index(op.f("ix_case_parties_id_number"), table_name="case_parties")
    op.drop_index(op.f("ix_case_parties_case_id"), table_name="case_parties")
    op.drop_table("case_parties")
