"""Outcomes beyond attendance: campaign indicators, their targets, and who reached them."""
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.campaigns.models import Campaign
from tracker.core.time import utcnow
from tracker.extensions import db
from tracker.geo.models import Unit
from tracker.participants.models import Participant


class Indicator(db.Model):
    """Something a campaign counts besides attendance, e.g. "VNeID level 2 activated"."""

    __tablename__ = "indicators"
    __table_args__ = (sa.UniqueConstraint("campaign_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("campaigns.id", ondelete="CASCADE"))
    #: Stable machine name used by the API and scanners (``vneid_level2``).
    key: Mapped[str] = mapped_column(sa.String(40))
    name: Mapped[str] = mapped_column(sa.String(200))
    position: Mapped[int] = mapped_column(default=0)

    campaign: Mapped[Campaign] = relationship()
    targets: Mapped[list["IndicatorTarget"]] = relationship(
        back_populates="indicator", cascade="all, delete-orphan"
    )

    def __repr__(self):
        return f"<Indicator {self.key}>"


class IndicatorTarget(db.Model):
    """People to reach on one indicator in one unit."""

    __tablename__ = "indicator_targets"
    __table_args__ = (sa.UniqueConstraint("indicator_id", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_id: Mapped[int] = mapped_column(sa.ForeignKey("indicators.id", ondelete="CASCADE"))
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id", ondelete="RESTRICT"), index=True)
    target: Mapped[int]
    #: The population rate the target was derived from, or None when it was set explicitly.
    rate: Mapped[float | None]

    indicator: Mapped[Indicator] = relationship(back_populates="targets")
    unit: Mapped[Unit] = relationship()


class Outcome(db.Model):
    """A participant reached an indicator; stored once per person and indicator."""

    __tablename__ = "outcomes"
    __table_args__ = (
        sa.UniqueConstraint("participant_id", "indicator_id"),
        sa.Index("ix_outcomes_indicator_id_recorded_at", "indicator_id", "recorded_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(sa.ForeignKey("participants.id", ondelete="RESTRICT"))
    indicator_id: Mapped[int] = mapped_column(sa.ForeignKey("indicators.id", ondelete="CASCADE"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: The check-in at which it was ticked, if it was ticked at the door.
    checkin_id: Mapped[int | None] = mapped_column(
        sa.BigInteger().with_variant(sa.Integer, "sqlite"), sa.ForeignKey("checkins.id", ondelete="SET NULL")
    )
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))

    participant: Mapped[Participant] = relationship()
    indicator: Mapped[Indicator] = relationship()
