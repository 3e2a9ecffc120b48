"""Reads of stored digests, scoped by the reader's unit."""
import sqlalchemy as sa
from flask_babel import gettext as _

from tracker.auth.access import can_see, ensure_can
from tracker.core.errors import NotFound
from tracker.digests.models import Digest
from tracker.extensions import db
from tracker.geo.models import UnitLevel
from tracker.geo.queries import ancestors


def get_digest(campaign, unit, day):
    """Return the stored digest of ``unit`` for ``day``, or None."""
    return db.session.scalar(
        sa.select(Digest).where(Digest.campaign_id == campaign.id, Digest.unit_id == unit.id, Digest.date == day)
    )


def default_digest_unit(user, campaign):
    """Return the unit whose digest ``user`` opens first: the province if in scope, else their commune."""
    if can_see(user, campaign.unit):
        return campaign.unit
    communes = [unit for unit in [*ancestors(user.unit), user.unit] if unit.level == UnitLevel.commune]
    return communes[0] if communes else user.unit


def get_digest_for(user, campaign, unit, day):
    """Return the stored digest if ``user`` may read ``unit``'s digests; raise 404 when there is none."""
    ensure_can(user, "digests.read", unit)
    digest = get_digest(campaign, unit, day)
    if digest is None:
        raise NotFound(_("No digest has been compiled for this unit and day."))
    return digest


def digest_dates(campaign, unit):
    """Return the days that have a stored digest of ``unit``, newest first."""
    return db.session.scalars(
        sa.select(Digest.date).where(Digest.campaign_id == campaign.id, Digest.unit_id == unit.id)
        .order_by(Digest.date.desc())
    ).all()
