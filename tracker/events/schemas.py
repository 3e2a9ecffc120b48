"""Event feed input and output."""
from datetime import date

import marshmallow as ma
from flask_babel import gettext as _

from tracker.core.args import DropBlanks, Id
from tracker.core.routing import MAX_BIG_ID

#: The days the audit trail may be filtered by (beyond them a day's bounds are not instants).
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2999, 12, 31)


class EventSchema(ma.Schema):
    id = ma.fields.Integer()
    type = ma.fields.String()
    occurred_at = ma.fields.AwareDateTime()
    actor = ma.fields.String(attribute="actor.username", allow_none=True)
    campaign_id = ma.fields.Integer(allow_none=True)
    unit = ma.fields.String(attribute="unit.code", allow_none=True)
    subject = ma.fields.Dict()
    payload = ma.fields.Dict()


class EventListArgsSchema(ma.Schema):
    after = ma.fields.Integer(load_default=0, validate=ma.validate.Range(min=0, max=MAX_BIG_ID))
    limit = ma.fields.Integer(load_default=100, validate=ma.validate.Range(min=1, max=1000))
    type = ma.fields.List(ma.fields.String(), metadata={"description": "Only these event types"})


class EventListSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(EventSchema))
    next = ma.fields.String(allow_none=True)


class AuditArgsSchema(DropBlanks, ma.Schema):
    """The audit trail's filters: event type, unit (by code) and actor (by username), local days, paging."""

    type = ma.fields.String(validate=ma.validate.Length(max=50))
    unit = ma.fields.String(validate=ma.validate.Length(max=20))
    actor = ma.fields.String(validate=ma.validate.Length(max=80))
    since = ma.fields.Date(validate=ma.validate.Range(min=FIRST_DAY, max=LAST_DAY))
    until = ma.fields.Date(validate=ma.validate.Range(min=FIRST_DAY, max=LAST_DAY))
    before = Id(largest=MAX_BIG_ID)

    @ma.post_load
    def strip(self, data, **kwargs):
        """Trim the typed values (a code pasted with a space still finds its unit)."""
        return {key: value.strip() if isinstance(value, str) else value for key, value in data.items()}

    @ma.validates_schema
    def validate_days(self, data, **kwargs):
        """The first day must not come after the last."""
        if "since" in data and "until" in data and data["since"] > data["until"]:
            raise ma.ValidationError(_("The first day must not be after the last."), "until")
