"""Check-ins: a participant present at a training, recorded once."""
import enum
import uuid
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.core.db import str_enum
from tracker.core.time import utcnow
from tracker.extensions import db
from tracker.participants.models import Participant
from tracker.trainings.models import Training


class CheckInSource(enum.StrEnum):
    camera = "camera"
    manual = "manual"
    sync = "sync"

    @property
    def label(self):
        return SOURCE_LABELS[self]


SOURCE_LABELS = {
    CheckInSource.camera: _l("camera"),
    CheckInSource.manual: _l("code typed in"),
    CheckInSource.sync: _l("sent later"),
}


class Shown(enum.StrEnum):
    """What the scanner showed at the door, before the server answered."""

    accepted = "accepted"  #: green, with the person's name from the roster
    pending = "pending"  #: a well-formed card not in the roster: "will be verified"
    refused = "refused"  #: red


class CheckIn(db.Model):
    __tablename__ = "checkins"
    __table_args__ = (
        # One counting check-in per person and training, enforced by the database: concurrent
        # duplicate scans cannot both insert. A voided check-in steps aside for a new one.
        sa.Index("uq_checkins_training_id_participant_id", "training_id", "participant_id", unique=True,
                 sqlite_where=sa.text("voided_at IS NULL"), postgresql_where=sa.text("voided_at IS NULL")),
        sa.Index("ix_checkins_participant_id_scanned_at", "participant_id", "scanned_at"),
        sa.Index("ix_checkins_training_id_id", "training_id", "id"),
        # The digest's first counting check-in per person, read from the index alone (migration 0005).
        sa.Index("ix_checkins_participant_id_scanned_at_training_id", "participant_id", "scanned_at", "training_id",
                 sqlite_where=sa.text("voided_at IS NULL"), postgresql_where=sa.text("voided_at IS NULL")),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True)
    training_id: Mapped[int] = mapped_column(sa.ForeignKey("trainings.id", ondelete="RESTRICT"))
    participant_id: Mapped[int] = mapped_column(sa.ForeignKey("participants.id", ondelete="RESTRICT"))
    #: The scanning device's id for this scan: a replay of the same scan gets the same answer.
    scan_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, unique=True)
    #: When the card was scanned, by the device's clock.
    scanned_at: Mapped[datetime]
    #: When the server stored the check-in.
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    volunteer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    source: Mapped[CheckInSource] = mapped_column(str_enum(CheckInSource, "checkin_source"))
    #: The scan was made without network and sent later.
    is_offline: Mapped[bool] = mapped_column(default=False)
    #: What the scanner showed at the door (offline scans are settled later).
    shown: Mapped[Shown | None] = mapped_column(str_enum(Shown, "checkin_shown"))
    voided_at: Mapped[datetime | None]
    void_reason: Mapped[str | None] = mapped_column(sa.String(500))
    voided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))

    training: Mapped[Training] = relationship()
    participant: Mapped[Participant] = relationship()
    volunteer = relationship("User", foreign_keys=[volunteer_id])

    @property
    def is_voided(self):
        return self.voided_at is not None

    def __repr__(self):
        return f"<CheckIn {self.id} training={self.training_id} participant={self.participant_id}>"
