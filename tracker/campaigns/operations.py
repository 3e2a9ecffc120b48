"""Writes to campaigns and their targets."""
import math

import sqlalchemy as sa
from flask_babel import gettext as _

from tracker.auth.access import ensure_can
from tracker.campaigns.models import Campaign, Target
from tracker.core.errors import InvalidInput
from tracker.events import operations as events
from tracker.extensions import db
from tracker.geo.models import Unit, UnitLevel
from tracker.trainings.queries import topics_in_use


def create_campaign(data, *, user):
    """Create a campaign for a province."""
    if user is not None:
        ensure_can(user, "campaigns.manage", data["unit"], overlapping=True)
    campaign = Campaign(
        name=data["name"].strip(),
        unit=data["unit"],
        start_date=data["start_date"],
        deadline=data["deadline"],
        timezone=data["timezone"],
        digest_time=data["digest_time"],
        target=data.get("target"),
        topics=[topic.strip() for topic in data["topics"]],
        is_public=data.get("is_public", False),
    )
    db.session.add(campaign)
    db.session.flush()
    events.record("campaign.created", campaign, _campaign_payload(campaign), user=user,
                  unit=campaign.unit, campaign=campaign)
    return campaign


def update_campaign(campaign, data, *, user):
    """Change a campaign's settings; topics in use by trainings cannot be removed."""
    ensure_can(user, "campaigns.manage", campaign.unit, overlapping=True)
    start, deadline = data.get("start_date", campaign.start_date), data.get("deadline", campaign.deadline)
    if deadline < start:
        raise InvalidInput(_("Some fields are not valid."),
                           fields={"deadline": [_("The deadline must not be before the start date.")]})
    if "topics" in data:
        _ensure_topics_kept(campaign, data["topics"])
    changed = {}
    for key, value in data.items():
        value = value.strip() if key == "name" else value
        if getattr(campaign, key) != value:
            setattr(campaign, key, value)
            changed[key] = value
    if changed:
        db.session.flush()
        events.record("campaign.updated", campaign, {"changed": sorted(changed)}, user=user,
                      unit=campaign.unit, campaign=campaign)
    return campaign


def _ensure_topics_kept(campaign, topics):
    missing = sorted(set(topics_in_use(campaign)) - set(topics))
    if missing:
        raise InvalidInput(_("Some fields are not valid."), fields={
            "topics": [_("Trainings use these topics: %(topics)s.", topics=", ".join(missing))]})


def set_targets(campaign, data, *, user):
    """Set per-unit targets, explicitly or as a rate of each unit's population."""
    ensure_can(user, "campaigns.manage", campaign.unit, overlapping=True)
    if "rate" in data:
        wanted = targets_from_rate(campaign, data["rate"])
    else:
        wanted = {item["unit"].id: (item["target"], None) for item in data["targets"]}
        outside = [item["unit"].code for item in data["targets"] if not item["unit"].is_within(campaign.unit)]
        if outside:
            raise InvalidInput(_("Some fields are not valid."), fields={
                "targets": [_("Not in the campaign's province: %(codes)s.", codes=", ".join(outside))]})
    stored = db.session.scalars(sa.select(Target).where(Target.campaign_id == campaign.id))
    store_targets(stored, wanted, lambda unit_id: Target(campaign=campaign, unit_id=unit_id))
    payload = {"units": len(wanted)} | ({"rate": data["rate"]} if "rate" in data else {})
    events.record("campaign.targets_set", campaign, payload, user=user, unit=campaign.unit,
                  campaign=campaign)
    return campaign


def targets_from_rate(campaign, rate):
    """Return ``{unit_id: (target, rate)}`` for every commune and village with a population."""
    rows = db.session.execute(
        sa.select(Unit.id, Unit.population).where(
            Unit.path.startswith(campaign.unit.path, autoescape=True),
            Unit.level.in_([UnitLevel.commune, UnitLevel.village]),
            Unit.population.is_not(None),
        )
    )
    # A rate of population is a number of people: round up, a fraction of a person is one more.
    return {unit_id: (math.ceil(round(population * rate, 6)), rate) for unit_id, population in rows}


def store_targets(stored, wanted, new_target):
    """Set the targets ``wanted`` (``{unit_id: (target, rate)}``) on the ``stored`` rows, adding
    ``new_target(unit_id)`` for units without one. Serves campaign and indicator targets alike."""
    existing = {target.unit_id: target for target in stored}
    for unit_id, (value, rate) in wanted.items():
        target = existing.get(unit_id)
        if target is None:
            target = new_target(unit_id)
            db.session.add(target)
        target.target, target.rate = value, rate
    db.session.flush()


def _campaign_payload(campaign):
    return {
        "name": campaign.name,
        "start_date": campaign.start_date.isoformat(),
        "deadline": campaign.deadline.isoformat(),
        "target": campaign.target,
    }
