"""HTML pages: a campaign's indicators and their targets (admins), and ticking a participant's outcomes."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from tracker.auth.access import ensure_can, requires
from tracker.campaigns.queries import current_campaign_for, get_campaign_for
from tracker.campaigns.schemas import RateFormSchema, TargetsFormSchema
from tracker.core.args import load
from tracker.core.errors import AppError, NotFound
from tracker.core.views import flash_refusal, refused
from tracker.extensions import db
from tracker.outcomes import operations
from tracker.outcomes.queries import (
    commune_targets,
    get_indicator,
    get_participant_for_outcomes,
    indicators_for,
    outcomes_of,
    used_keys,
)
from tracker.outcomes.schemas import DEFAULT_INDICATORS, IndicatorsFormSchema, OutcomesRecordSchema

bp = Blueprint("outcomes", __name__)


def _managed_campaign(campaign_id):
    """The campaign, if the user may see it and manage its indicators."""
    campaign = get_campaign_for(current_user, campaign_id)
    ensure_can(current_user, "outcomes.manage", campaign.unit, overlapping=True)
    return campaign


@bp.route("/campaigns/<int:campaign_id>/indicators", methods=["GET", "POST"])
@requires("outcomes.manage")
@login_required
def campaign_indicators(campaign_id):
    """The campaign's indicators: add, rename, reorder and remove (admins)."""
    campaign = _managed_campaign(campaign_id)
    form, errors = {}, {}
    if request.method == "POST":
        form = request.form
        try:
            operations.define_indicators(campaign, load(IndicatorsFormSchema())["indicators"], user=current_user)
            db.session.commit()
        except AppError as error:
            errors = refused(error)
        else:
            flash(_("The indicators were saved."), "success")
            return redirect(url_for("outcomes.campaign_indicators", campaign_id=campaign.id))
    return _render_indicators(campaign, form, errors)


@bp.post("/campaigns/<int:campaign_id>/indicators/defaults")
@requires("outcomes.manage")
@login_required
def add_default_indicators(campaign_id):
    """Add the standard indicators the campaign does not have yet (admins)."""
    campaign = _managed_campaign(campaign_id)
    items = [{"key": indicator.key, "name": indicator.name} for indicator in indicators_for(campaign)]
    known = {item["key"] for item in items}
    items += [{"key": key, "name": str(name)} for key, name in DEFAULT_INDICATORS if key not in known]
    operations.define_indicators(campaign, items, user=current_user)
    db.session.commit()
    flash(_("The standard indicators were added."), "success")
    return redirect(url_for("outcomes.campaign_indicators", campaign_id=campaign.id))


def _render_indicators(campaign, form, errors):
    indicators = indicators_for(campaign)
    missing = [key for key, _name in DEFAULT_INDICATORS if key not in {i.key for i in indicators}]
    return render_template(
        "outcomes/indicators.html", campaign=campaign, indicators=indicators, used=used_keys(campaign),
        form=form, errors=errors, missing_defaults=missing,
    ), 422 if errors else 200


@bp.route("/campaigns/<int:campaign_id>/indicators/<key>/targets", methods=["GET", "POST"])
@requires("outcomes.manage")
@login_required
def indicator_targets(campaign_id, key):
    """An indicator's targets by commune: typed one by one, or as a rate of population (admins)."""
    campaign = _managed_campaign(campaign_id)
    indicator = get_indicator(campaign, key)
    form, errors = {}, {}
    if request.method == "POST":
        form = request.form
        schema = RateFormSchema() if "percent" in form else TargetsFormSchema()
        try:
            operations.set_indicator_targets(indicator, load(schema), user=current_user)
            db.session.commit()
        except AppError as error:
            errors = refused(error)
        else:
            flash(_("The targets were saved."), "success")
            return redirect(url_for("outcomes.indicator_targets", campaign_id=campaign.id, key=indicator.key))
    return render_template(
        "outcomes/targets.html", campaign=campaign, indicator=indicator, form=form, errors=errors,
        rows=commune_targets(indicator),
    ), 422 if errors else 200


@bp.route("/participants/<int:participant_id>/outcomes", methods=["GET", "POST"])
@requires("outcomes.record")
@login_required
def participant_outcomes(participant_id):
    """Tick the outcomes a participant reached in the current campaign."""
    participant = get_participant_for_outcomes(current_user, participant_id)
    campaign = current_campaign_for(current_user)
    if campaign is None:
        raise NotFound(_("There is no campaign for your area yet."))
    errors = {}
    if request.method == "POST":
        try:
            data = load(OutcomesRecordSchema())
            chosen = get_campaign_for(current_user, data["campaign_id"])
            recorded = operations.record_outcomes(participant, data["outcomes"], campaign=chosen, user=current_user)
            db.session.commit()
        except AppError as error:
            errors = refused(error)
        else:
            flash(_("%(n)s outcomes recorded.", n=len(recorded)) if recorded else _("Nothing new to record."),
                  "success")
            return redirect(url_for("outcomes.participant_outcomes", participant_id=participant.id))
    return _outcomes_page(participant, campaign, errors)


@bp.post("/participants/<int:participant_id>/outcomes/undo")
@requires("outcomes.record")
@login_required
def undo_outcome(participant_id):
    """Take back one outcome ticked by mistake (the form beside it)."""
    participant = get_participant_for_outcomes(current_user, participant_id)
    try:
        data = load(OutcomesRecordSchema())
        campaign = get_campaign_for(current_user, data["campaign_id"])
        undone = operations.undo_outcomes(participant, data["outcomes"], campaign=campaign, user=current_user)
        db.session.commit()
    except AppError as error:
        flash_refusal(error)
    else:
        flash(_("Outcome taken back.") if undone else _("Nothing to take back."), "success")
    return redirect(url_for("outcomes.participant_outcomes", participant_id=participant.id))


def _outcomes_page(participant, campaign, errors):
    reached = {outcome.indicator_id: outcome for outcome in outcomes_of(participant, campaign)}
    return render_template(
        "outcomes/participant.html", participant=participant, campaign=campaign, errors=errors,
        indicators=indicators_for(campaign), reached=reached,
    ), 422 if errors else 200
