"""Writes to indicators, their targets and outcomes."""
import sqlalchemy as sa
from flask_babel import gettext as _

from tracker.auth.access import can, can_see, ensure_can
from tracker.campaigns.operations import store_targets, targets_from_rate
from tracker.core.db import dialect_insert
from tracker.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from tracker.core.time import utcnow
from tracker.events import operations as events
from tracker.extensions import db
from tracker.outcomes.models import Indicator, IndicatorTarget, Outcome
from tracker.outcomes.queries import indicators_for, indicators_named, used_keys


def define_indicators(campaign, items, *, user):
    """Make the campaign's indicators exactly ``items`` (``[{"key", "name"}]``, in display order)."""
    ensure_can(user, "outcomes.manage", campaign.unit, overlapping=True)
    existing = {indicator.key: indicator for indicator in indicators_for(campaign)}
    wanted = [item["key"] for item in items]
    removed = sorted(set(existing) - set(wanted))
    in_use = sorted(used_keys(campaign) & set(removed))
    if in_use:
        raise Conflict(_("Outcomes are recorded for these indicators, so they cannot be removed: %(keys)s.",
                         keys=", ".join(in_use)), fields={"indicators": in_use})
    for key in removed:
        db.session.delete(existing[key])
    changes = _apply_items(campaign, existing, items)
    if removed or any(changes.values()):
        db.session.flush()
        payload = {"added": changes["added"], "renamed": changes["renamed"], "removed": removed, "order": wanted}
        events.record("campaign.indicators_updated", campaign, payload, user=user, unit=campaign.unit,
                      campaign=campaign)
    return indicators_for(campaign)


def _apply_items(campaign, existing, items):
    """Add, rename and reorder; return the keys ``added``, ``renamed`` and ``moved``."""
    changes = {"added": [], "renamed": [], "moved": []}
    for position, item in enumerate(items):
        indicator, name = existing.get(item["key"]), item["name"].strip()
        if indicator is None:
            db.session.add(Indicator(campaign=campaign, key=item["key"], name=name, position=position))
            changes["added"].append(item["key"])
            continue
        if indicator.name != name:
            indicator.name = name
            changes["renamed"].append(item["key"])
        if indicator.position != position:
            indicator.position = position
            changes["moved"].append(item["key"])
    return changes


def set_indicator_targets(indicator, data, *, user):
    """Set the indicator's per-unit targets, explicitly or as a rate of each unit's population."""
    campaign = indicator.campaign
    ensure_can(user, "outcomes.manage", campaign.unit, overlapping=True)
    if "rate" in data:
        # The same rule as the campaign's targets: every commune and village, rounded up.
        wanted = targets_from_rate(campaign, data["rate"])
    else:
        outside = [item["unit"].code for item in data["targets"] if not item["unit"].is_within(campaign.unit)]
        if outside:
            raise InvalidInput(_("Some fields are not valid."), fields={
                "targets": [_("Not in the campaign's province: %(codes)s.", codes=", ".join(outside))]})
        wanted = {item["unit"].id: (item["target"], None) for item in data["targets"]}
    stored = db.session.scalars(sa.select(IndicatorTarget).where(IndicatorTarget.indicator_id == indicator.id))
    store_targets(stored, wanted, lambda unit_id: IndicatorTarget(indicator=indicator, unit_id=unit_id))
    payload = {"indicator": indicator.key, "units": len(wanted)} | ({"rate": data["rate"]} if "rate" in data else {})
    events.record("indicator.targets_set", indicator, payload, user=user, unit=campaign.unit, campaign=campaign)
    return indicator


def record_outcomes(participant, keys, *, campaign, user, checkin=None):
    """Store the outcomes ``keys`` the participant reached, each once; return those newly stored."""
    ensure_can_record(user, participant, checkin)
    if not participant.village.is_within(campaign.unit):
        raise InvalidInput(_("Some fields are not valid."), fields={
            "campaign_id": [_("This person does not live in the campaign's province.")]})
    indicators = _indicators_named(campaign, keys)
    rows = [{"participant_id": participant.id, "indicator_id": indicator.id, "recorded_at": utcnow(),
             "checkin_id": checkin.id if checkin is not None else None,
             "recorded_by_id": user.id if user is not None else None} for indicator in indicators]
    if not rows:
        return []
    insert = dialect_insert(db.session, Outcome)  # ON CONFLICT DO NOTHING: concurrent ticks store one row
    ids = db.session.scalars(
        insert.values(rows).on_conflict_do_nothing(index_elements=["participant_id", "indicator_id"])
        .returning(Outcome.id)
    ).all()
    if not ids:
        return []
    outcomes = db.session.scalars(sa.select(Outcome).where(Outcome.id.in_(ids))).all()
    outcomes.sort(key=lambda outcome: (outcome.indicator.position, outcome.indicator.id))
    payload = {"participant": participant.code, "indicators": [outcome.indicator.key for outcome in outcomes]}
    if checkin is not None:
        payload["checkin_id"] = checkin.id
    events.record("outcome.recorded", participant, payload, user=user, unit=participant.village, campaign=campaign)
    return outcomes


def undo_outcomes(participant, keys, *, campaign, user):
    """Take back outcomes ticked by mistake; return the keys undone (those not ticked are skipped)."""
    ensure_can_record(user, participant)
    indicators = _indicators_named(campaign, keys)
    outcomes = db.session.scalars(sa.select(Outcome).where(
        Outcome.participant_id == participant.id, Outcome.indicator_id.in_([item.id for item in indicators]))).all()
    if not outcomes:
        return []
    undone = [outcome.indicator.key for outcome in sorted(outcomes, key=lambda item: item.indicator.position)]
    for outcome in outcomes:
        db.session.delete(outcome)
    db.session.flush()
    events.record("outcome.undone", participant, {"participant": participant.code, "indicators": undone}, user=user,
                  unit=participant.village, campaign=campaign)
    return undone


def ensure_can_record(user, participant, checkin=None):
    """Raise 404 unless the participant's home or the check-in's training is in scope, then 403 without the role."""
    if user is None:
        return
    places = [participant.village] + ([checkin.training.village] if checkin is not None else [])
    if not any(can_see(user, place) for place in places):
        raise NotFound(_("Participant not found."))
    if not can(user, "outcomes.record"):
        raise Forbidden(_("Your role does not allow this."))


def _indicators_named(campaign, keys):
    """Return the campaign's indicators called ``keys`` (each once); refuse unknown keys naming them."""
    keys = list(dict.fromkeys(keys))
    by_key = indicators_named(campaign, keys)
    unknown = [key for key in keys if key not in by_key]
    if unknown:
        raise InvalidInput(_("Some fields are not valid."), fields={
            "outcomes": [_("Unknown indicator: %(key)s.", key=key) for key in unknown]})
    return [by_key[key] for key in keys]
