"""volunteer enrolment links and enrolled volunteers' access

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 00:09:02.256267

A coordinator's enrolment link (only the SHA-256 of its token is stored) lets volunteers join a
commune without a password; each such account records the link it came through and when its
access ends.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('enrolments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('access_days', sa.Integer(), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_enrolments_created_by_id_users'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_enrolments_unit_id_units'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_enrolments')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_enrolments_token_hash'))
    )
    with op.batch_alter_table('enrolments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_enrolments_created_by_id'), ['created_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_enrolments_unit_id'), ['unit_id'], unique=False)

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('enrolled_via_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('access_until', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('phone', sa.String(length=20), nullable=True))
        batch_op.create_index(batch_op.f('ix_users_enrolled_via_id'), ['enrolled_via_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_users_enrolled_via_id_enrolments'), 'enrolments',
                                    ['enrolled_via_id'], ['id'], ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_users_enrolled_via_id_enrolments'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_users_enrolled_via_id'))
        batch_op.drop_column('phone')
        batch_op.drop_column('access_until')
        batch_op.drop_column('enrolled_via_id')

    with op.batch_alter_table('enrolments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_enrolments_unit_id'))
        batch_op.drop_index(batch_op.f('ix_enrolments_created_by_id'))

    op.drop_table('enrolments')
