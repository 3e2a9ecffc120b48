"""``/api/v1/webhooks``: subscriptions (admins) and their deliveries."""
from flask_login import current_user

from tracker.api.common import protect
from tracker.auth.access import requires
from tracker.core.args import Blueprint
from tracker.core.pagination import next_url, paginate
from tracker.events.webhooks import operations
from tracker.events.webhooks.models import WebhookDelivery
from tracker.events.webhooks.queries import (
    deliveries_of,
    get_delivery_for,
    get_subscription_for,
    subscriptions_for,
)
from tracker.events.webhooks.schemas import (
    DeliveryListArgsSchema,
    DeliveryListSchema,
    DeliverySchema,
    WebhookCreatedSchema,
    WebhookCreateSchema,
    WebhookListSchema,
    WebhookSchema,
)
from tracker.extensions import db

bp = protect(Blueprint("api_webhooks", __name__, url_prefix="/api/v1/webhooks", description="Webhooks"))


@bp.get("")
@requires("webhooks.manage")
@bp.response(200, WebhookListSchema)
def list_webhooks():
    """List the webhook subscriptions of your area (their secrets are never shown again)."""
    return {"items": subscriptions_for(current_user)}


@bp.post("")
@requires("webhooks.manage")
@bp.arguments(WebhookCreateSchema)
@bp.response(201, WebhookCreatedSchema)
def create_webhook(data):
    """Subscribe a URL to event types; the answer carries the signing ``secret``, this once only."""
    subscription = operations.subscribe(data, user=current_user)
    db.session.commit()
    return subscription


@bp.get("/<int:subscription_id>")
@requires("webhooks.manage")
@bp.response(200, WebhookSchema)
def get_webhook(subscription_id):
    """Show a subscription."""
    return get_subscription_for(current_user, subscription_id)


@bp.post("/<int:subscription_id>/disable")
@requires("webhooks.manage")
@bp.response(200, WebhookSchema)
def disable_webhook(subscription_id):
    """Stop delivering to a subscription."""
    subscription = get_subscription_for(current_user, subscription_id)
    operations.disable(subscription, user=current_user)
    db.session.commit()
    return subscription


@bp.post("/<int:subscription_id>/enable")
@requires("webhooks.manage")
@bp.response(200, WebhookSchema)
def enable_webhook(subscription_id):
    """Deliver to a subscription again, from where it stopped."""
    subscription = get_subscription_for(current_user, subscription_id)
    operations.enable(subscription, user=current_user)
    db.session.commit()
    return subscription


@bp.get("/<int:subscription_id>/deliveries")
@requires("webhooks.manage")
@bp.arguments(DeliveryListArgsSchema, location="query")
@bp.response(200, DeliveryListSchema)
def list_deliveries(args, subscription_id):
    """Page through a subscription's deliveries, oldest first, each with its attempts."""
    subscription = get_subscription_for(current_user, subscription_id)
    items, cursor = paginate(deliveries_of(subscription, status=args.get("status")), [WebhookDelivery.id],
                             cursor=args.get("cursor"), limit=args["limit"])
    return {"items": items, "next": next_url(cursor)}


@bp.post("/<int:subscription_id>/deliveries/<int:delivery_id>/send-again")
@requires("webhooks.manage")
@bp.response(200, DeliverySchema)
def send_delivery_again(subscription_id, delivery_id):
    """Send a delivery again at once (same ``webhook-id``), before the later events still waiting."""
    subscription = get_subscription_for(current_user, subscription_id)
    delivery = get_delivery_for(current_user, subscription, delivery_id)
    operations.send_again(delivery, user=current_user)
    db.session.commit()
    return delivery
