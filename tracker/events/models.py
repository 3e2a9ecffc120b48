"""The append-only event log (transactional outbox)."""
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.core.time import utcnow
from tracker.extensions import db
from tracker.geo.models import Unit


class Event(db.Model):
    __tablename__ = "events"
    __table_args__ = (
        sa.Index("ix_events_unit_id_id", "unit_id", "id"),
        # Never reuse an id on SQLite, even of a deleted last row: readers page by id.
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(
        sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True
    )
    type: Mapped[str] = mapped_column(sa.String(50), index=True)
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    campaign_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("campaigns.id", ondelete="SET NULL")
    )
    #: The unit the event belongs to, for scoping who may read it.
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("units.id", ondelete="SET NULL"))
    subject_type: Mapped[str] = mapped_column(sa.String(30))
    subject_id: Mapped[str] = mapped_column(sa.String(40))
    payload: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    #: PostgreSQL transaction id of the writer (the column's default there, migration 0013): the feed
    #: hides events of transactions still open, so a reader paging by id never skips one that commits late.
    txid: Mapped[int | None] = mapped_column(sa.BigInteger, server_default=sa.FetchedValue())

    unit: Mapped[Unit | None] = relationship()
    actor = relationship("User")
    campaign = relationship("Campaign")

    @property
    def subject(self):
        return {"type": self.subject_type, "id": self.subject_id}
