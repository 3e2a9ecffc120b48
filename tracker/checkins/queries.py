"""Reads of check-ins."""
import functools

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import contains_eager, joinedload

from tracker.auth.access import ensure_can, scope_filter
from tracker.checkins.models import CheckIn, HeldScan, HeldStatus
from tracker.core.errors import NotFound
from tracker.core.pagination import paginate
from tracker.extensions import db
from tracker.geo.models import Unit
from tracker.outcomes.models import Indicator, Outcome
from tracker.participants.models import Participant
from tracker.trainings.models import Training

_WITH_PARTICIPANT = joinedload(CheckIn.participant).joinedload(Participant.village)
#: What a scan reads with its training: the village (scope, the event's unit) and the campaign (its time zone).
_TRAINING_PLACE = (joinedload(Training.village), joinedload(Training.campaign))


def get_training_for_scan(user, training_id, capability="checkins.record"):
    """Return the training (with its village and campaign) if in scope; raise 404 / 403 otherwise."""
    training = find_training(training_id)
    if training is None:
        raise NotFound(_("Training not found."))
    ensure_can(user, capability, training.village)
    return training


def get_scan_targets(user, training_id, code):
    """Return ``(training, people)`` for a scan at ``training_id``, read in one statement.

    The training comes with its village and campaign, as ``get_training_for_scan`` gives it (404 /
    403 alike); ``people`` is ``{code: participant}`` (with their village) when ``code`` is a
    participant's, else empty. ``code`` None (a card that did not verify) reads the training only.
    """
    params = {"training_id": training_id} | ({"code": code} if code is not None else {})
    row = db.session.execute(_scan_targets(with_person=code is not None), params).first()
    if row is None:
        raise NotFound(_("Training not found."))
    ensure_can(user, "checkins.record", row[0].village)
    participant = row[1] if code is not None else None
    return row[0], ({code: participant} if participant is not None else {})


@functools.cache
def _scan_targets(*, with_person):
    """The statement of ``get_scan_targets``, built once (every scan runs it)."""
    stmt = sa.select(Training).options(*_TRAINING_PLACE)
    if with_person:
        stmt = (sa.select(Training, Participant).select_from(Training)
                .outerjoin(Participant, Participant.code == sa.bindparam("code"))
                .options(*_TRAINING_PLACE, joinedload(Participant.village)))
    return stmt.where(Training.id == sa.bindparam("training_id"))


def find_training(training_id):
    """Return the training with its village and campaign loaded in one query, or None."""
    return db.session.get(Training, training_id, options=_TRAINING_PLACE)


def participant_by_code(code):
    """Return the participant with ``code`` (and their village), or None; the card of a record merged into
    another checks in the person kept."""
    stmt = sa.select(Participant).options(joinedload(Participant.village)).where(Participant.code == code)
    participant = db.session.scalar(stmt)
    while participant is not None and participant.merged_into_id is not None:
        participant = db.session.get(Participant, participant.merged_into_id, options=[joinedload(Participant.village)])
    return participant


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


#: The order of a training's roster (scan order) and of its export.
ROSTER_ORDER = (CheckIn.scanned_at, CheckIn.id)


def roster_select(training, *, include_voided=False):
    """Return a select of the training's check-ins: the roster page and its export read through here."""
    stmt = sa.select(CheckIn).where(CheckIn.training_id == training.id)
    return stmt if include_voided else stmt.where(CheckIn.voided_at.is_(None))


def roster(training, *, include_voided=False):
    """Return the training's check-ins with their participants, in scan order."""
    stmt = roster_select(training, include_voided=include_voided).options(_WITH_PARTICIPANT)
    return db.session.scalars(stmt.order_by(*ROSTER_ORDER)).all()


def unit_checkins_select(user, campaign, unit):
    """Return a select of the check-ins (voided too) at ``campaign``'s trainings held in ``unit``, joined to
    the training and its village (``Unit``), within ``user``'s scope."""
    return (sa.select(CheckIn).join(Training, Training.id == CheckIn.training_id)
            .join(Unit, Unit.id == Training.village_id)
            .where(scope_filter(user, Unit), Training.campaign_id == campaign.id,
                   Unit.path.startswith(unit.path, autoescape=True)))


def attendance_of(participant):
    """Return the participant's check-ins that count, with their trainings, latest first."""
    stmt = (sa.select(CheckIn).options(joinedload(CheckIn.training).joinedload(Training.village))
            .where(CheckIn.participant_id == participant.id, CheckIn.voided_at.is_(None))
            .order_by(CheckIn.scanned_at.desc()))
    return db.session.scalars(stmt).all()


