"""The administrative unit tree."""
import enum
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.core.db import str_enum
from tracker.core.time import utcnow
from tracker.extensions import db


class UnitLevel(enum.StrEnum):
    province = "province"
    commune = "commune"
    village = "village"

    @property
    def label(self):
        """The level's name in the user's language."""
        return LEVEL_LABELS[self]


LEVEL_LABELS = {
    UnitLevel.province: _l("province"),
    UnitLevel.commune: _l("commune / ward"),
    UnitLevel.village: _l("village / hamlet / residential group"),
}


#: The level each level's parent must have.
PARENT_LEVEL = {
    UnitLevel.province: None,
    UnitLevel.commune: UnitLevel.province,
    UnitLevel.village: UnitLevel.commune,
}


class Unit(db.Model):
    __tablename__ = "units"
    __table_args__ = (
        sa.Index("ix_units_path", "path", postgresql_ops={"path": "text_pattern_ops"}),
        sa.Index("ix_units_parent_id_name", "parent_id", "name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Official code where one exists (2-digit province, 5-digit commune); villages get one under
    #: their commune.
    code: Mapped[str] = mapped_column(sa.String(20), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    level: Mapped[UnitLevel] = mapped_column(str_enum(UnitLevel, "unit_level"))
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("units.id", ondelete="RESTRICT"))
    #: Adults living in the unit, used to derive targets from a rate.
    population: Mapped[int | None]
    #: Codes from the root down, ``/66/66001/66001007/``: "everything under X" is a prefix match.
    path: Mapped[str] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    parent: Mapped["Unit | None"] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list["Unit"]] = relationship(back_populates="parent", order_by="Unit.name")

    def is_within(self, other):
        """Tell whether this unit is ``other`` or lies under it."""
        return self.path.startswith(other.path)

    @property
    def parent_code(self):
        return self.parent.code if self.parent else None

    def __repr__(self):
        return f"<Unit {self.code} {self.level}>"


def ancestor_paths(path):
    """Return the paths of the units above the one at ``path`` (``/66/66001/`` → ``["/66/"]``)."""
    codes = path.strip("/").split("/")
    return ["/" + "/".join(codes[:depth]) + "/" for depth in range(1, len(codes))]
