"""Reads for the volunteers' scanner: the trainings open now and the roster of a training's commune."""
import sqlalchemy as sa
from sqlalchemy.orm import contains_eager

from tracker.auth.access import scope_filter
from tracker.checkins.models import CheckIn
from tracker.checkins.operations import CLOSES_AFTER, OPENS_BEFORE
from tracker.core.time import UTC, utcnow
from tracker.extensions import db
from tracker.geo.models import Unit
from tracker.participants.models import Participant
from tracker.trainings.models import Training, TrainingStatus


def open_trainings(user, *, now=None):
    """Return the trainings in ``user``'s scope that take check-ins now (not cancelled), by start."""
    now = now or utcnow()
    stmt = (sa.select(Training).join(Training.village).options(contains_eager(Training.village))
            .where(scope_filter(user, Unit), Training.status != TrainingStatus.cancelled,
                   Training.starts_at <= now + OPENS_BEFORE, Training.ends_at >= now - CLOSES_AFTER)
            .order_by(Training.starts_at, Training.id))
    return db.session.scalars(stmt).all()


def commune_people(commune):
    """Return ``[code, full name]`` of everyone living in ``commune``'s villages, by code."""
    villages = sa.select(Unit.id).where(sa.or_(Unit.parent_id == commune.id, Unit.id == commune.id))
    stmt = (sa.select(Participant.code, Participant.full_name)
            .where(Participant.village_id.in_(villages)).order_by(Participant.code))
    return [[code, name] for code, name in db.session.execute(stmt)]


def checked_in_codes(training):
    """Return ``[code, scanned at, check-in id]`` of the training's counting check-ins, in scan order."""
    stmt = (sa.select(Participant.code, CheckIn.scanned_at, CheckIn.id).join(CheckIn.participant)
            .where(CheckIn.training_id == training.id, CheckIn.voided_at.is_(None))
            .order_by(CheckIn.scanned_at, CheckIn.id))
    return [[code, at.astimezone(UTC).isoformat(), checkin_id] for code, at, checkin_id in db.session.execute(stmt)]
