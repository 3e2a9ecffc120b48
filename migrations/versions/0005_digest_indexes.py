"""check-in index for the digest's first reaches

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 23:40:00

The digest finds each person's first counting check-in (not voided, before a moment, at a
training that is not cancelled). This partial index holds exactly the counting rows, ordered by
person and scan time and carrying the training, so that aggregate is read from the index alone
(SQLite: a covering index search per person; no table lookup per check-in). Measured in
docs/benchmarks.md ("Daily digest at province scale"); a (training_id, scanned_at) index was
tried too and left out: SQLite then drove the first-reach query from trainings, which was slower.
"""
import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_checkins_participant_id_scanned_at_training_id", "checkins",
                    ["participant_id", "scanned_at", "training_id"],
                    sqlite_where=sa.text("voided_at IS NULL"), postgresql_where=sa.text("voided_at IS NULL"))


def downgrade():
    op.drop_index("ix_checkins_participant_id_scanned_at_training_id", table_name="checkins")
