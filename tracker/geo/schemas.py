"""Unit input and output."""
import marshmallow as ma
from flask_babel import gettext as _

from tracker.core.text import Line
from tracker.geo.models import UnitLevel
from tracker.geo.queries import get_unit

CODE_PATTERN = r"^[0-9A-Za-z][0-9A-Za-z_.-]{0,19}$"


class UnitField(ma.fields.String):
    """A unit given by its code, loaded as the ``Unit`` (any level, or only ``levels``)."""

    def __init__(self, *, levels=None, **kwargs):
        super().__init__(**kwargs)
        self.levels = levels

    def _deserialize(self, value, attr, data, **kwargs):
        code = super()._deserialize(value, attr, data, **kwargs).strip()
        unit = get_unit(code)
        if unit is None:
            raise ma.ValidationError(_("Unknown unit: %(code)s.", code=code))
        if self.levels and unit.level not in self.levels:
            raise ma.ValidationError(
                _("%(code)s is not a %(level)s.", code=code, level=" / ".join(str(level.label) for level in self.levels))
            )
        return unit

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else value.code


class UnitSchema(ma.Schema):
    code = ma.fields.String()
    name = ma.fields.String()
    level = ma.fields.Enum(UnitLevel, by_value=True)
    parent_code = ma.fields.String(allow_none=True)
    population = ma.fields.Integer(allow_none=True)


class UnitListSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(UnitSchema))


class ImportResultSchema(ma.Schema):
    created = ma.fields.Integer()
    updated = ma.fields.Integer()


class UnitListArgsSchema(ma.Schema):
    parent = ma.fields.String(metadata={"description": "Only the units directly under this code"})
    level = ma.fields.Enum(UnitLevel, by_value=True)


class UnitRowSchema(ma.Schema):
    """One row of the units CSV: ``code,name,level,parent_code,population``."""

    code = ma.fields.String(required=True, validate=ma.validate.Regexp(CODE_PATTERN))
    name = Line(required=True, validate=ma.validate.Length(min=1, max=200))
    level = ma.fields.Enum(UnitLevel, by_value=True, required=True)
    parent_code = ma.fields.String(load_default=None, allow_none=True)
    population = ma.fields.Integer(
        load_default=None, allow_none=True, validate=ma.validate.Range(min=0)
    )

    @ma.pre_load
    def blank_to_none(self, data, **kwargs):
        """Read empty cells as missing and trim spaces."""
        return {key: (value.strip() or None) if isinstance(value, str) else value
                for key, value in data.items() if key}

    @ma.validates_schema
    def validate_parent(self, data, **kwargs):
        """A province has no parent; every other level has one."""
        if data["level"] == UnitLevel.province and data["parent_code"]:
            raise ma.ValidationError(_("A province has no parent."), "parent_code")
        if data["level"] != UnitLevel.province and not data["parent_code"]:
            raise ma.ValidationError(_("Missing parent code."), "parent_code")


class UnitsFileSchema(ma.Schema):
    """The upload form of the units CSV."""


    file = ma.fields.Raw(required=True, metadata={"type": "file"})
