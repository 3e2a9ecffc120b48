"""HTML pages for admins: webhook subscriptions, their deliveries and attempts, send again."""
from flask import Blueprint, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from tracker.auth.access import ensure_can, requires
from tracker.core.args import load
from tracker.core.errors import AppError
from tracker.core.views import refused
from tracker.events.webhooks import operations
from tracker.events.webhooks.jobs import MAX_ATTEMPTS
from tracker.events.webhooks.models import DeliveryStatus
from tracker.events.webhooks.queries import (
    delivery_counts,
    get_delivery_for,
    get_subscription_for,
    latest_deliveries,
    subscriptions_for,
)
from tracker.events.webhooks.schemas import DeliveryPageArgsSchema, WebhookFormSchema, known_event_types
from tracker.extensions import db

bp = Blueprint("webhooks", __name__)

#: Deliveries per page of a subscription.
PAGE_SIZE = 50


@bp.get("/webhooks")
@requires("webhooks.manage")
@login_required
def list_webhooks():
    """The subscriptions of the admin's area and the form to add one."""
    return _render_list()


@bp.post("/webhooks")
@requires("webhooks.manage")
@login_required
def create_webhook():
    """Subscribe a URL; the page that answers shows the secret, this once only."""
    ensure_can(current_user, "webhooks.manage")
    try:
        subscription = operations.subscribe(load(WebhookFormSchema()), user=current_user)
        db.session.commit()
    except AppError as error:
        return _render_list(form=request.form, errors=refused(error), status=422)
    response = make_response(render_template("webhooks/created.html", subscription=subscription,
                                             secret=subscription.secret, section="webhooks"), 201)
    # The secret must not stay in a cache: it is shown this once.
    response.headers["Cache-Control"] = "no-store"
    return response


def _render_list(form=None, errors=None, status=200):
    subscriptions = subscriptions_for(current_user)
    form = form or {}
    chosen = form.getlist("events") if hasattr(form, "getlist") else ["checkin.recorded"]
    return render_template("webhooks/list.html", subscriptions=subscriptions, form=form, errors=errors or {},
                           event_types=known_event_types(), chosen=chosen, section="webhooks"), status


@bp.get("/webhooks/<int:subscription_id>")
@requires("webhooks.manage")
@login_required
def webhook(subscription_id):
    """A subscription: its state and its deliveries, newest first, with every attempt."""
    subscription = get_subscription_for(current_user, subscription_id)
    args = load(DeliveryPageArgsSchema(), "query")
    deliveries = latest_deliveries(subscription, limit=PAGE_SIZE + 1, before=args.get("before"),
                                   status=args.get("status"))
    older = deliveries[PAGE_SIZE - 1].id if len(deliveries) > PAGE_SIZE else None
    return render_template("webhooks/webhook.html", subscription=subscription, deliveries=deliveries[:PAGE_SIZE],
                           older=older, status=args.get("status"), counts=delivery_counts(subscription),
                           statuses=list(DeliveryStatus), max_attempts=MAX_ATTEMPTS, section="webhooks")


@bp.post("/webhooks/<int:subscription_id>/disable")
@requires("webhooks.manage")
@login_required
def disable_webhook(subscription_id):
    """Stop delivering to a subscription."""
    subscription = get_subscription_for(current_user, subscription_id)
    operations.disable(subscription, user=current_user)
    db.session.commit()
    flash(_("The webhook is disabled: no more events are sent to it."), "success")
    return redirect(url_for("webhooks.webhook", subscription_id=subscription.id))


@bp.post("/webhooks/<int:subscription_id>/enable")
@requires("webhooks.manage")
@login_required
def enable_webhook(subscription_id):
    """Deliver to a subscription again, from where it stopped."""
    subscription = get_subscription_for(current_user, subscription_id)
    operations.enable(subscription, user=current_user)
    db.session.commit()
    flash(_("The webhook is enabled: the events since it stopped are on their way."), "success")
    return redirect(url_for("webhooks.webhook", subscription_id=subscription.id))


@bp.post("/webhooks/<int:subscription_id>/deliveries/<int:delivery_id>/send-again")
@requires("webhooks.manage")
@login_required
def send_again(subscription_id, delivery_id):
    """Send one delivery again at once."""
    subscription = get_subscription_for(current_user, subscription_id)
    delivery = get_delivery_for(current_user, subscription, delivery_id)
    operations.send_again(delivery, user=current_user)
    db.session.commit()
    flash(_("Event %(id)s will be sent again in a few seconds.", id=delivery.event_id), "success")
    return redirect(url_for("webhooks.webhook", subscription_id=subscription.id))
