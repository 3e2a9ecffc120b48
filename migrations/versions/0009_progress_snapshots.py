"""progress snapshots

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 02:18:52.078840

The digest's figures of a unit as of a recent instant, one row per (campaign, unit), replaced on
each refresh: what the dashboards and the public progress page read.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('progress_snapshots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('as_of', sa.DateTime(timezone=True), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('duration_ms', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_progress_snapshots_campaign_id_campaigns'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_progress_snapshots_unit_id_units'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_progress_snapshots')),
    sa.UniqueConstraint('campaign_id', 'unit_id', name=op.f('uq_progress_snapshots_campaign_id_unit_id'))
    )
    with op.batch_alter_table('progress_snapshots', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_progress_snapshots_unit_id'), ['unit_id'], unique=False)



def downgrade():
    with op.batch_alter_table('progress_snapshots', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_progress_snapshots_unit_id'))

    op.drop_table('progress_snapshots')
