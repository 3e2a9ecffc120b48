"""Compiling and storing digests: one row per (campaign, unit, date), replaced atomically."""
from datetime import timedelta

import sqlalchemy as sa
from flask_babel import gettext as _

from tracker.auth.access import ensure_can
from tracker.campaigns.queries import campaign_today
from tracker.core.errors import InvalidInput
from tracker.core.time import utcnow
from tracker.digests.figures import build_payload
from tracker.digests.models import Digest
from tracker.events import operations as events
from tracker.extensions import db
from tracker.geo.models import Unit, UnitLevel


def ensure_digest_unit(campaign, unit):
    """Refuse a unit that has no digest in ``campaign``: only its province and its communes do."""
    is_province = unit.id == campaign.unit_id
    is_commune = unit.level == UnitLevel.commune and unit.parent_id == campaign.unit_id
    if not (is_province or is_commune):
        raise InvalidInput(_("Some fields are not valid."),
                           fields={"unit": [_("Digests are compiled for the campaign's province and its communes.")]})


def ensure_digest_date(campaign, day, *, now=None):
    """Refuse a day before the campaign starts or after today (its figures would not be final)."""
    if day < campaign.start_date or day > campaign_today(campaign, now=now):
        raise InvalidInput(_("Some fields are not valid."), fields={"date": [
            _("Choose a day from the campaign's start (%(start)s) to today.", start=campaign.start_date.isoformat())]})


def compile_digest(campaign, unit, day, *, user=None, now=None):
    """Compile the digest of ``unit`` for ``day`` and store it, replacing the one stored before.

    The replacement is an UPDATE of the same row inside the caller's transaction: until it
    commits, readers see the previous digest, and a crash leaves that one in place.
    """
    if user is not None:
        ensure_can(user, "digests.compile", unit)
    ensure_digest_unit(campaign, unit)
    ensure_digest_date(campaign, day, now=now)
    payload = build_payload(campaign, unit, day)
    digest = _locked_row(campaign, unit, day)
    digest.payload, digest.compiled_at = payload, now or utcnow()
    db.session.flush()
    events.record("digest.compiled", digest, _event_payload(digest), user=user, unit=unit, campaign=campaign)
    return digest


def _locked_row(campaign, unit, day):
    """Return the digest row of (campaign, unit, day), locked for update, creating it if missing.

    Two compiles of the same digest at once (the scheduler and an admin's "compile now") meet on
    the unique key: the second waits for the row lock, or finds the row the first just inserted.
    """
    select = (sa.select(Digest).where(Digest.campaign_id == campaign.id, Digest.unit_id == unit.id, Digest.date == day)
              .with_for_update())
    digest = db.session.scalar(select)
    if digest is not None:
        return digest
    try:
        with db.session.begin_nested():
            digest = Digest(campaign=campaign, unit=unit, date=day, payload={})
            db.session.add(digest)
        return digest
    except sa.exc.IntegrityError:
        return db.session.scalar(select)


def _event_payload(digest):
    payload = digest.payload
    return {"date": digest.date.isoformat(), "unit": digest.unit.code, "target": payload["target"],
            "reached": payload["reached"], "days_left": payload["days_left"]}


def digest_units(campaign):
    """Return the campaign's province and its communes, the units that get a digest."""
    communes = db.session.scalars(
        sa.select(Unit).where(Unit.parent_id == campaign.unit_id, Unit.level == UnitLevel.commune)
        .order_by(Unit.code)
    ).all()
    return [campaign.unit, *communes]


def compile_campaign(campaign, day, *, user=None, now=None):
    """Compile the digests of the province and of every commune for ``day``; return them."""
    return [compile_digest(campaign, unit, day, user=user, now=now) for unit in digest_units(campaign)]


def last_day(campaign, *, now=None):
    """Return the newest day a digest may exist for: today, at most the day after the deadline."""
    return min(campaign_today(campaign, now=now), campaign.deadline + timedelta(days=1))


def missing_days(campaign, *, now=None):
    """Return the days from the start to today (at most the day after the deadline) with a digest missing.

    A day counts as missing when any of the campaign's units lacks its digest.
    """
    last = last_day(campaign, now=now)
    if last < campaign.start_date:
        return []
    units = len(digest_units(campaign))
    stored = dict(db.session.execute(
        sa.select(Digest.date, sa.func.count(Digest.id)).where(Digest.campaign_id == campaign.id)
        .group_by(Digest.date)
    ).all())
    days = (campaign.start_date + timedelta(days=n) for n in range((last - campaign.start_date).days + 1))
    return [day for day in days if stored.get(day, 0) < units]


def has_digest_compiled_before(campaign, day, instant):
    """Tell whether a stored digest of ``campaign`` for ``day`` was compiled before ``instant``."""
    return db.session.scalar(sa.select(sa.exists().where(
        Digest.campaign_id == campaign.id, Digest.date == day, Digest.compiled_at < instant)))
