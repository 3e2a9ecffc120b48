"""Reads of the unit tree."""
import sqlalchemy as sa

from tracker.extensions import db
from tracker.geo.models import Unit, UnitLevel


def get_unit(code):
    """Return the unit with ``code``, or None."""
    return db.session.scalar(sa.select(Unit).where(Unit.code == code))


def units_under(unit, *, level=None, include_self=False):
    """Return a select of the units under ``unit`` (optionally of one ``level``), by path."""
    stmt = sa.select(Unit).where(Unit.path.startswith(unit.path, autoescape=True))
    if not include_self:
        stmt = stmt.where(Unit.id != unit.id)
    if level is not None:
        stmt = stmt.where(Unit.level == level)
    return stmt.order_by(Unit.path)


def villages_under(unit):
    """Return a select of every village in ``unit`` (the unit itself if it is a village)."""
    return units_under(unit, level=UnitLevel.village, include_self=True)


def get_units_by_codes(codes):
    """Return ``{code: unit}`` for the stored units among ``codes``."""
    found = {}
    codes = list(codes)
    for start in range(0, len(codes), 500):
        chunk = codes[start : start + 500]
        found.update(
            (unit.code, unit) for unit in db.session.scalars(sa.select(Unit).where(Unit.code.in_(chunk)))
        )
    return found


def ancestors(unit):
    """Return the units above ``unit``, from the root down (for breadcrumbs)."""
    codes = unit.path.strip("/").split("/")[:-1]
    found = get_units_by_codes(codes)
    return [found[code] for code in codes if code in found]


def list_units_under(unit, *, level=None, include_self=False):
    """Return the units under ``unit`` (optionally of one ``level``), by path."""
    return db.session.scalars(units_under(unit, level=level, include_self=include_self)).all()


def list_villages(unit, *, within=None):
    """Return the villages in ``unit`` (and in ``within``), their communes loaded, by path."""
    stmt = villages_under(unit).options(sa.orm.selectinload(Unit.parent))
    if within is not None:
        stmt = stmt.where(Unit.path.startswith(within.path, autoescape=True))
    return db.session.scalars(stmt).all()


def village_within(unit, village):
    """Return a SQL condition: ``village`` (an alias of Unit holding villages) lies in ``unit``.

    A commune's villages are found by parent and a village by id, which every database plans from
    an index; a province's by path prefix (SQLite cannot index ``LIKE ? || '%'`` nor estimate it,
    and would then drive a commune's queries from every training or outcome in the province).
    """
    if unit.level == UnitLevel.village:
        return village.id == unit.id
    if unit.level == UnitLevel.commune:
        return village.parent_id == unit.id
    return village.path.startswith(unit.path, autoescape=True)
