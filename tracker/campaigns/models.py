"""A campaign and its per-unit targets."""
from datetime import date, datetime, time

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.core.time import DEFAULT_TIMEZONE, utcnow
from tracker.extensions import db
from tracker.geo.models import Unit


class Campaign(db.Model):
    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    #: The province the campaign covers.
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id", ondelete="RESTRICT"), index=True)
    start_date: Mapped[date]
    #: Last day of the campaign, inclusive.
    deadline: Mapped[date]
    timezone: Mapped[str] = mapped_column(sa.String(64), default=DEFAULT_TIMEZONE)
    #: Local wall-clock time at which the daily digest is compiled.
    digest_time: Mapped[time] = mapped_column(default=time(6, 0))
    #: People to reach in the whole province; when unset, the sum of the commune targets.
    target: Mapped[int | None]
    #: Training topics, in display order.
    topics: Mapped[list] = mapped_column(sa.JSON, default=list)
    #: Progress (no personal data) may be read by anyone at the public page; off until an admin turns it on.
    is_public: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    unit: Mapped[Unit] = relationship()
    targets: Mapped[list["Target"]] = relationship(
        back_populates="campaign", cascade="all, delete-orphan"
    )

    @property
    def days_total(self):
        return (self.deadline - self.start_date).days + 1

    def __repr__(self):
        return f"<Campaign {self.id} {self.name!r}>"


class Target(db.Model):
    """People to reach in one unit (a commune or a village) during a campaign."""

    __tablename__ = "targets"
    __table_args__ = (sa.UniqueConstraint("campaign_id", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("campaigns.id", ondelete="CASCADE"))
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id", ondelete="RESTRICT"), index=True)
    target: Mapped[int]
    #: The population rate the target was derived from, or None when it was set explicitly.
    rate: Mapped[float | None]

    campaign: Mapped[Campaign] = relationship(back_populates="targets")
    unit: Mapped[Unit] = relationship()
