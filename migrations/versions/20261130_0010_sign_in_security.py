"""sign-in security: page sessions the server ends, failed sign-ins, window cases

Page sessions become rows (logout deletes the row, so a replayed cookie finds nothing);
an API token remembers the browser session it was issued to, so page logout ends it
too; failed sign-ins are counted in a table every worker shares; a case records that a
window clerk started it for an applicant at the counter.

Revision ID: 0010_sign_in_security
Revises: 0009_scheduler_heartbeat
"""

import sqlalchemy as sa
from alembic import op

revision = "0010_sign_in_security"
down_revision = "0009_scheduler_heartbeat"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "page_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_page_sessions_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_page_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_page_sessions_token_hash")),
    )
    op.create_index(op.f("ix_page_sessions_user_id"), "page_sessions", ["user_id"])
    op.create_table(
        "sign_in_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("username", sa.String(length=80), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sign_in_failures")),
    )
    op.create_index("ix_sign_in_failures_address_at", "sign_in_failures", ["address", "at"])
    op.create_index("ix_sign_in_failures_username_at", "sign_in_failures", ["username", "at"])
    with op.batch_alter_table("api_tokens") as batch_op:
        batch_op.add_column(sa.Column("page_session_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_api_tokens_page_session_id"), ["page_session_id"])
        batch_op.create_foreign_key(
            batch_op.f("fk_api_tokens_page_session_id_page_sessions"),
            "page_sessions",
            ["page_session_id"],
            ["id"],
            ondelete="CASCADE",
        )
    with op.batch_alter_table("cases") as batch_op:
        batch_op.add_column(
            sa.Column(
                "started_at_window", sa.Boolean(), server_default=sa.false(), nullable=False
            )
        )


def downgrade():
    with op.batch_alter_table("cases") as batch_op:
        batch_op.drop_column("started_at_window")
    with op.batch_alter_table("api_tokens") as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_api_tokens_page_session_id_page_sessions"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_api_tokens_page_session_id"))
        batch_op.drop_column("page_session_id")
    op.drop_index("ix_sign_in_failures_username_at", table_name="sign_in_failures")
    op.drop_index("ix_sign_in_failures_address_at", table_name="sign_in_failures")
    op.drop_table("sign_in_failures")
    op.drop_index(op.f("ix_page_sessions_user_id"), table_name="page_sessions")
    op.drop_table("page_sessions")
