"""Indicator and outcome input and output."""
import marshmallow as ma
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from tracker.core.args import DropBlanks, Id
from tracker.core.text import Line
from tracker.geo.schemas import UnitField

#: An indicator's machine name: what the API, the scanner and the digest call it.
KEY_PATTERN = r"^[a-z0-9_]{2,40}$"

#: Indicators an admin can add to a campaign in one click (SPEC §4 "Outcomes").
DEFAULT_INDICATORS = [
    ("vneid_level2", _l("VNeID level 2 activated")),
    ("online_public_service", _l("Used an online public service")),
    ("cashless_payment", _l("Made a cashless payment")),
    ("digital_signature", _l("Registered a digital signature")),
]

class IndicatorTargetSchema(ma.Schema):
    unit = UnitField()
    target = ma.fields.Integer()
    rate = ma.fields.Float(allow_none=True)


class IndicatorSchema(ma.Schema):
    key = ma.fields.String()
    name = ma.fields.String()
    position = ma.fields.Integer()
    targets = ma.fields.List(ma.fields.Nested(IndicatorTargetSchema))


class IndicatorListSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(IndicatorSchema))


class IndicatorItemSchema(ma.Schema):
    key = ma.fields.String(required=True, validate=ma.validate.Regexp(
        KEY_PATTERN, error=_l("Use 2 to 40 lower-case letters, digits or underscores.")))
    name = Line(required=True, validate=ma.validate.Length(min=1, max=200))


class IndicatorsUpdateSchema(ma.Schema):
    """The whole list of a campaign's indicators, in display order."""

    indicators = ma.fields.List(ma.fields.Nested(IndicatorItemSchema), required=True,
                                validate=ma.validate.Length(max=50))

    @ma.validates_schema(skip_on_field_errors=True)
    def validate_distinct(self, data, **kwargs):
        """Each key appears once."""
        keys = [item["key"] for item in data["indicators"]]
        if len(set(keys)) != len(keys):
            raise ma.ValidationError(_("Each key may appear only once."), "indicators")


class IndicatorProgressArgsSchema(DropBlanks, ma.Schema):
    unit = UnitField(metadata={"description": "Unit code; default your own unit (or the province)"})


class IndicatorProgressItemSchema(ma.Schema):
    key = ma.fields.String()
    name = ma.fields.String()
    target = ma.fields.Integer(allow_none=True)
    reached = ma.fields.Integer()
    reached_percent = ma.fields.Float(allow_none=True)


class IndicatorProgressSchema(ma.Schema):
    unit = UnitField()
    items = ma.fields.List(ma.fields.Nested(IndicatorProgressItemSchema))


class OutcomesRecordSchema(ma.Schema):
    campaign_id = Id(required=True)
    outcomes = ma.fields.List(ma.fields.String(validate=ma.validate.Length(min=1, max=40)), required=True,
                              validate=ma.validate.Length(min=1, max=50, error=_l("Tick at least one outcome.")))


class OutcomeSchema(ma.Schema):
    key = ma.fields.String(attribute="indicator.key")
    name = ma.fields.String(attribute="indicator.name")
    campaign_id = ma.fields.Integer(attribute="indicator.campaign_id")
    recorded_at = ma.fields.AwareDateTime()
    checkin_id = ma.fields.Integer(allow_none=True)


class OutcomeListSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(OutcomeSchema))


class OutcomesRecordedSchema(ma.Schema):
    recorded = ma.fields.List(ma.fields.String())
    outcomes = ma.fields.List(ma.fields.Nested(OutcomeSchema))


class OutcomesUndoneSchema(ma.Schema):
    undone = ma.fields.List(ma.fields.String(), metadata={"description": "The indicator keys taken back"})
    outcomes = ma.fields.List(ma.fields.Nested(OutcomeSchema))


class IndicatorsFormSchema(IndicatorsUpdateSchema):
    """The indicators table: rows ``key-<n>``, ``name-<n>``, ``position-<n>``, ``remove-<n>``.

    Rows are kept in the order of their positions; a row whose key and name are both blank
    (the empty "new indicator" row) is left out.
    """

    @ma.pre_load
    def read_table(self, data, **kwargs):
        """Turn the table's inputs into ``{"indicators": [{"key", "name"}]}`` in position order."""
        rows = sorted({key.partition("-")[2] for key in data if key.startswith("key-")},
                      key=lambda row: (_position(data.get(f"position-{row}")), row))
        self.rows = [row for row in rows if not data.get(f"remove-{row}")
                     and (str(data.get(f"key-{row}", "")).strip() or str(data.get(f"name-{row}", "")).strip())]
        return {"indicators": [{"key": str(data[f"key-{row}"]).strip(),
                                "name": str(data.get(f"name-{row}", "")).strip()} for row in self.rows]}

    def handle_error(self, error, data, **kwargs):
        """Report messages by input (``name-<n>``) rather than by list position."""
        rows = error.messages.get("indicators") if isinstance(error.messages, dict) else None
        if isinstance(rows, dict):
            raise ma.ValidationError({f"{field}-{self.rows[index]}": messages
                                      for index, row in rows.items() for field, messages in row.items()})


def _position(text):
    """Read a position input; blank or garbled positions go last."""
    try:
        return float(str(text).strip())
    except ValueError:
        return float("inf")
