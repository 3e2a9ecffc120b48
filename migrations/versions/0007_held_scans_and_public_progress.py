"""held scans and public progress

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 02:01:59.681429

A revoked or expired volunteer's phone hands over what it scanned but could not send; those items
wait in ``held_scans`` for a coordinator to accept or discard them. A campaign may publish its
progress (no personal data) on a public page: ``campaigns.is_public``, off by default.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('held_scans',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('scan_id', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.Enum('scan', 'walk_in', 'outcomes', name='held_scan_kind', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('training_id', sa.Integer(), nullable=False),
    sa.Column('volunteer_id', sa.Integer(), nullable=False),
    sa.Column('scanned_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('reason', sa.String(length=20), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.Enum('held', 'accepted', 'refused', 'discarded', name='held_scan_status', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('checkin_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('note', sa.String(length=500), nullable=True),
    sa.ForeignKeyConstraint(['checkin_id'], ['checkins.id'], name=op.f('fk_held_scans_checkin_id_checkins'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_held_scans_decided_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['training_id'], ['trainings.id'], name=op.f('fk_held_scans_training_id_trainings'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['volunteer_id'], ['users.id'], name=op.f('fk_held_scans_volunteer_id_users'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_held_scans')),
    sa.UniqueConstraint('scan_id', name=op.f('uq_held_scans_scan_id'))
    )
    with op.batch_alter_table('held_scans', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_held_scans_training_id'), ['training_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_held_scans_volunteer_id'), ['volunteer_id'], unique=False)

    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.add_column(sa.Column('is_public', sa.Boolean(), server_default=sa.false(), nullable=False))



def downgrade():
    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.drop_column('is_public')

    with op.batch_alter_table('held_scans', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_held_scans_volunteer_id'))
        batch_op.drop_index(batch_op.f('ix_held_scans_training_id'))

    op.drop_table('held_scans')
