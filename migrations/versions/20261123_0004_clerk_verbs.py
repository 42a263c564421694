"""clerk verbs, urges, ratings (issue: clerk verbs)

Revision ID: 0004_clerk_verbs
Revises: 0003_shared_data
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0004_clerk_verbs"
down_revision = "0003_shared_data"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')


def upgrade():
    op.create_table('case_returns',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('from_task_id', sa.String(length=36), nullable=False),
    sa.Column('from_bpmn_id', sa.String(length=200), nullable=False),
    sa.Column('target_task_id', sa.String(length=36), nullable=False),
    sa.Column('target_bpmn_id', sa.String(length=200), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('returned_by', sa.String(length=80), nullable=False),
    sa.Column('returned_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('carried', JSON, nullable=False),
    sa.Column('pending', JSON, nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_returns_case_id_cases')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_returns'))
    )
    with op.batch_alter_table('case_returns', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_returns_case_id'), ['case_id'], unique=False)

    op.create_table('urges',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('task_id', sa.String(length=36), nullable=False),
    sa.Column('urged_by', sa.String(length=80), nullable=False),
    sa.Column('role', sa.String(length=30), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('urged_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_urges_case_id_cases')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_urges'))
    )
    with op.batch_alter_table('urges', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_urges_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_urges_task_id'), ['task_id'], unique=False)

    op.create_table('ratings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('department_code', sa.String(length=40), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('rated_by', sa.String(length=80), nullable=False),
    sa.Column('rated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('rectification_task_id', sa.String(length=36), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_ratings_case_id_cases')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ratings')),
    sa.UniqueConstraint('case_id', 'department_code', name='uq_ratings_case_department')
    )
    with op.batch_alter_table('ratings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ratings_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ratings_department_code'), ['department_code'], unique=False)

    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('suspended', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('closure', JSON, nullable=True))

    with op.batch_alter_table('task_rows', schema=None) as batch_op:
        batch_op.add_column(sa.Column('owner', sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column('urge_count', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('notice', JSON, nullable=True))


def downgrade():
    with op.batch_alter_table('task_rows', schema=None) as batch_op:
        batch_op.drop_column('notice')
        batch_op.drop_column('urge_count')
        batch_op.drop_column('owner')

    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_column('closure')
        batch_op.drop_column('suspended')

    with op.batch_alter_table('ratings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ratings_department_code'))
        batch_op.drop_index(batch_op.f('ix_ratings_case_id'))

    op.drop_table('ratings')
    with op.batch_alter_table('urges', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_urges_task_id'))
        batch_op.drop_index(batch_op.f('ix_urges_case_id'))

    op.drop_table('urges')
    with op.batch_alter_table('case_returns', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_returns_case_id'))

    op.drop_table('case_returns')
