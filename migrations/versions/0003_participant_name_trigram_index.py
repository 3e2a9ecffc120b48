"""participant name trigram index (PostgreSQL)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21 08:45:00

Search finds a word anywhere in a folded name ("hoa" in "nguyen thi hoa"). On PostgreSQL a
trigram GIN index serves that LIKE '%…%'; pg_trgm is a trusted extension (PostgreSQL 13+), so
the database owner can create it. SQLite has no such index and is left unchanged.
"""
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.create_index("ix_participants_search_name_trgm", "participants", ["search_name"],
                    postgresql_using="gin", postgresql_ops={"search_name": "gin_trgm_ops"})


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index("ix_participants_search_name_trgm", table_name="participants")
