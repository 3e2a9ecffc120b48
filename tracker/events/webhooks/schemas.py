"""Webhook input and output: subscribing, the subscriptions and their deliveries."""
from urllib.parse import urlsplit

import marshmallow as ma
from flask_babel import gettext as _

from tracker.core.args import DropBlanks, Id
from tracker.core.pagination import PageArgsSchema
from tracker.core.templating import EVENT_LABELS
from tracker.events.webhooks.models import DeliveryStatus, DisabledReason

#: Longest URL accepted (the column's size).
URL_LENGTH = 2000


def known_event_types():
    """Return the event types one may subscribe to: every type the app records."""
    return list(EVENT_LABELS)


class WebhookCreateSchema(ma.Schema):
    url = ma.fields.String(required=True, metadata={"description": "An http:// or https:// URL"})
    events = ma.fields.List(ma.fields.String(), required=True,
                            metadata={"description": "Event types to deliver, e.g. checkin.recorded"})

    @ma.validates("url")
    def validate_url(self, value, **kwargs):
        """Only absolute http(s) URLs with a host; no spaces, not too long."""
        if len(value) > URL_LENGTH:
            raise ma.ValidationError(_("At most %(count)s characters.", count=URL_LENGTH))
        try:
            parts = urlsplit(value)
            parts.port  # noqa: B018 (parsing the port raises for a bad one)
        except ValueError:
            raise ma.ValidationError(_("Not a valid URL.")) from None
        if parts.scheme not in {"http", "https"}:
            raise ma.ValidationError(_("Only http:// and https:// URLs can receive webhooks."))
        if not parts.hostname or any(char.isspace() for char in value):
            raise ma.ValidationError(_("Not a valid URL."))

    @ma.validates_schema
    def validate_some_events(self, data, **kwargs):
        """At least one event type (a form with no box ticked sends none)."""
        if "events" in data and not data["events"]:
            raise ma.ValidationError(_("Choose at least one event type."), "events")

    @ma.validates("events")
    def validate_events(self, value, **kwargs):
        """Every type known."""
        unknown = sorted(set(value) - set(known_event_types()))
        if unknown:
            raise ma.ValidationError(_("Unknown event types: %(types)s.", types=", ".join(unknown)))

    @ma.post_load
    def unique_events(self, data, **kwargs):
        """Keep each event type once, in the order given."""
        return data | {"events": list(dict.fromkeys(data["events"]))}


class WebhookFormSchema(WebhookCreateSchema):
    """The admin page's form: the ticked event types (none ticked: none sent)."""

    events = ma.fields.List(ma.fields.String(), load_default=list)


class WebhookSchema(ma.Schema):
    id = ma.fields.Integer()
    url = ma.fields.String()
    events = ma.fields.List(ma.fields.String(), attribute="event_types")
    is_active = ma.fields.Boolean()
    disabled_reason = ma.fields.Enum(DisabledReason, by_value=True, allow_none=True,
                                     metadata={"description": "admin, or gone (the receiver answered 410)"})
    disabled_at = ma.fields.AwareDateTime(allow_none=True)
    last_event_id = ma.fields.Integer(metadata={"description": "The last event handed to delivery"})
    created_at = ma.fields.AwareDateTime()


class WebhookCreatedSchema(WebhookSchema):
    secret = ma.fields.String(metadata={"description": "The signing secret (whsec_…), shown this once only"})


class WebhookListSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(WebhookSchema))


class AttemptSchema(ma.Schema):
    attempted_at = ma.fields.AwareDateTime()
    status_code = ma.fields.Integer(allow_none=True)
    error = ma.fields.String(allow_none=True)
    duration_ms = ma.fields.Integer()
    next_attempt_at = ma.fields.AwareDateTime(allow_none=True)


class DeliverySchema(ma.Schema):
    id = ma.fields.Integer()
    event_id = ma.fields.Integer()
    event_type = ma.fields.String(attribute="event.type")
    message_id = ma.fields.String(metadata={"description": "The webhook-id header"})
    status = ma.fields.Enum(DeliveryStatus, by_value=True)
    attempt_count = ma.fields.Integer()
    next_attempt_at = ma.fields.AwareDateTime(allow_none=True)
    delivered_at = ma.fields.AwareDateTime(allow_none=True)
    created_at = ma.fields.AwareDateTime()
    attempts = ma.fields.List(ma.fields.Nested(AttemptSchema))


class DeliveryListArgsSchema(PageArgsSchema):
    status = ma.fields.Enum(DeliveryStatus, by_value=True)


class DeliveryListSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(DeliverySchema))
    next = ma.fields.String(allow_none=True)


class DeliveryPageArgsSchema(DropBlanks, ma.Schema):
    status = ma.fields.Enum(DeliveryStatus, by_value=True)
    before = Id()
