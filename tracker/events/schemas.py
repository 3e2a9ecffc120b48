"""Event feed input and output."""
import marshmallow as ma

from tracker.core.args import DropBlanks, Id
from tracker.core.routing import MAX_ID


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
    after = ma.fields.Integer(load_default=0, validate=ma.validate.Range(min=0, max=MAX_ID))
    limit = ma.fields.Integer(load_default=100, validate=ma.validate.Range(min=1, max=1000))
    type = ma.fields.List(ma.fields.String(), metadata={"description": "Only these event types"})


class EventListSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(EventSchema))
    next = ma.fields.String(allow_none=True)


class AuditArgsSchema(DropBlanks, ma.Schema):
    type = ma.fields.String(validate=ma.validate.Length(max=50))
    before = Id()
