"""Webhook subscriptions, one delivery per (subscription, event) and every attempt at it."""
import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.core.db import str_enum
from tracker.core.time import utcnow
from tracker.extensions import db
from tracker.geo.models import Unit

#: Event ids are BIGINT on PostgreSQL (as ``events.id``).
EventId = sa.BigInteger().with_variant(sa.Integer, "sqlite")


class DisabledReason(enum.StrEnum):
    #: An admin switched it off.
    admin = "admin"
    #: The receiver answered 410 Gone.
    gone = "gone"


class WebhookSubscription(db.Model):
    """A URL that receives the events of some types, in order, signed with its own secret."""

    __tablename__ = "webhook_subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(sa.String(2000))
    #: The event types delivered (``checkin.recorded`` …).
    event_types: Mapped[list] = mapped_column(sa.JSON)
    #: ``whsec_`` + base64 of the signing key. Kept to sign with; shown once, when subscribed.
    secret: Mapped[str] = mapped_column(sa.String(100))
    #: The admin who subscribed: events are read with their scope.
    owner_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    #: The owner's unit when subscribing, for scoping who manages the subscription.
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id", ondelete="RESTRICT"), index=True)
    is_active: Mapped[bool] = mapped_column(default=True)
    disabled_reason: Mapped[DisabledReason | None] = mapped_column(str_enum(DisabledReason, "webhook_disabled_reason"))
    disabled_at: Mapped[datetime | None]
    #: The last event handled (delivered, given up or queued as a delivery): the next one is after it.
    last_event_id: Mapped[int] = mapped_column(EventId, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    owner = relationship("User")
    unit: Mapped[Unit] = relationship()


class DeliveryStatus(enum.StrEnum):
    pending = "pending"
    delivered = "delivered"
    failed = "failed"


class WebhookDelivery(db.Model):
    """One event sent to one subscription: pending until delivered, or failed after its attempts."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        sa.UniqueConstraint("subscription_id", "event_id"),
        sa.Index("ix_webhook_deliveries_subscription_id_status_event_id", "subscription_id", "status", "event_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(sa.ForeignKey("webhook_subscriptions.id", ondelete="CASCADE"))
    event_id: Mapped[int] = mapped_column(EventId, sa.ForeignKey("events.id", ondelete="CASCADE"))
    #: The ``webhook-id`` header: the same on every attempt, for the receiver to deduplicate by.
    message_id: Mapped[str] = mapped_column(sa.String(40), unique=True)
    status: Mapped[DeliveryStatus] = mapped_column(str_enum(DeliveryStatus, "webhook_delivery_status"),
                                                   default=DeliveryStatus.pending)
    #: Attempts made since it was (last) queued; the back-off follows it.
    attempt_count: Mapped[int] = mapped_column(default=0)
    #: When the next attempt is due (None once delivered or given up).
    next_attempt_at: Mapped[datetime | None] = mapped_column(default=utcnow)
    delivered_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    subscription: Mapped[WebhookSubscription] = relationship()
    event = relationship("Event")
    attempts: Mapped[list["WebhookAttempt"]] = relationship(
        back_populates="delivery", order_by="WebhookAttempt.id", cascade="all, delete-orphan", passive_deletes=True)


class WebhookAttempt(db.Model):
    """One HTTP request of a delivery and what came of it."""

    __tablename__ = "webhook_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(sa.ForeignKey("webhook_deliveries.id", ondelete="CASCADE"), index=True)
    attempted_at: Mapped[datetime]
    #: The receiver's HTTP status, or None when no answer came (refused, timeout …).
    status_code: Mapped[int | None]
    #: What went wrong, for the admins' page (never the body sent).
    error: Mapped[str | None] = mapped_column(sa.String(500))
    duration_ms: Mapped[int]
    #: When the delivery was to be tried again after this attempt (None: delivered or given up).
    next_attempt_at: Mapped[datetime | None]

    delivery: Mapped[WebhookDelivery] = relationship(back_populates="attempts")

    @property
    def is_success(self):
        return self.status_code is not None and 200 <= self.status_code < 300
