"""directory: departments form a tree and can be deactivated; users can be made to
change their password

Departments gain ``kind`` (what they do, shared by namesakes in every county), ``parent``
(the department above), ``division`` (行政区划代码) and ``active``; users gain
``must_change_password`` (set by an administrator's reset).  Existing departments are
active, their kind is their code (each was the only one of its kind), and no existing
user has to change a password.

Revision ID: 0012_directory
Revises: 0010_sign_in_security
"""

import sqlalchemy as sa
from alembic import op

revision = "0012_directory"
down_revision = "0010_sign_in_security"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("departments") as batch_op:
        batch_op.add_column(sa.Column("kind", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("parent_code", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("division", sa.String(length=12), nullable=True))
        batch_op.add_column(
            sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False)
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_departments_parent_code_departments"),
            "departments",
            ["parent_code"],
            ["code"],
        )
        batch_op.create_index(batch_op.f("ix_departments_parent_code"), ["parent_code"])
    op.execute("UPDATE departments SET kind = code")
    with op.batch_alter_table("users") as batch_op:
        batch_op.add_column(
            sa.Column(
                "must_change_password", sa.Boolean(), server_default=sa.false(), nullable=False
            )
        )


def downgrade():
    with op.batch_alter_table("users") as batch_op:
        batch_op.drop_column("must_change_password")
    with op.batch_alter_table("departments") as batch_op:
        batch_op.drop_index(batch_op.f("ix_departments_parent_code"))
        batch_op.drop_constraint(
            batch_op.f("fk_departments_parent_code_departments"), type_="foreignkey"
        )
        batch_op.drop_column("active")
        batch_op.drop_column("division")
        batch_op.drop_column("parent_code")
        batch_op.drop_column("kind")
