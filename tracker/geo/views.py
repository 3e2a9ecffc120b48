"""HTML pages: the unit tree within the user's scope, and the CSV import for admins."""
from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from tracker.auth.access import ensure_can, ensure_visible, requires
from tracker.campaigns.queries import (
    campaign_today,
    children_with_targets,
    current_campaign_for,
    get_campaign_for,
    unit_target,
)
from tracker.checkins.exports import unit_checkins_sheet
from tracker.checkins.schemas import UnitCheckinsArgsSchema
from tracker.core.args import load
from tracker.core.errors import InvalidInput, NotFound
from tracker.core.exports import export_name, sheet_response
from tracker.core.views import refused
from tracker.digests.progress_exports import progress_frame, progress_sheet
from tracker.digests.schemas import ProgressArgsSchema
from tracker.extensions import db
from tracker.geo import operations
from tracker.geo.models import UnitLevel
from tracker.geo.queries import ancestors, get_unit
from tracker.geo.schemas import UnitsFileSchema

bp = Blueprint("geo", __name__)


@bp.get("/units")
@requires("progress.read")
@login_required
def units():
    """The user's own unit."""
    return _render_unit(current_user.unit.code)


@bp.get("/units/<code>")
@requires("progress.read")
@login_required
def unit_page(code):
    """A unit, the path to it and the units directly under it."""
    return _render_unit(code)


def _render_unit(code, errors=None, status=200):
    ensure_can(current_user, "progress.read")
    unit = _visible_unit(code)
    campaign = current_campaign_for(current_user)
    crumbs = [above for above in ancestors(unit) if above.is_within(current_user.unit)]
    return render_template(
        "geo/unit.html", unit=unit, crumbs=crumbs, campaign=campaign,
        target=unit_target(campaign, unit) if campaign else None,
        children=children_with_targets(unit, campaign), errors=errors or {},
        show_villages=unit.level == UnitLevel.province,
    ), status


@bp.get("/units/<code>/progress.<any(csv, xlsx):extension>")
@requires("progress.read")
@login_required
def export_progress(code, extension):
    """Download the units under this one with target, reached, percent and rank, as the digest counts them."""
    ensure_can(current_user, "progress.read")
    args = load(ProgressArgsSchema(), "query")
    unit, campaign = _visible_unit(code), _campaign(args.get("campaign_id"))
    sheet = progress_sheet(progress_frame(campaign, unit, args.get("date")))
    day = args.get("date") or campaign_today(campaign)
    return sheet_response(sheet, extension, export_name(_("Progress"), unit.name, day))


@bp.get("/units/<code>/checkins.<any(csv, xlsx):extension>")
@requires("progress.read", "checkins.read")
@login_required
def export_checkins(code, extension):
    """Download every check-in at the campaign's trainings held in this unit (voided ones marked).

    For those who see both the unit page and check-ins (not volunteers: they see one training's roster).
    """
    ensure_can(current_user, "progress.read")
    ensure_can(current_user, "checkins.read")
    args = load(UnitCheckinsArgsSchema(), "query")
    unit, campaign = _visible_unit(code), _campaign(args.get("campaign_id"))
    name = export_name(_("Check-ins"), unit.name, campaign_today(campaign))
    return sheet_response(unit_checkins_sheet(current_user, campaign, unit), extension, name)


def _visible_unit(code):
    unit = get_unit(code)
    if unit is None:
        raise NotFound(_("Unit not found."))
    ensure_visible(current_user, unit)
    return unit


def _campaign(campaign_id=None):
    """The campaign asked for, else the user's current one; 404 when there is none."""
    campaign = get_campaign_for(current_user, campaign_id) if campaign_id else current_campaign_for(current_user)
    if campaign is None:
        raise NotFound(_("There is no campaign for your area yet."))
    return campaign


@bp.post("/units/import")
@requires("units.import")
@login_required
def import_units():
    """Create or update units from an uploaded CSV file (admins); all rows or none."""
    ensure_can(current_user, "units.import")
    try:
        upload = load(UnitsFileSchema(), "files")["file"]
        result = operations.import_units(upload.read(), user=current_user)
        db.session.commit()
    except InvalidInput as error:
        errors = refused(error)
        if "file" in errors:
            errors["_schema"] = [_("Choose a CSV file to import.")]
        return _render_unit(current_user.unit.code, errors=errors, status=422)
    flash(_("Units imported: %(created)d created, %(updated)d updated.", **result), "success")
    return redirect(url_for("geo.units"))

