"""Writes of volunteer enrolment: opening and closing links, enrolling and revoking volunteers."""
import secrets
from datetime import UTC, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _

from tracker.auth.access import ensure_can, grantable_roles
from tracker.auth.models import Enrolment, Role, User
from tracker.core.errors import AppError, Forbidden, InvalidInput
from tracker.core.time import utcnow
from tracker.events import operations as events
from tracker.extensions import db
from tracker.geo.models import UnitLevel

#: How long a link accepts volunteers: a training day, with its evening.
LINK_LIFETIME = timedelta(hours=24)
#: The stored "password" of an enrolled volunteer: no password hash ever matches it.
NO_PASSWORD = "!enrolled"


class EnrolmentGone(AppError):
    """The link expired or was closed: it existed, and will not work again."""

    status = 410
    code = "enrolment_closed"


def open_enrolment(unit, access_days, *, user, now=None):
    """Open an enrolment link for volunteers of commune ``unit``; return ``(token, Enrolment)``.

    Only the token's SHA-256 is stored: the token lives in the link (and its QR code) alone.
    """
    ensure_can(user, "users.enroll", unit)
    if Role.volunteer not in grantable_roles(user):
        raise Forbidden(_("Your role does not allow this."))
    if unit.level != UnitLevel.commune:
        raise InvalidInput(_("Some fields are not valid."), fields={"unit": [_("Choose a commune.")]})
    now = now or utcnow()
    token = secrets.token_urlsafe(24)
    enrolment = Enrolment(unit=unit, created_by=user, token_hash=Enrolment.hash(token), created_at=now,
                          expires_at=now + LINK_LIFETIME, access_days=access_days)
    db.session.add(enrolment)
    db.session.flush()
    events.record("enrolment.opened", enrolment, {"access_days": access_days}, user=user, unit=unit)
    return token, enrolment


def close_enrolment(enrolment, *, user, now=None):
    """Close a link before it expires; the volunteers who used it keep their access."""
    ensure_can(user, "users.enroll", enrolment.unit)
    if enrolment.closed_at is not None:
        return enrolment
    enrolment.closed_at = now or utcnow()
    db.session.flush()
    events.record("enrolment.closed", enrolment, {}, user=user, unit=enrolment.unit)
    return enrolment


def ensure_open(enrolment, *, now=None):
    """Raise 410 unless volunteers may still enrol through ``enrolment``."""
    if enrolment.closed_at is not None:
        raise EnrolmentGone(_("The coordinator closed this enrolment link."))
    if not enrolment.is_open(now):
        raise EnrolmentGone(_("This enrolment link has expired."))


def enrol_volunteer(enrolment, data, *, now=None):
    """Make a volunteer of the link's commune from their name (no username to type, no password)."""
    now = now or utcnow()
    ensure_open(enrolment, now=now)
    volunteer = User(username=_new_username(enrolment.unit), full_name=data["full_name"], phone=data.get("phone"),
                     role=Role.volunteer, unit=enrolment.unit, password_hash=NO_PASSWORD, created_at=now,
                     enrolled_via=enrolment, access_until=now + timedelta(days=enrolment.access_days))
    db.session.add(volunteer)
    db.session.flush()
    payload = {"enrolment_id": enrolment.id, "access_until": volunteer.access_until.astimezone(UTC).isoformat()}
    events.record("volunteer.enrolled", volunteer, payload, user=volunteer, unit=enrolment.unit)
    return volunteer


def _new_username(unit):
    """Return a free username such as ``tnv.66001.3f9a2c`` (nobody types it)."""
    while True:
        username = f"tnv.{unit.code.lower()}.{secrets.token_hex(3)}"
        if not db.session.scalar(sa.select(User.id).where(User.username == username)):
            return username


def revoke_volunteer(volunteer, *, user, now=None):
    """End an enrolled volunteer's access at once; what they already sent stays."""
    ensure_can(user, "users.enroll", volunteer.unit)
    if volunteer.role not in grantable_roles(user):
        raise Forbidden(_("Your role does not allow this."))
    if not volunteer.is_active:
        return volunteer
    now = now or utcnow()
    volunteer.is_active = False
    volunteer.access_until = min(filter(None, [volunteer.access_until, now]))
    db.session.flush()
    events.record("volunteer.revoked", volunteer, {"enrolment_id": volunteer.enrolled_via_id},
                  user=user, unit=volunteer.unit)
    return volunteer
