"""Reads about campaigns: the countdown, targets, visible campaigns."""
import sqlalchemy as sa
from flask_babel import gettext as _

from tracker.auth.access import ensure_visible
from tracker.campaigns.models import Campaign, Target
from tracker.core.errors import NotFound
from tracker.core.time import today
from tracker.extensions import db
from tracker.geo.models import Unit, UnitLevel, ancestor_paths


def countdown(campaign, day):
    """Return ``day_number``, ``days_total`` and ``days_left`` for the digest dated ``day``."""
    return {
        "day_number": (day - campaign.start_date).days + 1,
        "days_total": (campaign.deadline - campaign.start_date).days + 1,
        "days_left": max(0, (campaign.deadline - day).days + 1),
    }


def campaign_today(campaign, *, now=None):
    """Return the local calendar date in the campaign's time zone."""
    return today(campaign.timezone, now=now)


def get_campaign_for(user, campaign_id):
    """Return the campaign if ``user`` may see it; raise 404 otherwise."""
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None:
        raise NotFound(_("Campaign not found."))
    ensure_visible(user, campaign.unit, overlapping=True)
    return campaign


def campaigns_for(user):
    """Return the campaigns whose province overlaps ``user``'s scope, newest first."""
    scope = user.unit.path
    return db.session.scalars(
        sa.select(Campaign)
        .join(Campaign.unit)
        .where(sa.or_(Unit.path.startswith(scope, autoescape=True), Unit.path.in_(ancestor_paths(scope))))
        .order_by(Campaign.start_date.desc(), Campaign.id.desc())
    ).all()


def current_campaign_for(user, *, now=None):
    """Return the running (else the latest) campaign ``user`` takes part in, or None."""
    campaigns = campaigns_for(user)
    for campaign in campaigns:
        if campaign.start_date <= campaign_today(campaign, now=now) <= campaign.deadline:
            return campaign
    return campaigns[0] if campaigns else None


def total_target(campaign):
    """Return the province target: the campaign's own, else the sum of the commune targets."""
    if campaign.target is not None:
        return campaign.target
    return db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(Target.target), 0))
        .join(Unit, Unit.id == Target.unit_id)
        .where(Target.campaign_id == campaign.id, Unit.parent_id == campaign.unit_id)
    )


def children_with_targets(unit, campaign=None):
    """Return ``[(child, target or None, villages)]`` for the units directly under ``unit``, by name."""
    village = sa.orm.aliased(Unit)
    villages = (
        sa.select(sa.func.count(village.id))
        .where(village.parent_id == Unit.id, village.level == UnitLevel.village)
        .correlate(Unit)
        .scalar_subquery()
    )
    joined = sa.and_(Target.unit_id == Unit.id, Target.campaign_id == campaign.id) if campaign else sa.false()
    rows = db.session.execute(
        sa.select(Unit, Target.target, villages)
        .outerjoin(Target, joined)
        .where(Unit.parent_id == unit.id)
        .order_by(Unit.name, Unit.code)
    )
    return rows.all()


def unit_target(campaign, unit):
    """Return ``unit``'s target in ``campaign`` (the province's total for the province), or None."""
    if unit.id == campaign.unit_id:
        return total_target(campaign)
    return db.session.scalar(
        sa.select(Target.target).where(Target.campaign_id == campaign.id, Target.unit_id == unit.id)
    )
