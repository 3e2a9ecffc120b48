"""consent withdrawal

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 02:58:00.000000

When a person withdraws their consent their personal data is erased (tracker/participants/privacy.py);
``participants.consent_withdrawn_at`` says when.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('participants', schema=None) as batch_op:
        batch_op.add_column(sa.Column('consent_withdrawn_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('participants', schema=None) as batch_op:
        batch_op.drop_column('consent_withdrawn_at')
