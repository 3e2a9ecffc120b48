"""The delivery job: every subscription's events, in order, at least once, retried with back-off.

Per subscription a cursor (the last event handed to delivery) walks the event log as its owner
reads it (``events_for``, settled: on PostgreSQL never past a transaction still open). The next
event is queued only when no delivery of the subscription is pending: one that failed waits out
its back-off and blocks the later ones until it is delivered or given up. No transaction is open
while a request is on its way: the delivery is committed first (a crash sends it again: at least
once), its attempt after the answer.

``run_deliveries`` is the scheduled job: a loop that delivers whatever is due, then sleeps until
a commit announces new events (``event_committed``) or ``SWEEP_SECONDS`` pass, for ``LOOP_SECONDS``;
the scheduler starts it every 10 seconds.
Tests call ``deliver_due`` with a simulated ``now``.
"""
import logging
import random
import threading
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from apscheduler.jobstores.base import JobLookupError
from flask import current_app

from tracker.auth.access import can
from tracker.core.jobs import current_runner
from tracker.core.time import utcnow
from tracker.events.operations import event_committed
from tracker.events.queries import events_for
from tracker.events.schemas import EventSchema
from tracker.events.webhooks import delivery, operations, signing
from tracker.events.webhooks.models import (
    DeliveryStatus,
    DisabledReason,
    WebhookAttempt,
    WebhookDelivery,
    WebhookSubscription,
)
from tracker.events.webhooks.queries import active_subscription_ids, first_pending
from tracker.extensions import db

log = logging.getLogger(__name__)

JOB_NAME = "webhook-delivery"
#: Wait after the 1st, 2nd, … failed attempt, in seconds (Standard Webhooks' schedule), ± ``JITTER``.
RETRY_DELAYS = (5, 5 * 60, 30 * 60, 2 * 3600, 5 * 3600, 10 * 3600, 14 * 3600, 20 * 3600, 24 * 3600)
#: Attempts before a delivery is given up (failed): the first and one per delay, about 3 days.
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
JITTER = 0.2
#: How long one run of the job loops (it is started every 10 seconds), and how often it looks for
#: work nobody announced (events committed by another process, retries coming due). Runs stay
#: short because a process that exits waits for the jobs still running (gunicorn gives it 30 s).
LOOP_SECONDS = 8
SWEEP_SECONDS = 2
#: Most messages sent to one subscription in a row before the others get their turn.
BATCH_SIZE = 100

#: Set when events are committed in this process: the delivery loop wakes at once.
_wake = threading.Event()
#: Set while this process runs the delivery loop.
_looping = threading.Event()


@dataclass(frozen=True)
class Message:
    """A delivery ready to go out: where, the signed headers and the body."""

    delivery_id: int
    url: str
    headers: dict
    body: bytes


def event_body(event):
    """Return the JSON body of ``event``: the event exactly as ``GET /api/v1/events`` shows it."""
    return current_app.json.dumps(EventSchema().dump(event), separators=(",", ":")).encode()


def retry_delay(attempts):
    """Return the wait after ``attempts`` failed attempts: 5 s, 5 min, 30 min, 2 h … 24 h, ± 20 %."""
    base = RETRY_DELAYS[min(attempts, len(RETRY_DELAYS)) - 1]
    return timedelta(seconds=base * random.uniform(1 - JITTER, 1 + JITTER))


def next_message(subscription_id, *, now=None):
    """Return the subscription's next message that is due, or None; commits its delivery first.

    The commit also ends the row lock taken here, before any request goes out.
    """
    message = _prepare_message(subscription_id, now or utcnow())
    db.session.commit()
    return message


def _prepare_message(subscription_id, now):
    # Locked (on PostgreSQL) until the commit: a process that lost the lease a moment ago and one
    # that just took it never queue the same event twice.
    subscription = db.session.get(WebhookSubscription, subscription_id, with_for_update=True, populate_existing=True)
    if subscription is None or not subscription.is_active or not can(subscription.owner, "events.read"):
        return None
    pending = first_pending(subscription.id)
    if pending is not None and pending.next_attempt_at > now:
        return None
    if pending is None:
        event = next_event(subscription)
        if event is None:
            skip_to_latest(subscription)
            return None
        pending = operations.queue_delivery(subscription, event, now=now)
    body = event_body(pending.event)
    return Message(pending.id, subscription.url,
                   signing.headers(subscription.secret, pending.message_id, now.timestamp(), body), body)


def next_event(subscription):
    """Return the next event for ``subscription``: after its last one, of its types, settled, in its owner's scope."""
    events = events_for(subscription.owner, after=subscription.last_event_id, types=subscription.event_types)
    return db.session.scalars(events.limit(1)).first()


