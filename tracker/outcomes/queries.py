"""Reads about indicators and outcomes: a campaign's indicators, a person's outcomes, progress."""
import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import aliased, contains_eager, selectinload

from tracker.auth.access import overlaps
from tracker.checkins.models import CheckIn
from tracker.core.errors import NotFound
from tracker.extensions import db
from tracker.geo.models import Unit, UnitLevel
from tracker.geo.queries import village_within
from tracker.outcomes.models import Indicator, IndicatorTarget, Outcome
from tracker.participants.models import Participant
from tracker.participants.queries import get_participant_for


def indicators_for(campaign):
    """Return the campaign's indicators in display order, their targets loaded."""
    return db.session.scalars(
        sa.select(Indicator)
        .where(Indicator.campaign_id == campaign.id)
        .options(selectinload(Indicator.targets).joinedload(IndicatorTarget.unit))
        .order_by(Indicator.position, Indicator.id)
    ).all()


def indicators_named(campaign, keys):
    """Return the campaign's indicators whose key is in ``keys``, by key (targets not loaded)."""
    stmt = sa.select(Indicator).where(Indicator.campaign_id == campaign.id, Indicator.key.in_(list(keys)))
    return {indicator.key: indicator for indicator in db.session.scalars(stmt)}


def indicators_with_targets(campaign, user):
    """Return the campaign's indicators as dicts, with the targets of units overlapping ``user``'s scope."""
    return [
        {"key": indicator.key, "name": indicator.name, "position": indicator.position,
         "targets": sorted((t for t in indicator.targets if overlaps(user, t.unit)), key=lambda t: t.unit.path)}
        for indicator in indicators_for(campaign)
    ]


def get_indicator(campaign, key):
    """Return the campaign's indicator called ``key``; raise 404 when there is none."""
    indicator = db.session.scalar(
        sa.select(Indicator).where(Indicator.campaign_id == campaign.id, Indicator.key == key)
    )
    if indicator is None:
        raise NotFound(_("Indicator not found."))
    return indicator


def used_keys(campaign):
    """Return the keys of the campaign's indicators that have recorded outcomes."""
    return set(db.session.scalars(
        sa.select(Indicator.key).where(
            Indicator.campaign_id == campaign.id,
            sa.exists().where(Outcome.indicator_id == Indicator.id),
        )
    ))


def outcomes_of(participant, campaign=None):
    """Return the participant's outcomes (of one campaign, if given), their indicators loaded."""
    stmt = (
        sa.select(Outcome)
        .join(Outcome.indicator)
        .options(contains_eager(Outcome.indicator))
        .where(Outcome.participant_id == participant.id)
        .order_by(Indicator.campaign_id, Indicator.position, Indicator.id)
    )
    if campaign is not None:
        stmt = stmt.where(Indicator.campaign_id == campaign.id)
    return db.session.scalars(stmt).all()


def commune_targets(indicator):
    """Return ``[(commune, target or None)]`` for the communes of the indicator's province, by name."""
    joined = sa.and_(IndicatorTarget.unit_id == Unit.id, IndicatorTarget.indicator_id == indicator.id)
    return db.session.execute(
        sa.select(Unit, IndicatorTarget.target)
        .outerjoin(IndicatorTarget, joined)
        .where(Unit.parent_id == indicator.campaign.unit_id, Unit.level == UnitLevel.commune)
        .order_by(Unit.name, Unit.code)
    ).all()


def reached_by_indicator(campaign, unit, *, before=None):
    """Return, per indicator, ``key``, ``name``, ``target`` and ``reached`` (people living in ``unit``).

    The target is the unit's own, else the sum of its children's; ``reached`` counts distinct
    participants whose home village lies under ``unit`` (outcomes reached before ``before``, if given:
    one ticked at the door counts when its card was scanned, so a late offline sync counts on its day).
    """
    own, children, reached = _own_targets(unit), _children_targets(unit), _reached(campaign, unit, before)
    rows = db.session.execute(
        sa.select(Indicator.key, Indicator.name,
                  sa.func.coalesce(own.c.target, children.c.target).label("target"),
                  sa.func.coalesce(reached.c.reached, 0).label("reached"))
        .outerjoin(own, own.c.indicator_id == Indicator.id)
        .outerjoin(children, children.c.indicator_id == Indicator.id)
        .outerjoin(reached, reached.c.indicator_id == Indicator.id)
        .where(Indicator.campaign_id == campaign.id)
        .order_by(Indicator.position, Indicator.id)
    )
    return [dict(row._mapping, reached_percent=_percent(row.reached, row.target)) for row in rows]


def _own_targets(unit):
    return (sa.select(IndicatorTarget.indicator_id, IndicatorTarget.target)
            .where(IndicatorTarget.unit_id == unit.id).subquery())


def _children_targets(unit):
    return (sa.select(IndicatorTarget.indicator_id, sa.func.sum(IndicatorTarget.target).label("target"))
            .join(Unit, Unit.id == IndicatorTarget.unit_id)
            .where(Unit.parent_id == unit.id)
            .group_by(IndicatorTarget.indicator_id).subquery())


def _reached(campaign, unit, before):
    home = aliased(Unit)
    stmt = (sa.select(Outcome.indicator_id, sa.func.count(sa.distinct(Outcome.participant_id)).label("reached"))
            .join(Indicator, Indicator.id == Outcome.indicator_id)
            .join(Participant, Participant.id == Outcome.participant_id)
            .join(home, home.id == Participant.village_id)
            .where(Indicator.campaign_id == campaign.id, village_within(unit, home))
            .group_by(Outcome.indicator_id))
    if before is not None:
        scanned = sa.select(CheckIn.scanned_at).where(CheckIn.id == Outcome.checkin_id).scalar_subquery()
        stmt = stmt.where(sa.func.coalesce(scanned, Outcome.recorded_at) < before)
    return stmt.subquery()


def _percent(reached, target):
    return round(100 * reached / target, 1) if target else None


def get_participant_for_outcomes(user, participant_id):
    """Return the participant if ``user`` ticks outcomes and their home lies in scope; raise 404 otherwise."""
    # Volunteers tick outcomes without reading participants' records: the outcomes capability decides.
    return get_participant_for(user, participant_id, capability="outcomes.record")
