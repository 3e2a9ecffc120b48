"""Stored digests, their recipients and every e-mail sent of them."""
import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.campaigns.models import Campaign
from tracker.core.db import str_enum
from tracker.core.time import utcnow
from tracker.extensions import db
from tracker.geo.models import Unit


class Digest(db.Model):
    """The countdown digest of one unit for one day, as of 00:00 local on ``date``."""

    __tablename__ = "digests"
    __table_args__ = (sa.UniqueConstraint("campaign_id", "unit_id", "date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("campaigns.id", ondelete="CASCADE"))
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id", ondelete="RESTRICT"), index=True)
    #: The local calendar day the digest is for; it covers everything up to the end of the day before.
    date: Mapped[date]
    #: The figures of SPEC §6, as JSON (see ``tracker.digests.figures``).
    payload: Mapped[dict] = mapped_column(sa.JSON)
    compiled_at: Mapped[datetime] = mapped_column(default=utcnow)

    campaign: Mapped[Campaign] = relationship()
    unit: Mapped[Unit] = relationship()

    def __repr__(self):
        return f"<Digest {self.campaign_id} {self.unit_id} {self.date}>"


class ProgressSnapshot(db.Model):
    """The digest's figures of one unit as of a recent instant: what dashboards and the public page show.

    A cache, not a record: each refresh replaces the row (no event), computed by the digest's own
    function (``figures.build_payload_at``) so that the dashboard and the digest agree for the same
    moment. The scheduler keeps provinces fresh; communes and villages are refreshed when read.
    """

    __tablename__ = "progress_snapshots"
    __table_args__ = (sa.UniqueConstraint("campaign_id", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("campaigns.id", ondelete="CASCADE"))
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id", ondelete="CASCADE"), index=True)
    #: The instant the figures describe.
    as_of: Mapped[datetime]
    #: Loaded only when read: a poll whose figures did not change (a 304) never fetches them.
    payload: Mapped[dict] = mapped_column(sa.JSON, deferred=True)
    #: How long computing them took, in milliseconds (the refresh waits a multiple of it).
    duration_ms: Mapped[int] = mapped_column(default=0)

    campaign: Mapped[Campaign] = relationship()
    unit: Mapped[Unit] = relationship()

    def __repr__(self):
        return f"<ProgressSnapshot {self.campaign_id} {self.unit_id} {self.as_of}>"


class DigestRecipient(db.Model):
    """An address that receives the daily digest of one unit."""

    __tablename__ = "digest_recipients"
    __table_args__ = (sa.UniqueConstraint("unit_id", "email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id", ondelete="RESTRICT"), index=True)
    email: Mapped[str] = mapped_column(sa.String(254))
    name: Mapped[str | None] = mapped_column(sa.String(200))
    #: The account that subscribed itself, if any (its address follows the account's).
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    #: Language of the e-mail (``vi`` or ``en``).
    language: Mapped[str] = mapped_column(sa.String(5), default="vi")
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    unit: Mapped[Unit] = relationship()
    user = relationship("User")


class EmailStatus(enum.StrEnum):
    queued = "queued"
    sent = "sent"
    failed = "failed"


class DigestEmail(db.Model):
    """One digest sent to one recipient: queued, then sent or failed after its attempts."""

    __tablename__ = "digest_emails"
    # Never sent twice for the same digest and recipient: recompiling a digest keeps its row.
    __table_args__ = (
        sa.UniqueConstraint("digest_id", "recipient_id"),
        sa.Index("ix_digest_emails_status_next_attempt_at", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    digest_id: Mapped[int] = mapped_column(sa.ForeignKey("digests.id", ondelete="CASCADE"))
    recipient_id: Mapped[int] = mapped_column(sa.ForeignKey("digest_recipients.id", ondelete="CASCADE"))
    #: The address it went (or goes) to, kept as it was at the time.
    email: Mapped[str] = mapped_column(sa.String(254))
    status: Mapped[EmailStatus] = mapped_column(str_enum(EmailStatus, "email_status"), default=EmailStatus.queued)
    attempts: Mapped[int] = mapped_column(default=0)
    #: When the next attempt is due (None once sent or given up).
    next_attempt_at: Mapped[datetime | None] = mapped_column(default=utcnow)
    last_error: Mapped[str | None] = mapped_column(sa.String(1000))
    sent_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    digest: Mapped[Digest] = relationship()
    recipient: Mapped[DigestRecipient] = relationship()
