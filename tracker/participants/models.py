"""People who take part in trainings, each with one QR card."""
import enum
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.core.db import str_enum
from tracker.core.time import utcnow
from tracker.extensions import db
from tracker.geo.models import Unit

#: The majority ethnic group; everyone else counts as an ethnic minority in the digest.
MAJORITY_ETHNICITY = "Kinh"
#: Age bands of the digest's breakdown: (key, youngest age), oldest band first; younger is "under_15".
AGE_BANDS = (("60+", 60), ("40-59", 40), ("25-39", 25), ("15-24", 15))


class Gender(enum.StrEnum):
    female = "female"
    male = "male"
    other = "other"

    @property
    def label(self):
        return GENDER_LABELS[self]


GENDER_LABELS = {Gender.female: _l("female"), Gender.male: _l("male"), Gender.other: _l("other")}


class Participant(db.Model):
    __tablename__ = "participants"
    __table_args__ = (
        # Prefix search on the folded name ("nguyen thi%") uses this index on both databases.
        sa.Index("ix_participants_search_name", "search_name",
                 postgresql_ops={"search_name": "text_pattern_ops"}),
        # Likely duplicates: same folded name and birth year in the same village.
        sa.Index("ix_participants_village_id_search_name", "village_id", "search_name", "birth_year"),
        sa.CheckConstraint("birth_year BETWEEN 1900 AND 2100", name="birth_year_range"),
        # Word search anywhere in the name ("hoa" in "nguyen thi hoa") on PostgreSQL: a trigram
        # index serves LIKE '%hoa%'. SQLite (the single-machine demo) scans the user's scope.
        sa.Index("ix_participants_search_name_trgm", "search_name", postgresql_using="gin",
                 postgresql_ops={"search_name": "gin_trgm_ops"}).ddl_if(dialect="postgresql"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Short public code printed on the card and typed by hand when a QR will not scan.
    code: Mapped[str] = mapped_column(sa.String(12), unique=True)
    #: The name as written, NFC-normalised.
    full_name: Mapped[str] = mapped_column(sa.String(200))
    #: The name folded for search: no diacritics, đ → d, lower case, single spaces.
    search_name: Mapped[str] = mapped_column(sa.String(200))
    birth_year: Mapped[int]
    gender: Mapped[Gender] = mapped_column(str_enum(Gender, "gender"))
    ethnicity: Mapped[str] = mapped_column(sa.String(60))
    #: Home village: progress counts people by where they live, wherever they trained.
    village_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id", ondelete="RESTRICT"))
    phone: Mapped[str | None] = mapped_column(sa.String(20))
    #: The person agreed to their data being kept for the campaign.
    consent: Mapped[bool] = mapped_column(default=False)
    consent_at: Mapped[datetime | None]
    #: When the person withdrew their consent: their personal data was erased then (see privacy.py).
    consent_withdrawn_at: Mapped[datetime | None]
    #: The record this one was found to duplicate and merged into: it keeps nothing that counts, its
    #: card checks the kept person in, and it is shown only as merged (see duplicates.py).
    merged_into_id: Mapped[int | None] = mapped_column(sa.ForeignKey("participants.id", ondelete="RESTRICT"),
                                                       index=True)
    merged_at: Mapped[datetime | None]
    #: When a card was last printed for the person (None: nobody has printed one yet).
    card_printed_at: Mapped[datetime | None]
    registered_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    village: Mapped[Unit] = relationship()
    merged_into: Mapped["Participant | None"] = relationship(remote_side=[id])

    @property
    def is_merged(self):
        return self.merged_into_id is not None

    @property
    def is_anonymised(self):
        return self.consent_withdrawn_at is not None

    @property
    def is_ethnic_minority(self):
        return self.ethnicity != MAJORITY_ETHNICITY

    def __repr__(self):
        return f"<Participant {self.code}>"


class DuplicateDismissal(db.Model):
    """Two records a coordinator found are not the same person: the pair is no longer flagged."""

    __tablename__ = "duplicate_dismissals"
    __table_args__ = (sa.UniqueConstraint("participant_id", "other_id"),
                      sa.CheckConstraint("participant_id < other_id", name="ordered_pair"))

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(sa.ForeignKey("participants.id", ondelete="CASCADE"))
    other_id: Mapped[int] = mapped_column(sa.ForeignKey("participants.id", ondelete="CASCADE"), index=True)
    dismissed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    dismissed_at: Mapped[datetime] = mapped_column(default=utcnow)
