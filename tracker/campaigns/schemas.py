"""Campaign input and output."""
from datetime import time

import marshmallow as ma
from flask_babel import gettext as _

from tracker.core.text import Line
from tracker.core.time import DEFAULT_TIMEZONE, is_valid_zone
from tracker.geo.models import UnitLevel
from tracker.geo.schemas import UnitField

#: Local time at which the daily digest is compiled, unless the campaign says otherwise.
DEFAULT_DIGEST_TIME = time(6, 0)

#: Topics a new campaign gets when none are given.
DEFAULT_TOPICS = [
    "VNeID",
    "Dịch vụ công trực tuyến",
    "Thanh toán không dùng tiền mặt",
    "Nhận diện lừa đảo trực tuyến",
    "Sử dụng công cụ AI",
    "Thương mại điện tử",
]


class CampaignSchema(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()
    unit = UnitField()
    start_date = ma.fields.Date()
    deadline = ma.fields.Date()
    timezone = ma.fields.String()
    digest_time = ma.fields.Time(format="%H:%M")
    target = ma.fields.Integer(allow_none=True)
    topics = ma.fields.List(ma.fields.String())
    days_total = ma.fields.Integer()
    is_public = ma.fields.Boolean(metadata={"description": "Progress shown on the public page"})


class CampaignListSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(CampaignSchema))


class CampaignCreateSchema(ma.Schema):
    name = Line(required=True, validate=ma.validate.Length(min=1, max=200))
    unit = UnitField(required=True, levels=[UnitLevel.province])
    start_date = ma.fields.Date(required=True)
    deadline = ma.fields.Date(required=True)
    timezone = ma.fields.String(load_default=DEFAULT_TIMEZONE)
    digest_time = ma.fields.Time(load_default=DEFAULT_DIGEST_TIME)
    target = ma.fields.Integer(load_default=None, allow_none=True, validate=ma.validate.Range(min=1))
    topics = ma.fields.List(
        Line(validate=ma.validate.Length(min=1, max=100)),
        load_default=lambda: list(DEFAULT_TOPICS),
        validate=ma.validate.Length(min=1, max=50),
    )
    is_public = ma.fields.Boolean(load_default=False, metadata={
        "description": "Show the progress (no personal data) on the public page /public/campaigns/{id}"})

    @ma.validates("timezone")
    def validate_timezone(self, value, **kwargs):
        """Only zones the machine knows."""
        if not is_valid_zone(value):
            raise ma.ValidationError(_("Unknown time zone."))

    @ma.validates("topics")
    def validate_topics(self, value, **kwargs):
        """Topics are distinct."""
        if len({topic.casefold() for topic in value}) != len(value):
            raise ma.ValidationError(_("Topics must be distinct."))

    @ma.validates_schema
    def validate_window(self, data, **kwargs):
        """The deadline is on or after the start, within a year."""
        start, deadline = data.get("start_date"), data.get("deadline")
        if start and deadline and deadline < start:
            raise ma.ValidationError(_("The deadline must not be before the start date."), "deadline")
        if start and deadline and (deadline - start).days > 366:
            raise ma.ValidationError(_("A campaign lasts at most a year."), "deadline")


class CampaignUpdateSchema(CampaignCreateSchema):
    """The same fields as creation, every one optional; the province cannot change."""

    class Meta:
        exclude = ("unit",)

    def __init__(self, **kwargs):
        super().__init__(partial=True, **kwargs)


class TargetItemSchema(ma.Schema):
    unit = UnitField(required=True, levels=[UnitLevel.commune, UnitLevel.village])
    target = ma.fields.Integer(required=True, validate=ma.validate.Range(min=0))


class TargetsUpdateSchema(ma.Schema):
    targets = ma.fields.List(ma.fields.Nested(TargetItemSchema), validate=ma.validate.Length(min=1, max=10000))
    rate = ma.fields.Float(validate=ma.validate.Range(min=0, max=1, min_inclusive=False))

    @ma.validates_schema
    def one_of(self, data, **kwargs):
        """Exactly one of ``targets`` and ``rate``."""
        if ("targets" in data) == ("rate" in data):
            raise ma.ValidationError(_("Give either a list of targets or a rate."))


class CountdownArgsSchema(ma.Schema):
    date = ma.fields.Date(metadata={"description": "Digest date; default today in the campaign time zone"})


class CountdownSchema(ma.Schema):
    day_number = ma.fields.Integer()
    days_total = ma.fields.Integer()
    days_left = ma.fields.Integer()


class CampaignFormMixin:
    """The campaign form: topics one per line; blank optional fields take their defaults."""


    @ma.pre_load
    def read_form(self, data, **kwargs):
        """Split the topics textarea into a list and read blank fields."""
        data = {key: data[key] for key in data}
        if "topics" in data:
            texts = data["topics"] if isinstance(data["topics"], list) else [data["topics"]]
            data["topics"] = [line.strip() for text in texts for line in str(text).splitlines() if line.strip()]
        for key in ("timezone", "digest_time"):
            if data.get(key) == "":
                del data[key]
        if data.get("target") == "":
            data["target"] = None
        # An unticked box sends nothing: the form says it showed the box, and its absence means no.
        if data.pop("is_public_shown", None) is not None:
            data["is_public"] = data.get("is_public") in ("on", "true", "1")
        return data


class CampaignFormSchema(CampaignFormMixin, CampaignCreateSchema):
    pass


class CampaignSettingsFormSchema(CampaignFormMixin, CampaignUpdateSchema):
    pass


class TargetsFormSchema(TargetsUpdateSchema):
    """The targets table: one ``target-<code>`` input per commune; blank inputs are left alone."""


    @ma.pre_load
    def read_table(self, data, **kwargs):
        """Turn the table's inputs into ``{"targets": [{"unit", "target"}]}``."""
        self.codes = [key[7:] for key in data if key.startswith("target-") and str(data[key]).strip()]
        return {"targets": [{"unit": code, "target": data[f"target-{code}"].strip()} for code in self.codes]}


    def handle_error(self, error, data, **kwargs):
        """Report messages by input (``target-<code>``) rather than by list position."""
        rows = error.messages.get("targets") if isinstance(error.messages, dict) else None
        if isinstance(rows, dict):
            raise ma.ValidationError({
                f"target-{self.codes[index]}": [text for messages in row.values() for text in messages]
                for index, row in rows.items()
            })
        if rows is not None:
            raise ma.ValidationError({"_schema": [_("Enter at least one target.")]})


class RateFormSchema(TargetsUpdateSchema):
    """The "rate of population" form, in percent."""


    @ma.pre_load
    def read_percent(self, data, **kwargs):
        """Turn ``percent`` (e.g. ``70``) into ``rate`` (0.7)."""
        text = str(data.get("percent") or "").strip().replace(",", ".")
        try:
            return {"rate": float(text) / 100}
        except ValueError:
            return {"rate": text}


    def handle_error(self, error, data, **kwargs):
        """Speak of percent, as the form does."""
        raise ma.ValidationError({"percent": [_("Enter a percentage above 0 and at most 100.")]})
