"""events: the writer's transaction id filled in by PostgreSQL itself

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 08:10:00

On PostgreSQL ``events.txid`` defaults to ``pg_current_xact_id()`` (what the app used to send as
an SQL expression in every INSERT). With no expression in the values, the ORM writes a batch's
events in one multi-row INSERT instead of one statement each. SQLite keeps no transaction id.
"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE events ALTER COLUMN txid SET DEFAULT (pg_current_xact_id()::text::bigint)")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE events ALTER COLUMN txid DROP DEFAULT")
