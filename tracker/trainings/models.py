"""A training held (or planned) in a village."""
import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.campaigns.models import Campaign
from tracker.core.db import str_enum
from tracker.core.time import utcnow
from tracker.extensions import db
from tracker.geo.models import Unit


class TrainingStatus(enum.StrEnum):
    planned = "planned"
    held = "held"
    cancelled = "cancelled"


class Training(db.Model):
    __tablename__ = "trainings"
    __table_args__ = (
        sa.Index("ix_trainings_campaign_id_starts_at", "campaign_id", "starts_at"),
        sa.Index("ix_trainings_village_id_starts_at", "village_id", "starts_at"),
        sa.CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        sa.CheckConstraint("capacity IS NULL OR capacity > 0", name="capacity_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("campaigns.id", ondelete="RESTRICT"))
    village_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id", ondelete="RESTRICT"))
    title: Mapped[str] = mapped_column(sa.String(200))
    topic: Mapped[str] = mapped_column(sa.String(100))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    place: Mapped[str | None] = mapped_column(sa.String(200))
    trainer: Mapped[str | None] = mapped_column(sa.String(200))
    capacity: Mapped[int | None]
    status: Mapped[TrainingStatus] = mapped_column(
        str_enum(TrainingStatus, "training_status"), default=TrainingStatus.planned, index=True
    )
    cancel_reason: Mapped[str | None] = mapped_column(sa.String(500))
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    campaign: Mapped[Campaign] = relationship()
    village: Mapped[Unit] = relationship()

    @property
    def is_cancelled(self):
        return self.status == TrainingStatus.cancelled

    def __repr__(self):
        return f"<Training {self.id} {self.status}>"
