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


class HeldKind(enum.StrEnum):
    """What a phone handed over for review: a scan, a walk-in, or outcomes ticked after a scan."""

    scan = "scan"
    walk_in = "walk_in"
    outcomes = "outcomes"


class HeldStatus(enum.StrEnum):
    held = "held"  #: waiting for a coordinator
    accepted = "accepted"  #: a coordinator let it count: recorded as the volunteer had sent it
    refused = "refused"  #: accepted, but the check-in rules refused it (see ``error``)
    discarded = "discarded"  #: a coordinator decided it must not count

    @property
    def label(self):
        return HELD_STATUS_LABELS[self]


HELD_STATUS_LABELS = {
    HeldStatus.held: _l("waiting for review"),
    HeldStatus.accepted: _l("accepted"),
    HeldStatus.refused: _l("refused by the rules"),
    HeldStatus.discarded: _l("discarded"),
}


class HeldScan(db.Model):
    """A scan whose volunteer lost their access before it reached the server: kept for a coordinator's review.

    A revoked (or expired) volunteer's phone cannot record check-ins any more, but what it scanned
    before may be real attendance. The phone hands its waiting items over; nothing counts until a
    coordinator accepts it, and nothing is dropped: a discarded item stays here with who decided.
    """

    __tablename__ = "held_scans"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The phone's id for the item: handing it over twice keeps one row.
    scan_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, unique=True)
    kind: Mapped[HeldKind] = mapped_column(str_enum(HeldKind, "held_scan_kind"))
    training_id: Mapped[int] = mapped_column(sa.ForeignKey("trainings.id", ondelete="RESTRICT"), index=True)
    volunteer_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    scanned_at: Mapped[datetime]
    #: The item as the phone kept it (card token or code, what it showed, outcomes, a walk-in's details).
    payload: Mapped[dict] = mapped_column(sa.JSON)
    #: Why it was held: ``revoked`` or ``expired``.
    reason: Mapped[str] = mapped_column(sa.String(20))
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    status: Mapped[HeldStatus] = mapped_column(str_enum(HeldStatus, "held_scan_status"), default=HeldStatus.held)
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    #: The check-in an accepted scan or walk-in became.
    checkin_id: Mapped[int | None] = mapped_column(sa.ForeignKey("checkins.id", ondelete="SET NULL"))
    #: Why the rules refused an accepted item, or why a coordinator discarded it.
    note: Mapped[str | None] = mapped_column(sa.String(500))

    training: Mapped[Training] = relationship()
    volunteer = relationship("User", foreign_keys=[volunteer_id])
    decided_by = relationship("User", foreign_keys=[decided_by_id])
    checkin: Mapped[CheckIn | None] = relationship()

    def __repr__(self):
        return f"<HeldScan {self.id} {self.kind} training={self.training_id} {self.status}>"
