"""Database plumbing: transactions behave the same on SQLite and PostgreSQL."""
import sqlalchemy as sa

from tracker.geo.models import Unit, UnitLevel


def test_a_savepoint_as_the_first_write_stays_inside_the_transaction(db):
    """On SQLite a SAVEPOINT sent before any write used to start the transaction, and its RELEASE
    committed it: the outer rollback could no longer undo the row."""
    with db.session.begin_nested():
        db.session.add(Unit(code="77", name="Tỉnh Thử", level=UnitLevel.province, path="/77/"))
    with db.engine.connect() as other:
        assert other.execute(sa.select(sa.func.count()).select_from(Unit)).scalar_one() == 0
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Unit)) == 0
