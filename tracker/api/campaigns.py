"""``/api/v1/campaigns``: campaigns, targets and the countdown."""
from flask_login import current_user

from tracker.api.common import protect
from tracker.auth.access import SIGNED_IN, requires
from tracker.campaigns import operations
from tracker.campaigns.queries import (
    campaign_today,
    campaigns_for,
    countdown,
    get_campaign_for,
)
from tracker.campaigns.schemas import (
    CampaignCreateSchema,
    CampaignListSchema,
    CampaignSchema,
    CampaignUpdateSchema,
    CountdownArgsSchema,
    CountdownSchema,
    TargetsUpdateSchema,
)
from tracker.core.args import Blueprint
from tracker.extensions import db

bp = protect(Blueprint("api_campaigns", __name__, url_prefix="/api/v1/campaigns", description="Campaigns"))


@bp.get("")
@requires(SIGNED_IN)
@bp.response(200, CampaignListSchema)
def list_campaigns():
    """List the campaigns of your province, newest first."""
    return {"items": campaigns_for(current_user)}


@bp.post("")
@requires("campaigns.manage")
@bp.arguments(CampaignCreateSchema)
@bp.response(201, CampaignSchema)
def create_campaign(data):
    """Create a campaign for a province."""
    campaign = operations.create_campaign(data, user=current_user)
    db.session.commit()
    return campaign


@bp.get("/<int:campaign_id>")
@requires(SIGNED_IN)
@bp.response(200, CampaignSchema)
def get_campaign(campaign_id):
    """Show a campaign."""
    return get_campaign_for(current_user, campaign_id)


@bp.patch("/<int:campaign_id>")
@requires("campaigns.manage")
@bp.arguments(CampaignUpdateSchema)
@bp.response(200, CampaignSchema)
def update_campaign(data, campaign_id):
    """Change a campaign's name, window, time zone, digest time, target or topics."""
    campaign = operations.update_campaign(get_campaign_for(current_user, campaign_id), data, user=current_user)
    db.session.commit()
    return campaign


@bp.put("/<int:campaign_id>/targets")
@requires("campaigns.manage")
@bp.arguments(TargetsUpdateSchema)
@bp.response(200, CampaignSchema)
def set_targets(data, campaign_id):
    """Set per-unit targets, explicitly or as a rate of population."""
    campaign = operations.set_targets(get_campaign_for(current_user, campaign_id), data, user=current_user)
    db.session.commit()
    return campaign


@bp.get("/<int:campaign_id>/countdown")
@requires(SIGNED_IN)
@bp.arguments(CountdownArgsSchema, location="query")
@bp.response(200, CountdownSchema)
def get_countdown(args, campaign_id):
    """Day number, days in all and days left for the digest dated ``date`` (default today)."""
    campaign = get_campaign_for(current_user, campaign_id)
    return countdown(campaign, args.get("date") or campaign_today(campaign))
