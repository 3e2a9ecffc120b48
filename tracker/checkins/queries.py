"""Reads of check-ins."""
import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from tracker.auth.access import ensure_can
from tracker.checkins.models import CheckIn
from tracker.core.errors import NotFound
from tracker.core.pagination import paginate
from tracker.extensions import db
from tracker.participants.models import Participant
from tracker.trainings.models import Training

_WITH_PARTICIPANT = joinedload(CheckIn.participant).joinedload(Participant.village)


def get_training_for_scan(user, training_id, capability="checkins.record"):
    """Return the training (with its village and campaign) if in scope; raise 404 / 403 otherwise."""
    training = find_training(training_id)
    if training is None:
        raise NotFound(_("Training not found."))
    ensure_can(user, capability, training.village)
    return training


def find_training(training_id):
    """Return the training with its village and campaign loaded in one query, or None."""
    return db.session.get(Training, training_id, options=[joinedload(Training.village),
                                                          joinedload(Training.campaign)])


def participant_by_code(code):
    """Return the participant with ``code`` (and their village), or None."""
    stmt = sa.select(Participant).options(joinedload(Participant.village)).where(Participant.code == code)
    return db.session.scalar(stmt)


def get_checkin_for(user, checkin_id, capability="checkins.read"):
    """Return the check-in if its training lies in ``user``'s scope; raise 404 / 403 otherwise."""
    checkin = db.session.get(CheckIn, checkin_id, options=[_WITH_PARTICIPANT])
    if checkin is None:
        raise NotFound(_("Check-in not found."))
    ensure_can(user, capability, checkin.training.village)
    return checkin


def checkin_by_scan_id(scan_id):
    """Return the check-in a scan created (voided or not), or None."""
    return db.session.scalar(sa.select(CheckIn).options(_WITH_PARTICIPANT).where(CheckIn.scan_id == scan_id))


def active_checkin(training, participant):
    """Return the counting check-in of ``participant`` at ``training``, or None."""
    stmt = sa.select(CheckIn).options(_WITH_PARTICIPANT).where(
        CheckIn.training_id == training.id, CheckIn.participant_id == participant.id, CheckIn.voided_at.is_(None))
    return db.session.scalar(stmt)


def count_checkins(training):
    """Return how many people count as checked in at ``training`` (voided check-ins do not)."""
    return db.session.scalar(sa.select(sa.func.count(CheckIn.id)).where(
        CheckIn.training_id == training.id, CheckIn.voided_at.is_(None)))


def roster(training, *, include_voided=False):
    """Return the training's check-ins with their participants, in scan order."""
    stmt = sa.select(CheckIn).options(_WITH_PARTICIPANT).where(CheckIn.training_id == training.id)
    if not include_voided:
        stmt = stmt.where(CheckIn.voided_at.is_(None))
    return db.session.scalars(stmt.order_by(CheckIn.scanned_at, CheckIn.id)).all()


def page_checkins(training, *, cursor=None, limit=50):
    """Return ``(check-ins, next_cursor)`` of a training in the order they were stored, voided included."""
    stmt = sa.select(CheckIn).options(_WITH_PARTICIPANT).where(CheckIn.training_id == training.id)
    return paginate(stmt, [CheckIn.id], cursor=cursor, limit=limit)
