"""Reads of enrolment links and of the volunteers who enrolled, scoped by the reader's unit."""
from datetime import timedelta

import sqlalchemy as sa
from flask_babel import gettext as _

from tracker.auth.access import ensure_can, ensure_visible, scope_filter
from tracker.auth.models import Enrolment, User
from tracker.checkins.models import CheckIn
from tracker.core.errors import NotFound
from tracker.extensions import db
from tracker.geo.models import Unit, UnitLevel
from tracker.geo.queries import list_units_under
from tracker.trainings.models import Training

#: Links shown on the coordinator's page: the latest ones, open or not.
RECENT_LINKS = 10
#: Enrolled volunteers shown at most (the newest first).
VOLUNTEERS_SHOWN = 200


def enrolment_for_token(token):
    """Return the enrolment whose link carries ``token`` (open or not), or None."""
    return db.session.scalar(
        sa.select(Enrolment).where(Enrolment.token_hash == Enrolment.hash(token))
        .options(sa.orm.joinedload(Enrolment.unit))
    )


def enrolment_communes(user):
    """Return the communes ``user`` may open enrolment links for, by path."""
    ensure_can(user, "users.enroll")
    return list_units_under(user.unit, level=UnitLevel.commune, include_self=True)


def recent_enrolments(user):
    """Return the latest links in ``user``'s scope with how many volunteers each enrolled."""
    ensure_can(user, "users.enroll")
    counts = (sa.select(User.enrolled_via_id, sa.func.count(User.id).label("n"))
              .where(User.enrolled_via_id.is_not(None)).group_by(User.enrolled_via_id).subquery())
    rows = db.session.execute(
        sa.select(Enrolment, sa.func.coalesce(counts.c.n, 0)).join(Enrolment.unit)
        .outerjoin(counts, counts.c.enrolled_via_id == Enrolment.id)
        .where(scope_filter(user, Unit)).options(sa.orm.contains_eager(Enrolment.unit))
        .order_by(Enrolment.created_at.desc(), Enrolment.id.desc()).limit(RECENT_LINKS)
    ).all()
    return [(enrolment, count) for enrolment, count in rows]


def enrolled_volunteers(user, *, enrolment=None):
    """Return the volunteers who enrolled in ``user``'s scope (or through ``enrolment``), newest first."""
    ensure_can(user, "users.enroll")
    stmt = (sa.select(User).join(User.unit).where(scope_filter(user, Unit), User.enrolled_via_id.is_not(None))
            .options(sa.orm.contains_eager(User.unit)))
    if enrolment is not None:
        stmt = stmt.where(User.enrolled_via_id == enrolment.id)
    return db.session.scalars(stmt.order_by(User.created_at.desc(), User.id.desc()).limit(VOLUNTEERS_SHOWN)).all()


def scan_activity(user, volunteers):
    """Return ``{volunteer id: (scans, last scan instant)}`` for ``volunteers`` at trainings in scope.

    Volunteers scan only at trainings of their commune, held since they enrolled: the trainings'
    village and start index keeps this read small.
    """
    if not volunteers:
        return {}
    since = min(volunteer.created_at for volunteer in volunteers) - timedelta(days=1)
    rows = db.session.execute(
        sa.select(CheckIn.volunteer_id, sa.func.count(CheckIn.id), sa.func.max(CheckIn.recorded_at))
        .join(Training, Training.id == CheckIn.training_id).join(Unit, Unit.id == Training.village_id)
        .where(scope_filter(user, Unit), Training.starts_at >= since,
               CheckIn.volunteer_id.in_([volunteer.id for volunteer in volunteers]))
        .group_by(CheckIn.volunteer_id)
    ).all()
    return {volunteer_id: (count, last) for volunteer_id, count, last in rows}


def get_enrolment_for(user, enrolment_id):
    """Return the link with ``enrolment_id`` if it lies in ``user``'s scope; raise 404 otherwise."""
    ensure_can(user, "users.enroll")
    enrolment = db.session.get(Enrolment, enrolment_id)
    if enrolment is None:
        raise NotFound(_("Not found."))
    ensure_visible(user, enrolment.unit)
    return enrolment


def get_enrolled_volunteer_for(user, volunteer_id):
    """Return the enrolled volunteer with ``volunteer_id`` in ``user``'s scope; raise 404 otherwise."""
    ensure_can(user, "users.enroll")
    volunteer = db.session.get(User, volunteer_id)
    if volunteer is None or volunteer.enrolled_via_id is None:
        raise NotFound(_("Not found."))
    ensure_visible(user, volunteer.unit)
    return volunteer
