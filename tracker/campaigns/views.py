"""HTML pages: the dashboard, campaigns, their settings and targets."""
from datetime import timedelta

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from tracker.auth.access import can, ensure_can
from tracker.campaigns import operations
from tracker.campaigns.queries import (
    campaign_today,
    campaigns_for,
    children_with_targets,
    countdown,
    current_campaign_for,
    get_campaign_for,
    total_target,
    unit_target,
)
from tracker.campaigns.schemas import (
    DEFAULT_TOPICS,
    CampaignFormSchema,
    CampaignSettingsFormSchema,
    RateFormSchema,
    TargetsFormSchema,
)
from tracker.core.args import load
from tracker.core.errors import AppError
from tracker.core.time import DEFAULT_TIMEZONE
from tracker.core.views import refused
from tracker.extensions import db
from tracker.geo.models import UnitLevel
from tracker.geo.queries import list_units_under
from tracker.trainings.queries import count_by_status, page_trainings

bp = Blueprint("campaigns", __name__)


@bp.get("/dashboard")
@login_required
def dashboard():
    """The current campaign for the user's unit: countdown, trainings and the units below."""
    if not can(current_user, "progress.read"):
        return redirect(url_for("trainings.list_trainings"))
    campaign = current_campaign_for(current_user)
    if campaign is None:
        return render_template("campaigns/dashboard.html", campaign=None,
                               units=children_with_targets(current_user.unit))
    today = campaign_today(campaign)
    days = [today, today + timedelta(days=1)]
    return render_template(
        "campaigns/dashboard.html",
        campaign=campaign,
        today=today,
        countdown=countdown(campaign, today),
        counts=count_by_status(current_user, campaign=campaign),
        upcoming=[(day, *page_trainings(current_user, campaign=campaign, day=day, limit=8)) for day in days],
        units=children_with_targets(current_user.unit, campaign),
        target=unit_target(campaign, current_user.unit),
    )


@bp.get("/campaigns")
@login_required
def list_campaigns():
    """The campaigns covering the user's area."""
    ensure_can(current_user, "progress.read")
    return render_template("campaigns/list.html", campaigns=campaigns_for(current_user))


@bp.route("/campaigns/new", methods=["GET", "POST"])
@login_required
def new_campaign():
    """Create a campaign for a province (admins)."""
    ensure_can(current_user, "campaigns.manage")
    form, errors = {"topics": "\n".join(DEFAULT_TOPICS), "timezone": DEFAULT_TIMEZONE, "digest_time": "06:00"}, {}
    if request.method == "POST":
        form = request.form
        try:
            campaign = operations.create_campaign(load(CampaignFormSchema()), user=current_user)
            db.session.commit()
        except AppError as error:
            errors = refused(error)
        else:
            flash(_("The campaign was created. Set its targets next."), "success")
            return redirect(url_for("campaigns.campaign_targets", campaign_id=campaign.id))
    provinces = list_units_under(current_user.unit, level=UnitLevel.province, include_self=True)
    return render_template("campaigns/new.html", form=form, errors=errors, provinces=provinces), 422 if errors else 200


@bp.route("/campaigns/<int:campaign_id>", methods=["GET", "POST"])
@login_required
def campaign_page(campaign_id):
    """A campaign's settings; admins change them here."""
    ensure_can(current_user, "progress.read")
    campaign = get_campaign_for(current_user, campaign_id)
    form, errors = _settings_form(campaign), {}
    if request.method == "POST":
        form = request.form
        try:
            operations.update_campaign(campaign, load(CampaignSettingsFormSchema()), user=current_user)
            db.session.commit()
        except AppError as error:
            errors = refused(error)
        else:
            flash(_("The campaign settings were saved."), "success")
            return redirect(url_for("campaigns.campaign_page", campaign_id=campaign.id))
    return render_template(
        "campaigns/campaign.html", campaign=campaign, form=form, errors=errors,
        total=total_target(campaign), countdown=countdown(campaign, campaign_today(campaign)),
    ), 422 if errors else 200


def _settings_form(campaign):
    return {
        "name": campaign.name, "start_date": campaign.start_date.isoformat(),
        "deadline": campaign.deadline.isoformat(), "timezone": campaign.timezone,
        "digest_time": campaign.digest_time.strftime("%H:%M"), "target": campaign.target,
        "topics": "\n".join(campaign.topics),
    }


@bp.route("/campaigns/<int:campaign_id>/targets", methods=["GET", "POST"])
@login_required
def campaign_targets(campaign_id):
    """Targets by commune: typed one by one, or derived as a rate of population (admins)."""
    campaign = get_campaign_for(current_user, campaign_id)
    ensure_can(current_user, "campaigns.manage", campaign.unit, overlapping=True)
    form, errors = {}, {}
    if request.method == "POST":
        form = request.form
        schema = RateFormSchema() if "percent" in form else TargetsFormSchema()
        try:
            operations.set_targets(campaign, load(schema), user=current_user)
            db.session.commit()
        except AppError as error:
            errors = refused(error)
        else:
            flash(_("The targets were saved."), "success")
            return redirect(url_for("campaigns.campaign_targets", campaign_id=campaign.id))
    return render_template(
        "campaigns/targets.html", campaign=campaign, form=form, errors=errors,
        rows=children_with_targets(campaign.unit, campaign), total=total_target(campaign),
    ), 422 if errors else 200
