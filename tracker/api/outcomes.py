"""``/api/v1``: a campaign's indicators and their targets, progress by indicator, and the outcomes
participants reached."""
from flask_babel import gettext as _
from flask_login import current_user

from tracker.api.common import protect
from tracker.auth.access import SIGNED_IN, ensure_can, ensure_visible, requires
from tracker.campaigns.queries import get_campaign_for
from tracker.campaigns.schemas import TargetsUpdateSchema
from tracker.core.args import Blueprint
from tracker.core.errors import NotFound
from tracker.extensions import db
from tracker.outcomes import operations
from tracker.outcomes.queries import (
    get_indicator,
    get_participant_for_outcomes,
    indicators_with_targets,
    outcomes_of,
    reached_by_indicator,
)
from tracker.outcomes.schemas import (
    IndicatorListSchema,
    IndicatorProgressArgsSchema,
    IndicatorProgressSchema,
    IndicatorsUpdateSchema,
    OutcomeListSchema,
    OutcomesRecordedSchema,
    OutcomesRecordSchema,
    OutcomesUndoneSchema,
)

bp = protect(Blueprint("api_outcomes", __name__, url_prefix="/api/v1", description="Indicators and outcomes"))


@bp.get("/campaigns/<int:campaign_id>/indicators")
@requires(SIGNED_IN)
@bp.response(200, IndicatorListSchema)
def list_indicators(campaign_id):
    """List the campaign's indicators in display order, with the targets in your area."""
    campaign = get_campaign_for(current_user, campaign_id)
    return {"items": indicators_with_targets(campaign, current_user)}


@bp.put("/campaigns/<int:campaign_id>/indicators")
@requires("outcomes.manage")
@bp.arguments(IndicatorsUpdateSchema)
@bp.response(200, IndicatorListSchema)
def define_indicators(data, campaign_id):
    """Set the campaign's indicators: add, rename and reorder by key; unused ones may be left out."""
    campaign = get_campaign_for(current_user, campaign_id)
    operations.define_indicators(campaign, data["indicators"], user=current_user)
    db.session.commit()
    return {"items": indicators_with_targets(campaign, current_user)}


@bp.put("/campaigns/<int:campaign_id>/indicators/<key>/targets")
@requires("outcomes.manage")
@bp.arguments(TargetsUpdateSchema)
@bp.response(200, IndicatorListSchema)
def set_indicator_targets(data, campaign_id, key):
    """Set an indicator's per-unit targets, explicitly or as a rate of population (rounded up)."""
    campaign = get_campaign_for(current_user, campaign_id)
    ensure_can(current_user, "outcomes.manage", campaign.unit, overlapping=True)
    operations.set_indicator_targets(get_indicator(campaign, key), data, user=current_user)
    db.session.commit()
    return {"items": indicators_with_targets(campaign, current_user)}


@bp.get("/campaigns/<int:campaign_id>/indicators/progress")
@requires("progress.read")
@bp.arguments(IndicatorProgressArgsSchema, location="query")
@bp.response(200, IndicatorProgressSchema)
def indicator_progress(args, campaign_id):
    """People reached against the target, per indicator, in one unit (default yours)."""
    campaign = get_campaign_for(current_user, campaign_id)
    ensure_can(current_user, "progress.read")
    unit = args.get("unit") or (current_user.unit if current_user.unit.is_within(campaign.unit) else campaign.unit)
    ensure_visible(current_user, unit)
    if not unit.is_within(campaign.unit):
        raise NotFound(_("The unit is not in the campaign's province."))
    return {"unit": unit, "items": reached_by_indicator(campaign, unit)}


@bp.post("/participants/<int:participant_id>/outcomes")
@requires("outcomes.record")
@bp.arguments(OutcomesRecordSchema)
@bp.response(200, OutcomesRecordedSchema)
def record_outcomes(data, participant_id):
    """Tick outcomes a participant reached; those already recorded keep their first time."""
    participant = get_participant_for_outcomes(current_user, participant_id)
    campaign = get_campaign_for(current_user, data["campaign_id"])
    recorded = operations.record_outcomes(participant, data["outcomes"], campaign=campaign, user=current_user)
    db.session.commit()
    return {"recorded": [outcome.indicator.key for outcome in recorded], "outcomes": outcomes_of(participant)}


@bp.post("/participants/<int:participant_id>/outcomes/undo")
@requires("outcomes.record")
@bp.arguments(OutcomesRecordSchema)
@bp.response(200, OutcomesUndoneSchema)
def undo_outcomes(data, participant_id):
    """Take back outcomes ticked by mistake (an event records it); keys not ticked are skipped."""
    participant = get_participant_for_outcomes(current_user, participant_id)
    campaign = get_campaign_for(current_user, data["campaign_id"])
    undone = operations.undo_outcomes(participant, data["outcomes"], campaign=campaign, user=current_user)
    db.session.commit()
    return {"undone": undone, "outcomes": outcomes_of(participant)}


@bp.get("/participants/<int:participant_id>/outcomes")
@requires("outcomes.record")
@bp.response(200, OutcomeListSchema)
def list_outcomes(participant_id):
    """List the outcomes a participant reached, with when they were recorded."""
    return {"items": outcomes_of(get_participant_for_outcomes(current_user, participant_id))}
