"""HTML pages: search participants, register one, see one, import a sheet (coordinators and admins)."""
import secrets

from flask import Blueprint, Response, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from tracker.auth.access import ensure_can, requires
from tracker.campaigns.queries import current_campaign_for
from tracker.checkins.queries import attendance_of
from tracker.core.args import load
from tracker.core.errors import AppError
from tracker.core.exports import export_name, sheet_response
from tracker.core.time import DEFAULT_TIMEZONE, today
from tracker.core.views import refused
from tracker.extensions import db
from tracker.geo.models import UnitLevel
from tracker.geo.queries import list_units_under, list_villages
from tracker.outcomes.queries import outcomes_of
from tracker.participants import operations
from tracker.participants.ethnicities import ETHNIC_GROUPS
from tracker.participants.exports import participants_sheet
from tracker.participants.models import Gender
from tracker.participants.privacy import record_view
from tracker.participants.queries import (
    find_possible_duplicates,
    get_participant_for,
    likely_same_people,
    registrar_of,
    search_participants,
)
from tracker.participants.schemas import (
    MIN_AGE,
    ParticipantFilterSchema,
    ParticipantFormSchema,
    ParticipantsFileSchema,
    latest_birth_year,
)
from tracker.participants.sheets import MAX_ROWS, read_sheet, template_csv

bp = Blueprint("participants", __name__)


#: The searches of this browser's session, by token: names typed stay out of addresses.
SEARCHES = "participant_searches"
SEARCHES_KEPT = 10


@bp.get("/participants")
@requires("participants.read")
@login_required
def list_participants():
    """People of the user's area, searched by name or code and filtered by village."""
    ensure_can(current_user, "participants.read")
    args = _list_args()
    participants, cursor = search_participants(
        current_user, q=args.get("q"), village=args.get("village"), cursor=args.get("cursor"), limit=args["limit"],
    )
    return render_template("participants/list.html", participants=participants, cursor=cursor,
                           q=args.get("q", ""), search=args.get("search"), village=args.get("village"),
                           expired=args.get("expired", False), village_options=_village_options(args.get("village")))


@bp.post("/participants")
@requires("participants.read")
@login_required
def search():
    """Keep the search typed in the box in the session and show its results under a token."""
    ensure_can(current_user, "participants.read")
    args = load(ParticipantFilterSchema())
    query = {"village": args["village"].code} if args.get("village") else {}
    if args.get("q"):
        query["search"] = keep_search(args["q"])
    return redirect(url_for("participants.list_participants", **query))


def keep_search(text):
    """Keep ``text`` in the session; return the token naming it."""
    token = secrets.token_urlsafe(6)
    kept = dict(session.get(SEARCHES, {}))
    kept[token] = text
    session[SEARCHES] = dict(list(kept.items())[-SEARCHES_KEPT:])
    return token


def _list_args():
    """The list's filters, with a kept search read back (an unknown token: no search, and a note)."""
    args = load(ParticipantFilterSchema(), "query")
    if "search" in args:
        text = session.get(SEARCHES, {}).get(args["search"])
        if text is None:
            args = {key: value for key, value in args.items() if key != "search"} | {"expired": True}
        else:
            args["q"] = text
    elif args.get("q"):  # an old link with the text in it: its next pages and downloads get a token
        args["search"] = keep_search(args["q"])
    return args


@bp.get("/participants.<any(csv, xlsx):extension>")
@requires("participants.read")
@login_required
def export_participants(extension):
    """Download the people the list shows, with the same filters, as CSV or XLSX."""
    ensure_can(current_user, "participants.read")
    args = _list_args()
    campaign = current_campaign_for(current_user)
    zone = campaign.timezone if campaign else DEFAULT_TIMEZONE
    sheet = participants_sheet(current_user, q=args.get("q"), village=args.get("village"), tz_name=zone)
    name = export_name(_("Participants"), (args.get("village") or current_user.unit).name, today(zone))
    return sheet_response(sheet, extension, name)


