"""``/api/v1`` spreadsheet twins of the lists: participants, trainings, check-ins and progress as CSV / XLSX.

The same sheets as the pages' download buttons (one query per list, streamed), for scripts: each
path answers ``.csv`` (UTF-8 with a BOM, formulas neutralised) and ``.xlsx`` (typed cells), with
the query string of the JSON list beside it.
"""
from flask_babel import gettext as _
from flask_login import current_user

from tracker.api.common import protect
from tracker.auth.access import ensure_can, ensure_visible, requires
from tracker.campaigns.queries import campaign_today, current_campaign_for, get_campaign_for
from tracker.checkins.exports import roster_sheet, unit_checkins_sheet
from tracker.checkins.queries import get_training_for_scan
from tracker.checkins.schemas import UnitCheckinsArgsSchema
from tracker.core.args import Blueprint
from tracker.core.errors import NotFound
from tracker.core.exports import CSV_TYPE, XLSX_TYPE, export_name, sheet_response
from tracker.core.time import DEFAULT_TIMEZONE, local_date, today
from tracker.digests.progress_exports import progress_frame, progress_sheet
from tracker.digests.schemas import ProgressArgsSchema
from tracker.geo.queries import get_unit
from tracker.participants.exports import participants_sheet
from tracker.participants.schemas import ParticipantListArgsSchema
from tracker.trainings.exports import trainings_sheet
from tracker.trainings.schemas import TrainingListArgsSchema

bp = protect(Blueprint("api_exports", __name__, url_prefix="/api/v1", description="Spreadsheet exports"))

_BODIES = (("csv", CSV_TYPE, {"type": "string"}, "UTF-8 with a BOM; text that could start a formula is quoted."),
           ("xlsx", XLSX_TYPE, {"type": "string", "format": "binary"}, "One sheet; numbers and dates as such."))


def exported(path, query_schema=None):
    """Register ``path.csv`` and ``path.xlsx``, answered by the decorated ``(sheet, file name)`` function
    (which declares its capabilities with ``@requires`` under this decorator)."""
    def register(make):
        for extension, content_type, body, description in _BODIES:
            def view(*args, _extension=extension, **kwargs):
                sheet, name = make(*args, **kwargs)
                return sheet_response(sheet, _extension, name)
            view.__name__, view.__doc__ = f"{make.__name__}_{extension}", make.__doc__
            view.required_capabilities = make.required_capabilities
            view = bp.response(200, body, content_type=content_type, description=description)(view)
            view = bp.alt_response(403, description="Your role may not read this list.")(view)
            view = bp.alt_response(404, description="Not in your area.")(view)
            if query_schema is not None:
                view = bp.arguments(query_schema, location="query")(view)
            bp.get(f"{path}.{extension}")(view)
        return make
    return register


@exported("/participants", ParticipantListArgsSchema)
@requires("participants.read")
def export_participants(args):
    """The people ``GET /api/v1/participants`` finds for the same ``q`` and ``village``, every page at once."""
    campaign = current_campaign_for(current_user)
    zone = campaign.timezone if campaign else DEFAULT_TIMEZONE
    sheet = participants_sheet(current_user, q=args.get("q"), village=args.get("village"), tz_name=zone)
    return sheet, export_name(_("Participants"), (args.get("village") or current_user.unit).name, today(zone))


@exported("/trainings", TrainingListArgsSchema)
@requires("trainings.read")
def export_trainings(args):
    """The trainings ``GET /api/v1/trainings`` lists for the same filters, with their check-ins counted."""
    ensure_can(current_user, "trainings.read")
    campaign = get_campaign_for(current_user, args["campaign_id"]) if "campaign_id" in args else None
    if args.get("unit"):
        ensure_visible(current_user, args["unit"])
    sheet = trainings_sheet(current_user, campaign=campaign, unit=args.get("unit"), day=args.get("date"),
                            status=args.get("status"))
    return sheet, export_name(_("Trainings"), (args.get("unit") or current_user.unit).name, args.get("date"))


@exported("/trainings/<int:training_id>/checkins")
@requires("checkins.read")
def export_roster(training_id):
    """A training's check-ins in scan order, voided ones marked, as its page's roster shows them."""
    training = get_training_for_scan(current_user, training_id, capability="checkins.read")
    day = local_date(training.starts_at, training.campaign.timezone)
    return roster_sheet(training), export_name(_("Check-ins"), training.title, day)


@exported("/units/<code>/checkins", UnitCheckinsArgsSchema)
@requires("progress.read", "checkins.read")
def export_unit_checkins(args, code):
    """Every check-in at the campaign's trainings held in the unit (default: your current campaign)."""
    ensure_can(current_user, "progress.read")
    ensure_can(current_user, "checkins.read")
    unit, campaign = _unit(code), _campaign(args.get("campaign_id"))
    return unit_checkins_sheet(current_user, campaign, unit), export_name(_("Check-ins"), unit.name,
                                                                          campaign_today(campaign))


@exported("/units/<code>/progress", ProgressArgsSchema)
@requires("progress.read")
def export_progress(args, code):
    """The units under the unit: target, reached, percent, rank — the digest dated ``date`` + 1 (default today so far)."""
    ensure_can(current_user, "progress.read")
    unit, campaign = _unit(code), _campaign(args.get("campaign_id"))
    sheet = progress_sheet(progress_frame(campaign, unit, args.get("date")))
    return sheet, export_name(_("Progress"), unit.name, args.get("date") or campaign_today(campaign))


def _unit(code):
    unit = get_unit(code)
    if unit is None:
        raise NotFound(_("Unit not found."))
    ensure_visible(current_user, unit)
    return unit


def _campaign(campaign_id):
    campaign = get_campaign_for(current_user, campaign_id) if campaign_id else current_campaign_for(current_user)
    if campaign is None:
        raise NotFound(_("There is no campaign for your area yet."))
    return campaign
