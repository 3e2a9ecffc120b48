"""Every change to webhook subscriptions: subscribe, disable, enable, send a delivery again."""
import secrets

from flask_babel import gettext as _

from tracker.auth.access import ensure_can
from tracker.core.errors import Conflict
from tracker.core.time import utcnow
from tracker.events import operations as events
from tracker.events.webhooks import signing
from tracker.events.webhooks.models import (
    DeliveryStatus,
    DisabledReason,
    WebhookDelivery,
    WebhookSubscription,
)
from tracker.events.webhooks.queries import last_event_id
from tracker.extensions import db


def subscribe(data, *, user, now=None):
    """Subscribe ``data["url"]`` to ``data["events"]``; return the subscription.

    Its secret is generated here and stays readable on the returned object for the caller to show
    once. Events already in the log are not sent: delivery starts after the newest one.
    """
    ensure_can(user, "webhooks.manage")
    subscription = WebhookSubscription(
        url=data["url"], event_types=data["events"], secret=signing.new_secret(), owner=user, unit=user.unit,
        last_event_id=last_event_id(), created_at=now or utcnow(),
    )
    db.session.add(subscription)
    db.session.flush()
    _record("webhook.subscribed", subscription, {"event_types": subscription.event_types}, user=user)
    return subscription


def disable(subscription, *, user, reason=DisabledReason.admin, now=None):
    """Stop delivering to ``subscription`` (``user`` None: the receiver said 410 Gone)."""
    if user is not None:
        ensure_can(user, "webhooks.manage", subscription.unit)
    if not subscription.is_active:
        raise Conflict(_("This webhook is already disabled."))
    subscription.is_active = False
    subscription.disabled_reason, subscription.disabled_at = reason, now or utcnow()
    db.session.flush()
    _record("webhook.disabled", subscription, {"reason": reason.value}, user=user)


def enable(subscription, *, user):
    """Deliver to ``subscription`` again, from the event after the last one it was handed."""
    ensure_can(user, "webhooks.manage", subscription.unit)
    if subscription.is_active:
        raise Conflict(_("This webhook is already enabled."))
    subscription.is_active, subscription.disabled_reason, subscription.disabled_at = True, None, None
    db.session.flush()
    _record("webhook.enabled", subscription, {}, user=user)


def send_again(delivery, *, user, now=None):
    """Queue ``delivery`` to be sent at once, with a fresh round of retries.

    It keeps its ``webhook-id``, so a receiver that got it already drops the copy. It goes out
    before any later event of its subscription still waiting.
    """
    ensure_can(user, "webhooks.manage", delivery.subscription.unit)
    delivery.status, delivery.attempt_count = DeliveryStatus.pending, 0
    delivery.next_attempt_at, delivery.delivered_at = now or utcnow(), None
    db.session.flush()
    _record("webhook.resent", delivery.subscription, {"delivery_id": delivery.id, "event_id": delivery.event_id},
            user=user)


def new_message_id():
    """Return a new ``webhook-id``: ``msg_`` and random letters."""
    return "msg_" + secrets.token_urlsafe(18)


def queue_delivery(subscription, event, *, now=None):
    """Add the delivery of ``event`` to ``subscription`` and move its cursor past the event."""
    delivery = WebhookDelivery(subscription=subscription, event=event, message_id=new_message_id(),
                               next_attempt_at=now or utcnow(), created_at=now or utcnow())
    subscription.last_event_id = event.id
    db.session.add(delivery)
    db.session.flush()
    return delivery


def _record(type_, subscription, payload, *, user):
    events.record(type_, subscription, payload, user=user, unit=subscription.unit)