def _village_options(selected):
    """Villages of a commune user; for wider scopes the communes, with the chosen commune's villages."""
    scope = current_user.unit
    if scope.level != UnitLevel.province:
        return [(village.code, village.name) for village in list_units_under(scope, level=UnitLevel.village,
                                                                             include_self=True)]
    commune = selected.parent if selected is not None and selected.level == UnitLevel.village else selected
    options = []
    for unit in list_units_under(scope, level=UnitLevel.commune):
        options.append((unit.code, unit.name))
        if commune is not None and unit.id == commune.id:
            options.extend((village.code, "\u2003" + village.name)
                           for village in list_units_under(unit, level=UnitLevel.village))
    return options


@bp.route("/participants/new", methods=["GET", "POST"])
@requires("participants.register")
@login_required
def new_participant():
    """Register a person in a village of the user's area."""
    ensure_can(current_user, "participants.register")
    form, errors = {"village": request.args.get("village", "")}, {}
    if request.method == "POST":
        form = request.form
        try:
            data = load(ParticipantFormSchema())
            if not form.get("confirm_duplicate") and (likely := likely_same_people(current_user, data)):
                return _new_participant_page(form, {}, likely), 409
            participant, duplicates = operations.register_participant(data, user=current_user)
            db.session.commit()
        except AppError as error:
            errors = refused(error)
        else:
            flash(_("%(name)s is registered with code %(code)s.", name=participant.full_name,
                    code=participant.code), "success")
            if duplicates:
                flash(_("Someone with the same name and birth year already lives in this village: check "
                        "below that this is not the same person."), "error")
            return redirect(url_for("participants.participant_page", participant_id=participant.id))
    return _new_participant_page(form, errors), 422 if errors else 200


def _new_participant_page(form, errors, likely=()):
    """The registration form; ``likely``: stored people who look like the one typed (asked to confirm)."""
    return render_template(
        "participants/form.html", form=form, errors=errors, villages=list_villages(current_user.unit),
        genders=list(Gender), ethnic_groups=ETHNIC_GROUPS, latest_year=latest_birth_year(), min_age=MIN_AGE,
        likely=likely)


@bp.get("/participants/<int:participant_id>")
@requires("participants.read")
@login_required
def participant_page(participant_id):
    """Everything about a participant, with anyone who may be the same person."""
    participant = get_participant_for(current_user, participant_id)
    duplicates = [] if participant.is_anonymised else find_possible_duplicates(
        participant.search_name, participant.birth_year, participant.village, exclude_id=participant.id)
    page = render_template("participants/participant.html", participant=participant, duplicates=duplicates,
                           registrar=registrar_of(participant), attendance=attendance_of(participant),
                           outcomes=outcomes_of(participant))
    record_view(participant, user=current_user)  # who read whose data is logged
    db.session.commit()
    return page


@bp.route("/participants/import", methods=["GET", "POST"])
@requires("participants.register")
@login_required
def import_participants():
    """Register the people of an uploaded CSV or XLSX sheet; all rows or none."""
    ensure_can(current_user, "participants.register")
    result, errors, status = None, {}, 200
    if request.method == "POST":
        try:
            upload = load(ParticipantsFileSchema(), "files")["file"]
            result = operations.import_participants(read_sheet(upload.read()), user=current_user)
            db.session.commit()
        except AppError as error:
            errors, status = refused(error), error.status
            if "file" in errors:
                errors["_schema"] = [_("Choose a CSV or XLSX file to import.")]
    return render_template("participants/import.html", result=result, errors=errors, max_rows=MAX_ROWS), status


@bp.get("/participants/import/template.csv")
@requires("participants.register")
@login_required
def import_template():
    """Download the blank import sheet with the Vietnamese headers."""
    ensure_can(current_user, "participants.register")
    return Response(template_csv(), mimetype="text/csv", headers={
        "Content-Disposition": 'attachment; filename="mau-danh-sach-nguoi-tham-gia.csv"'})