def skip_to_latest(subscription):
    """Move the cursor past the settled events of other types, so later reads start near the end of the log.

    Without it a subscription to a rare type would read every event since its last match, each time.
    """
    events = events_for(subscription.owner, after=subscription.last_event_id).order_by(None).subquery()
    latest = db.session.scalar(sa.select(sa.func.max(events.c.id)))
    if latest is not None:
        subscription.last_event_id = latest


def record_attempt(delivery_id, outcome, *, now=None):
    """Record the outcome of one attempt; return ``delivered``, ``retrying``, ``failed`` or ``disabled``."""
    now = now or utcnow()
    row = db.session.get(WebhookDelivery, delivery_id)
    if row is None:  # its subscription was removed while the request was out
        return "failed"
    row.attempt_count += 1
    attempt = WebhookAttempt(delivery=row, attempted_at=now, status_code=outcome.status_code, error=outcome.error,
                             duration_ms=outcome.duration_ms, next_attempt_at=None)
    db.session.add(attempt)
    if outcome.is_success:
        row.status, row.delivered_at, row.next_attempt_at = DeliveryStatus.delivered, now, None
        result = "delivered"
    elif outcome.is_gone or row.attempt_count >= MAX_ATTEMPTS:
        row.status, row.next_attempt_at = DeliveryStatus.failed, None
        result = "failed"
        if outcome.is_gone and row.subscription.is_active:
            operations.disable(row.subscription, user=None, reason=DisabledReason.gone, now=now)
            result = "disabled"
    else:
        row.next_attempt_at = attempt.next_attempt_at = now + retry_delay(row.attempt_count)
        result = "retrying"
    db.session.commit()
    log.log(logging.INFO if result == "delivered" else logging.WARNING, "webhook delivery %s (subscription %s) "
            "attempt %d: %s %s", row.id, row.subscription_id, row.attempt_count, result, outcome.status_code or "")
    return result


def deliver_subscription(subscription_id, *, now=None, limit=BATCH_SIZE):
    """Send the subscription's due messages in order, stopping at the first that does not succeed."""
    outcomes = Counter()
    for _message in range(limit):
        message = next_message(subscription_id, now=now)
        if message is None:
            break
        outcome = delivery.post(message.url, message.body, message.headers,
                                timeout=current_app.config["TRACKER_WEBHOOK_TIMEOUT"])
        result = record_attempt(message.delivery_id, outcome, now=now)
        outcomes[result] += 1
        if result in {"retrying", "disabled"}:
            break
    return outcomes


def deliver_due(*, now=None):
    """Send every subscription's due messages once round; return the count of each outcome."""
    outcomes = Counter()
    for subscription_id in active_subscription_ids():
        try:
            outcomes.update(deliver_subscription(subscription_id, now=now))
        except Exception:
            # One subscription's trouble (a bug, the database) must not hold up the others.
            db.session.rollback()
            log.exception("delivering to webhook subscription %s failed", subscription_id)
    db.session.commit()
    return dict(outcomes)


def run_deliveries(*, seconds=LOOP_SECONDS, sweep=SWEEP_SECONDS):
    """Deliver what is due for ``seconds``, waking when events are committed and every ``sweep`` s."""
    deadline = _loop_deadline(seconds)
    outcomes = Counter()
    _looping.set()
    try:
        while _still_held():
            _wake.clear()
            outcomes.update(deliver_due())
            left = (deadline - utcnow()).total_seconds()
            if left <= 0:
                break
            _wake.wait(min(sweep, left))
    finally:
        _looping.clear()
    return dict(outcomes)


def _still_held():
    """Tell whether the loop may go on: the lease as the scheduler last renewed it (no write of our own).

    The scheduler renews the lease every third of its lifetime and stops on exit; a loop that took
    it again on its own could race with that stop and keep a lease its process gave up.
    """
    runner = current_runner()
    return runner is None or (bool(runner.held) and not runner.stopped)


def _loop_deadline(seconds, *, now=None):
    """Return when the loop ends: after ``seconds``, and a second before the scheduler's next run of it."""
    deadline = (now or utcnow()) + timedelta(seconds=seconds)
    runner = current_runner()
    entry = runner.scheduler.get_job(JOB_NAME) if runner is not None else None
    if entry is not None and entry.next_run_time is not None:
        # A run still looping when the next is due makes APScheduler skip that one with a warning.
        deadline = min(deadline, entry.next_run_time - timedelta(seconds=1))
    return deadline


def wake(app, **kwargs):
    """Wake the delivery loop (events were committed); start the job now if it is between runs."""
    _wake.set()
    runner = app.extensions.get("tracker.scheduler")
    if runner is None or _looping.is_set() or not runner.held:
        return
    try:
        runner.scheduler.modify_job(JOB_NAME, next_run_time=utcnow())
    except JobLookupError:
        pass


def init_webhooks(app):
    """Let commits of this app wake the delivery job."""
    event_committed.connect(wake, sender=app)
