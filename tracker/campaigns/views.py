"""HTML pages: the dashboard, campaigns, their settings and targets."""
from datetime import timedelta

from flask import Blueprint, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from tracker.auth.access import SIGNED_IN, can, ensure_can, requires
from tracker.campaigns import operations
from tracker.campaigns.queries import (
    campaign_today,
    campaigns_for,
    children_with_targets,
    countdown,
    current_campaign_for,
    get_campaign_for,
    total_target,
)
from tracker.campaigns.schemas import (
    DEFAULT_TOPICS,
    CampaignFormSchema,
    CampaignSettingsFormSchema,
    RateFormSchema,
    TargetsFormSchema,
)
from tracker.core.args import load
from tracker.core.errors import AppError, NotFound
from tracker.core.time import DEFAULT_TIMEZONE
from tracker.core.views import refused
from tracker.digests.dashboard import (
    DashboardArgsSchema,
    dashboard_unit,
    progress_view,
    snapshot_etag,
)
from tracker.digests.progress import progress_now
from tracker.extensions import db
from tracker.geo.models import UnitLevel
from tracker.geo.queries import list_units_under
from tracker.trainings.queries import count_by_status, page_trainings

bp = Blueprint("campaigns", __name__)


@bp.get("/dashboard")
@requires(SIGNED_IN)
@login_required
def dashboard():
    """Progress now of the user's unit, or of a unit under it (``?unit=CODE``): province → commune → village."""
    if not can(current_user, "progress.read"):
        return redirect(url_for("trainings.list_trainings"))
    campaign = current_campaign_for(current_user)
    if campaign is None:
        return render_template("campaigns/dashboard.html", campaign=None,
                               units=children_with_targets(current_user.unit))
    unit = dashboard_unit(current_user, campaign, load(DashboardArgsSchema(), location="query").get("unit"))
    values = progress_view(current_user, campaign, unit, progress_now(campaign, unit))
    db.session.commit()  # the snapshot, if it was computed for this request
    days = [values["today"], values["today"] + timedelta(days=1)]
    return render_template(
        "campaigns/dashboard.html", **values, poll_seconds=current_app.config["TRACKER_DASHBOARD_POLL"],
        counts=count_by_status(current_user, campaign=campaign, unit=unit),
        upcoming=[(day, *page_trainings(current_user, campaign=campaign, unit=unit, day=day, limit=8)) for day in days],
    )


@bp.get("/dashboard/live")
@requires("progress.read")
@login_required
def dashboard_live():
    """The dashboard's figures for its poller: rendered, with an ETag that changes when they do (else 304)."""
    ensure_can(current_user, "progress.read")
    campaign = current_campaign_for(current_user)
    if campaign is None:
        raise NotFound(_("There is no campaign for your area yet."))
    unit = dashboard_unit(current_user, campaign, load(DashboardArgsSchema(), location="query").get("unit"))
    snapshot = progress_now(campaign, unit)
    db.session.commit()
    headers = {"ETag": snapshot_etag(snapshot), "Cache-Control": "private, no-cache"}
    if headers["ETag"] in request.headers.get("If-None-Match", ""):
        return "", 304, headers
    values = progress_view(current_user, campaign, unit, snapshot)
    body = {"as_of": snapshot.as_of.isoformat(), "reached": snapshot.payload["reached"],
            "html": {"progress": render_template("campaigns/_progress.html", **values)}}
    return jsonify(body), 200, headers


@bp.get("/campaigns")
@requires("progress.read")
@login_required
def list_campaigns():
    """The campaigns covering the user's area."""
    ensure_can(current_user, "progress.read")
    return render_template("campaigns/list.html", campaigns=campaigns_for(current_user))


@bp.route("/campaigns/new", methods=["GET", "POST"])
@requires("campaigns.manage")
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
@requires("progress.read", POST="campaigns.manage")
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
        "deadline": campaign.deadline.isoformat(), "timezone": campaign.timezone, "is_public": campaign.is_public,
        "digest_time": campaign.digest_time.strftime("%H:%M"), "target": campaign.target,
        "topics": "\n".join(campaign.topics),
    }


@bp.route("/campaigns/<int:campaign_id>/targets", methods=["GET", "POST"])
@requires("campaigns.manage")
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
