"""Training input and output."""
import marshmallow as ma
from flask_babel import gettext as _

from tracker.core.args import DropBlanks, Id
from tracker.core.pagination import PageArgsSchema
from tracker.core.text import Line
from tracker.core.time import combine_local
from tracker.geo.models import UnitLevel
from tracker.geo.schemas import UnitField
from tracker.trainings.models import TrainingStatus

_AWARE_HELP = {"description": "ISO 8601 with a UTC offset, e.g. 2025-08-20T08:00:00+07:00"}


class TrainingSchema(ma.Schema):
    id = ma.fields.Integer()
    campaign_id = ma.fields.Integer()
    village = UnitField()
    village_name = ma.fields.String(attribute="village.name")
    commune = ma.fields.String(attribute="village.parent.code")
    title = ma.fields.String()
    topic = ma.fields.String()
    starts_at = ma.fields.AwareDateTime()
    ends_at = ma.fields.AwareDateTime()
    place = ma.fields.String(allow_none=True)
    trainer = ma.fields.String(allow_none=True)
    capacity = ma.fields.Integer(allow_none=True)
    status = ma.fields.Enum(TrainingStatus, by_value=True)
    cancel_reason = ma.fields.String(allow_none=True)
    created_at = ma.fields.AwareDateTime()
    updated_at = ma.fields.AwareDateTime()


def _optional_text(max_length):
    return Line(load_default=None, allow_none=True, validate=ma.validate.Length(max=max_length))


class TrainingUpdateSchema(ma.Schema):
    """Fields a coordinator may change; all optional."""

    village = UnitField(levels=[UnitLevel.village])
    title = Line(validate=ma.validate.Length(min=1, max=200))
    topic = Line(validate=ma.validate.Length(min=1, max=100))
    starts_at = ma.fields.AwareDateTime(metadata=_AWARE_HELP)
    ends_at = ma.fields.AwareDateTime(metadata=_AWARE_HELP)
    place = Line(allow_none=True, validate=ma.validate.Length(max=200))
    trainer = Line(allow_none=True, validate=ma.validate.Length(max=200))
    capacity = ma.fields.Integer(allow_none=True, validate=ma.validate.Range(min=1, max=10000))

    @ma.pre_load
    def strip_blanks(self, data, **kwargs):
        """Trim text and read blank optional fields (from forms) as empty."""
        if not hasattr(data, "items"):
            return data
        cleaned = {}
        for key, value in data.items():
            if isinstance(value, str):
                value = value.strip()
                if value == "" and key in ("place", "trainer", "capacity"):
                    value = None
            cleaned[key] = value
        return cleaned

    @ma.validates_schema
    def validate_order(self, data, **kwargs):
        """A training ends after it starts, on the same or the next day."""
        starts_at, ends_at = data.get("starts_at"), data.get("ends_at")
        if starts_at and ends_at and ends_at <= starts_at:
            raise ma.ValidationError(_("The end must be after the start."), "ends_at")
        if starts_at and ends_at and (ends_at - starts_at).total_seconds() > 24 * 3600:
            raise ma.ValidationError(_("A training lasts at most 24 hours."), "ends_at")


class TrainingCreateSchema(TrainingUpdateSchema):
    campaign_id = Id(required=True)
    village = UnitField(required=True, levels=[UnitLevel.village])
    title = Line(required=True, validate=ma.validate.Length(min=1, max=200))
    topic = Line(required=True, validate=ma.validate.Length(min=1, max=100))
    starts_at = ma.fields.AwareDateTime(required=True, metadata=_AWARE_HELP)
    ends_at = ma.fields.AwareDateTime(required=True, metadata=_AWARE_HELP)
    place = _optional_text(200)
    trainer = _optional_text(200)
    capacity = ma.fields.Integer(
        load_default=None, allow_none=True, validate=ma.validate.Range(min=1, max=10000)
    )


class TrainingCancelSchema(ma.Schema):
    reason = Line(load_default="", validate=ma.validate.Length(max=500))


class TrainingListArgsSchema(PageArgsSchema):
    campaign_id = Id()
    unit = UnitField(metadata={"description": "Only trainings in villages under this unit"})
    date = ma.fields.Date(metadata={"description": "Local calendar day (campaign time zone)"})
    status = ma.fields.Enum(TrainingStatus, by_value=True)


class TrainingListSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(TrainingSchema))
    next = ma.fields.String(allow_none=True)


class TrainingFilterSchema(DropBlanks, TrainingListArgsSchema):
    """The filters of the day list; empty selects mean "all"."""


class TrainingExportArgsSchema(TrainingFilterSchema):
    """The day list's filters for its download; ``all_days`` drops the day (the whole campaign)."""

    all_days = ma.fields.Boolean(load_default=False)


class CalendarArgsSchema(DropBlanks, ma.Schema):
    month = ma.fields.Date(format="%Y-%m")
    unit = UnitField()
    campaign_id = Id()


class NewTrainingArgsSchema(DropBlanks, ma.Schema):
    campaign_id = Id()
    date = ma.fields.Date()


class TrainingFormSchema(TrainingCreateSchema):
    """The training form: a local day with start and end times in the campaign's time zone."""


    class Meta:
        exclude = ("campaign_id", "starts_at", "ends_at")


    date = ma.fields.Date(required=True)
    start_time = ma.fields.Time(required=True)
    end_time = ma.fields.Time(required=True)


    def __init__(self, campaign, **kwargs):
        super().__init__(**kwargs)
        self.campaign = campaign


    @ma.validates_schema(skip_on_field_errors=False)
    def validate_times(self, data, **kwargs):
        """The end comes after the start, on the same day."""
        if "start_time" in data and "end_time" in data and data["end_time"] <= data["start_time"]:
            raise ma.ValidationError(_("The end must be after the start."), "end_time")


    @ma.post_load
    def to_instants(self, data, **kwargs):
        """Turn the local day and times into aware ``starts_at`` and ``ends_at``."""
        day, zone = data.pop("date"), self.campaign.timezone
        data["starts_at"] = combine_local(day, data.pop("start_time"), zone)
        data["ends_at"] = combine_local(day, data.pop("end_time"), zone)
        data["campaign_id"] = self.campaign.id
        return data
