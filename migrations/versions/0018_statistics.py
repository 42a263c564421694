"""statistics: visits at the window, each case's figures, the daily rollup

Revision ID: 0018_statistics
Revises: 0022_regions

Cases that exist before this revision count once ``govflow stats rebuild`` has run.
"""

import sqlalchemy as sa
from alembic import op

revision = "0018_statistics"
down_revision = "0022_regions"
branch_labels = None
depends_on = None

_BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_JSON = sa.JSON().with_variant(sa.dialects.postgresql.JSONB(), "postgresql")

_DAILY_COUNTERS = (
    "started",
    "accepted",
    "refused",
    "concluded",
    "within_promised",
    "within_statutory",
    "timed",
    "working_days",
    "same_day",
    "supplemented",
    "returned",
    "materials_required",
    "materials_shared",
    "materials_uploaded",
    "trips",
    "rated",
    "rated_good",
    "rectifications",
    "rectified_in_time",
)


def _day_key():
    return [
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("process_key", sa.String(length=200), nullable=False),
        sa.Column("department", sa.String(length=40), nullable=False),
    ]


def upgrade():
    op.create_table(
        "case_visits",
        sa.Column("id", _BIG_ID, autoincrement=True, nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(length=80), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_visits_case_id_cases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_visits")),
    )
    op.create_index(op.f("ix_case_visits_case_id"), "case_visits", ["case_id"])
    op.create_table(
        "case_figures",
        sa.Column("case_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("process_key", sa.String(length=200), nullable=False),
        sa.Column("departments", _JSON, nullable=False),
        sa.Column("started_on", sa.Date(), nullable=False),
        sa.Column("accepted_on", sa.Date(), nullable=True),
        sa.Column("refused_on", sa.Date(), nullable=True),
        sa.Column("concluded_on", sa.Date(), nullable=True),
        sa.Column("within_promised", sa.Integer(), nullable=True),
        sa.Column("within_statutory", sa.Integer(), nullable=True),
        sa.Column("working_days", sa.Integer(), nullable=True),
        sa.Column("supplemented", sa.Integer(), nullable=False),
        sa.Column("returned", sa.Integer(), nullable=False),
        sa.Column("materials_required", sa.Integer(), nullable=False),
        sa.Column("materials_shared", sa.Integer(), nullable=False),
        sa.Column("materials_uploaded", sa.Integer(), nullable=False),
        sa.Column("trips", sa.Integer(), nullable=False),
        sa.Column("rated_on", sa.Date(), nullable=True),
        sa.Column("rating", sa.Integer(), nullable=True),
        sa.Column("rectifications", sa.Integer(), nullable=False),
        sa.Column("rectified_in_time", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_figures_case_id_cases")
        ),
        sa.PrimaryKeyConstraint("case_id", name=op.f("pk_case_figures")),
    )
    op.create_index(
        "ix_case_figures_started_on", "case_figures", ["started_on", "process_key"]
    )
    op.create_index(
        "ix_case_figures_concluded_on", "case_figures", ["concluded_on", "process_key"]
    )
    op.create_table(
        "statistics_daily",
        *_day_key(),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in _DAILY_COUNTERS),
        sa.PrimaryKeyConstraint(
            "day", "process_key", "department", name=op.f("pk_statistics_daily")
        ),
    )
    op.create_table(
        "statistics_durations",
        *_day_key(),
        sa.Column("working_days", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("cases", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "day",
            "process_key",
            "department",
            "working_days",
            name=op.f("pk_statistics_durations"),
        ),
    )


def downgrade():
    op.drop_table("statistics_durations")
    op.drop_table("statistics_daily")
    op.drop_index("ix_case_figures_concluded_on", table_name="case_figures")
    op.drop_index("ix_case_figures_started_on", table_name="case_figures")
    op.drop_table("case_figures")
    op.drop_index(op.f("ix_case_visits_case_id"), table_name="case_visits")
    op.drop_table("case_visits")
