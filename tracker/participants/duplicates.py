"""Likely duplicates: the same folded name and birth year in the same village, flagged at registration.

A coordinator reviews them per commune and either merges two records (one person kept; the other's
check-ins and outcomes move to them, a training never counted twice; the other record stays, marked
merged) or says they are two people (the pair stops being flagged). Each decision is an event.
"""
import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import aliased

from tracker.auth.access import ensure_can, scope_filter
from tracker.checkins.models import CheckIn
from tracker.core.errors import InvalidInput
from tracker.core.time import utcnow
from tracker.events import operations as events
from tracker.extensions import db
from tracker.geo.models import Unit
from tracker.outcomes.models import Outcome
from tracker.participants.models import DuplicateDismissal, Participant

#: The reason written on a check-in voided by a merge (the kept person was already checked in there).
MERGE_REASON = "merged: the same person as {code}"


def likely_duplicates(user, *, unit=None, limit=200):
    """Return ``[(first, second)]``: pairs in ``user``'s scope (under ``unit``) that look like one person."""
    ensure_can(user, "participants.register")
    first, second = Participant, aliased(Participant)
    dismissed = sa.select(DuplicateDismissal.id).where(DuplicateDismissal.participant_id == first.id,
                                                       DuplicateDismissal.other_id == second.id)
    stmt = (
        sa.select(first, second)
        .join(second, sa.and_(second.village_id == first.village_id, second.search_name == first.search_name,
                              second.birth_year == first.birth_year, second.id > first.id))
        .join(Unit, Unit.id == first.village_id)
        .where(scope_filter(user, Unit), first.merged_into_id.is_(None), second.merged_into_id.is_(None),
               first.consent_withdrawn_at.is_(None), second.consent_withdrawn_at.is_(None), ~dismissed.exists())
        .order_by(Unit.path, first.search_name, first.id, second.id)
        .limit(limit)
    )
    if unit is not None:
        stmt = stmt.where(Unit.path.startswith(unit.path, autoescape=True))
    return db.session.execute(stmt).all()


def merge_participants(kept, other, *, user, now=None):
    """Merge ``other`` into ``kept``: their check-ins and outcomes move, ``other`` stays as merged."""
    _ensure_pair(kept, other, user)
    now = now or utcnow()
    voided = _void_double_checkins(kept, other, now=now, user=user)
    moved = db.session.execute(sa.update(CheckIn).where(CheckIn.participant_id == other.id)
                               .values(participant_id=kept.id)).rowcount
    _move_outcomes(kept, other)
    other.merged_into_id, other.merged_at = kept.id, now
    db.session.flush()
    payload = {"kept_id": kept.id, "kept": kept.code, "merged_id": other.id, "merged": other.code,
               "checkins_moved": moved, "checkins_voided": voided}
    events.record("participant.merged", kept, payload, user=user, unit=kept.village)
    return kept


def _ensure_pair(kept, other, user):
    ensure_can(user, "participants.register", kept.village)
    ensure_can(user, "participants.register", other.village)
    if kept.id == other.id or kept.is_merged or other.is_merged:
        raise InvalidInput(_("These two records cannot be merged: one of them was merged already."),
                           fields={"kept": [_("Choose two records that are not merged.")]})


def _void_double_checkins(kept, other, *, now, user):
    """Where both were checked in at one training, keep the earlier scan counting and void the other."""
    voided = 0
    mine = {checkin.training_id: checkin for checkin in _counting(kept)}
    for checkin in _counting(other):
        first = mine.get(checkin.training_id)
        if first is None:
            continue
        later, earlier = (checkin, first) if checkin.scanned_at >= first.scanned_at else (first, checkin)
        later.voided_at, later.voided_by_id = now, user.id
        later.void_reason = MERGE_REASON.format(code=kept.code)
        voided += 1
        db.session.flush()  # the unique index on (training, participant) sees the void before the move
    return voided


def _counting(participant):
    return db.session.scalars(sa.select(CheckIn).where(CheckIn.participant_id == participant.id,
                                                       CheckIn.voided_at.is_(None))).all()


def _move_outcomes(kept, other):
    """Move ``other``'s outcomes to ``kept``; one already ticked for both keeps the earlier time."""
    held = {outcome.indicator_id: outcome for outcome in
            db.session.scalars(sa.select(Outcome).where(Outcome.participant_id == kept.id))}
    for outcome in db.session.scalars(sa.select(Outcome).where(Outcome.participant_id == other.id)).all():
        same = held.get(outcome.indicator_id)
        if same is None:
            outcome.participant_id = kept.id
        else:  # the same fact recorded twice: one row, at the first time it was recorded
            same.recorded_at = min(same.recorded_at, outcome.recorded_at)
            db.session.delete(outcome)
    db.session.flush()


def dismiss_duplicate(first, second, *, user, now=None):
    """Remember that ``first`` and ``second`` are two people: the pair is no longer flagged."""
    _ensure_pair(first, second, user)
    low, high = sorted((first, second), key=lambda person: person.id)
    exists = db.session.scalar(sa.select(DuplicateDismissal).where(DuplicateDismissal.participant_id == low.id,
                                                                   DuplicateDismissal.other_id == high.id))
    if exists is not None:
        return exists
    dismissal = DuplicateDismissal(participant_id=low.id, other_id=high.id, dismissed_by_id=user.id,
                                   dismissed_at=now or utcnow())
    db.session.add(dismissal)
    db.session.flush()
    events.record("participant.duplicate_dismissed", low, {"other_id": high.id, "other": high.code}, user=user,
                  unit=low.village)
    return dismissal
