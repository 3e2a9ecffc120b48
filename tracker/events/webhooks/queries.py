"""Reading webhook subscriptions and deliveries, scoped by the admin's unit."""
import sqlalchemy as sa
from flask_babel import gettext as _

from tracker.auth.access import ensure_can, scope_filter
from tracker.core.errors import NotFound
from tracker.events.models import Event
from tracker.events.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookSubscription
from tracker.extensions import db
from tracker.geo.models import Unit


def subscriptions_for(user):
    """Return the subscriptions of ``user``'s area, oldest first."""
    ensure_can(user, "webhooks.manage")
    stmt = (sa.select(WebhookSubscription).join(WebhookSubscription.unit).where(scope_filter(user, Unit))
            .order_by(WebhookSubscription.id))
    return db.session.scalars(stmt).all()


def get_subscription_for(user, subscription_id):
    """Return a subscription ``user`` manages; 404 outside their area, 403 for other roles."""
    subscription = db.session.get(WebhookSubscription, subscription_id)
    if subscription is None:
        raise NotFound(_("Not found."))
    ensure_can(user, "webhooks.manage", subscription.unit)
    return subscription


def get_delivery_for(user, subscription, delivery_id):
    """Return one delivery of ``subscription`` (already checked for ``user``), or 404."""
    delivery = db.session.get(WebhookDelivery, delivery_id)
    if delivery is None or delivery.subscription_id != subscription.id:
        raise NotFound(_("Not found."))
    return delivery


def deliveries_of(subscription, *, status=None):
    """Return a select of ``subscription``'s deliveries with their events and attempts."""
    stmt = (sa.select(WebhookDelivery).where(WebhookDelivery.subscription_id == subscription.id)
            .options(sa.orm.selectinload(WebhookDelivery.attempts), sa.orm.selectinload(WebhookDelivery.event)))
    if status is not None:
        stmt = stmt.where(WebhookDelivery.status == status)
    return stmt


def latest_deliveries(subscription, *, limit, before=None, status=None):
    """Return ``subscription``'s newest deliveries (before id ``before``), newest first."""
    stmt = deliveries_of(subscription, status=status).order_by(WebhookDelivery.id.desc()).limit(limit)
    if before:
        stmt = stmt.where(WebhookDelivery.id < before)
    return db.session.scalars(stmt).all()


def delivery_counts(subscription):
    """Return ``{status: count}`` of ``subscription``'s deliveries (in SQL)."""
    rows = db.session.execute(sa.select(WebhookDelivery.status, sa.func.count())
                              .where(WebhookDelivery.subscription_id == subscription.id)
                              .group_by(WebhookDelivery.status))
    return dict(rows.all())


def last_event_id():
    """Return the id of the newest event (0 for an empty log)."""
    return db.session.scalar(sa.select(sa.func.coalesce(sa.func.max(Event.id), 0)))


def first_pending(subscription_id):
    """Return the subscription's pending delivery of the oldest event, or None."""
    return db.session.scalars(
        sa.select(WebhookDelivery)
        .where(WebhookDelivery.subscription_id == subscription_id, WebhookDelivery.status == DeliveryStatus.pending)
        .order_by(WebhookDelivery.event_id).limit(1)
    ).first()


def active_subscription_ids():
    """Return the ids of the subscriptions that receive events, oldest first."""
    return db.session.scalars(sa.select(WebhookSubscription.id).where(WebhookSubscription.is_active)
                              .order_by(WebhookSubscription.id)).all()