def page_checkins(training, *, cursor=None, limit=50):
    """Return ``(check-ins, next_cursor)`` of a training in the order they were stored, voided included."""
    stmt = sa.select(CheckIn).options(_WITH_PARTICIPANT).where(CheckIn.training_id == training.id)
    return paginate(stmt, [CheckIn.id], cursor=cursor, limit=limit)


def roster_outcomes(training):
    """Return ``{participant_id: [indicator name]}`` of the campaign's outcomes reached by the training's people."""
    people = sa.select(CheckIn.participant_id).where(CheckIn.training_id == training.id)
    stmt = (sa.select(Outcome.participant_id, Indicator.name).join(Outcome.indicator)
            .where(Indicator.campaign_id == training.campaign_id, Outcome.participant_id.in_(people))
            .order_by(Indicator.position, Indicator.id))
    ticked = {}
    for participant_id, name in db.session.execute(stmt):
        ticked.setdefault(participant_id, []).append(name)
    return ticked


def checked_in_ids(training):
    """Return a subquery of the ids of the people who count as checked in at ``training``."""
    return sa.select(CheckIn.participant_id).where(CheckIn.training_id == training.id, CheckIn.voided_at.is_(None))


def _people_stmt(training, user, *, pending):
    stmt = (sa.select(Participant).join(Participant.village)
            .where(Participant.id.in_(checked_in_ids(training)), scope_filter(user, Unit)))
    return stmt.where(Participant.card_printed_at.is_(None)) if pending else stmt


def people_checked_in(training, user, *, pending=False):
    """Return the people checked in at ``training`` who live in ``user``'s scope, by name.

    With ``pending``, only those whose card was never printed.
    """
    stmt = _people_stmt(training, user, pending=pending).options(contains_eager(Participant.village))
    return db.session.scalars(stmt.order_by(Participant.search_name, Participant.id)).all()


def count_without_card(training, user):
    """Return how many people checked in at ``training`` (in ``user``'s scope) never had a card printed."""
    stmt = _people_stmt(training, user, pending=True).with_only_columns(sa.func.count(Participant.id))
    return db.session.scalar(stmt)


def held_by_scan_id(scan_id):
    """Return the held item a phone handed over under ``scan_id``, or None."""
    return db.session.scalar(sa.select(HeldScan).where(HeldScan.scan_id == scan_id))


def held_scans_for(user, *, status=HeldStatus.held, volunteer_id=None, limit=500):
    """Return the held items of trainings in ``user``'s scope, oldest scan first, with what the page shows."""
    ensure_can(user, "checkins.review")
    stmt = (
        sa.select(HeldScan)
        .join(HeldScan.training).join(Training.village)
        .options(contains_eager(HeldScan.training).contains_eager(Training.village),
                 joinedload(HeldScan.volunteer), joinedload(HeldScan.decided_by))
        .where(scope_filter(user, Unit))
        .order_by(HeldScan.scanned_at, HeldScan.id)
        .limit(limit)
    )
    if status is not None:
        stmt = stmt.where(HeldScan.status == status)
    if volunteer_id is not None:
        stmt = stmt.where(HeldScan.volunteer_id == volunteer_id)
    return db.session.scalars(stmt).all()


def count_held_by_volunteer(user):
    """Return ``{volunteer_id: items waiting for review}`` over ``user``'s scope."""
    stmt = (
        sa.select(HeldScan.volunteer_id, sa.func.count())
        .join(HeldScan.training).join(Training.village)
        .where(scope_filter(user, Unit), HeldScan.status == HeldStatus.held)
        .group_by(HeldScan.volunteer_id)
    )
    return dict(db.session.execute(stmt).all())


def get_held_for(user, held_id):
    """Return a held item of a training in ``user``'s scope; raise 404 / 403 otherwise."""
    held = db.session.get(HeldScan, held_id)
    if held is None:
        raise NotFound(_("Not found."))
    ensure_can(user, "checkins.review", held.training.village)
    return held


def participants_by_code(codes):
    """Return ``{code: participant}`` (with their village) for the known ``codes``."""
    if not codes:
        return {}
    stmt = sa.select(Participant).options(joinedload(Participant.village)).where(Participant.code.in_(codes))
    return {participant.code: participant for participant in db.session.scalars(stmt)}


def checkin_counts(training_ids):
    """Return ``{training_id: people checked in}`` for ``training_ids`` (voided check-ins do not count)."""
    if not training_ids:
        return {}
    stmt = (sa.select(CheckIn.training_id, sa.func.count(CheckIn.id))
            .where(CheckIn.training_id.in_(training_ids), CheckIn.voided_at.is_(None))
            .group_by(CheckIn.training_id))
    return dict(db.session.execute(stmt).all())
