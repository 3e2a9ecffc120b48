"""HTML pages: trainings by day and by month, the training page, and the plan/edit/cancel forms."""
import calendar as cal
from datetime import timedelta

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from tracker.auth.access import can, ensure_can, ensure_visible, requires
from tracker.campaigns.queries import (
    campaign_today,
    current_campaign_for,
    get_campaign_for,
)
from tracker.checkins.live import (
    changed_checkins,
    is_unchanged,
    live_etag,
    live_response,
    not_modified,
    visible_etag,
)
from tracker.checkins.queries import checkin_counts, count_checkins, count_without_card, roster, roster_outcomes
from tracker.checkins.views import checkin_box
from tracker.core.args import load
from tracker.core.errors import AppError, NotFound
from tracker.core.exports import export_name, sheet_response
from tracker.core.templating import label, number
from tracker.core.time import local
from tracker.core.views import refused
from tracker.events.queries import events_about
from tracker.extensions import db
from tracker.geo.models import UnitLevel
from tracker.geo.queries import list_units_under, list_villages
from tracker.trainings import operations
from tracker.trainings.exports import trainings_sheet
from tracker.trainings.models import TrainingStatus
from tracker.trainings.queries import (
    count_by_day,
    creator_of,
    get_training_for,
    page_trainings,
)
from tracker.trainings.schemas import (
    CalendarArgsSchema,
    NewTrainingArgsSchema,
    TrainingCancelSchema,
    TrainingExportArgsSchema,
    TrainingFilterSchema,
    TrainingFormSchema,
)

bp = Blueprint("trainings", __name__)


def _campaign(campaign_id=None):
    """The campaign asked for, else the user's current one; 404 when there is none."""
    campaign = get_campaign_for(current_user, campaign_id) if campaign_id else current_campaign_for(current_user)
    if campaign is None:
        raise NotFound(_("There is no campaign for your area yet."))
    return campaign


@bp.get("/trainings")
@requires("trainings.read")
@login_required
def list_trainings():
    """The trainings of one local day (default today), filtered by unit and status."""
    args, filters = _list_filters(TrainingFilterSchema())
    campaign, day = filters["campaign"], filters["day"]
    trainings, cursor = page_trainings(current_user, **filters, cursor=args.get("cursor"), limit=args["limit"])
    return render_template(
        "trainings/list.html", campaign=campaign, day=day, trainings=trainings, cursor=cursor,
        unit=args.get("unit"), status=args.get("status"), unit_options=_unit_options(args.get("unit")),
        today=campaign_today(campaign), one_day=timedelta(days=1),
    )


@bp.get("/trainings/held")
@requires("trainings.read")
@login_required
def held_trainings():
    """The held trainings of the area (``?unit=``), all days, oldest first, each with its attendance."""
    ensure_can(current_user, "trainings.read")
    args = load(TrainingFilterSchema(), "query")
    campaign = _campaign(args.get("campaign_id"))
    if args.get("unit"):
        ensure_visible(current_user, args["unit"])
    trainings, cursor = page_trainings(current_user, campaign=campaign, unit=args.get("unit"),
                                       status=TrainingStatus.held, cursor=args.get("cursor"), limit=args["limit"])
    return render_template(
        "trainings/held.html", campaign=campaign, trainings=trainings, cursor=cursor, unit=args.get("unit"),
        unit_options=_unit_options(args.get("unit")), today=campaign_today(campaign),
        attendance=checkin_counts([training.id for training in trainings]))


def _list_filters(schema):
    """The day list's query string as ``(args, filters of trainings_for)``: one reading for the list and its export."""
    ensure_can(current_user, "trainings.read")
    args = load(schema, "query")
    campaign = _campaign(args.get("campaign_id"))
    if args.get("unit"):
        ensure_visible(current_user, args["unit"])
    day = None if args.get("all_days") else args.get("date") or campaign_today(campaign)
    return args, {"campaign": campaign, "unit": args.get("unit"), "day": day, "status": args.get("status")}


@bp.get("/trainings.<any(csv, xlsx):extension>")
@requires("trainings.read")
@login_required
def export_trainings(extension):
    """Download the trainings the day list shows, with the same filters (``all_days=1``: the whole campaign)."""
    _args, filters = _list_filters(TrainingExportArgsSchema())
    campaign, day = filters["campaign"], filters["day"]
    name = export_name(_("Trainings"), (filters["unit"] or current_user.unit).name,
                       day or f"{campaign.start_date.isoformat()}_{campaign.deadline.isoformat()}")
    return sheet_response(trainings_sheet(current_user, **filters), extension, name)


@bp.get("/trainings/calendar")
@requires("trainings.read")
@login_required
def calendar():
    """A month of trainings with the number on each day."""
    ensure_can(current_user, "trainings.read")
    args = load(CalendarArgsSchema(), "query")
    campaign = _campaign(args.get("campaign_id"))
    today = campaign_today(campaign)
    month = args.get("month") or today.replace(day=1)
    if args.get("unit"):
        ensure_visible(current_user, args["unit"])
    weeks = cal.Calendar(firstweekday=0).monthdatescalendar(month.year, month.month)
    counts = count_by_day(current_user, campaign, weeks[0][0], weeks[-1][-1], unit=args.get("unit"))
    return render_template(
        "trainings/calendar.html", campaign=campaign, month=month, weeks=weeks, counts=counts, today=today,
        focus=today if today.replace(day=1) == month else month,
        unit=args.get("unit"), unit_options=_unit_options(args.get("unit")),
        previous=(month - timedelta(days=1)).replace(day=1), next=(month + timedelta(days=32)).replace(day=1),
    )


def _unit_options(selected):
    """Communes of the user's area, and the villages of the chosen (or the user's) commune."""
    scope = current_user.unit
    commune = selected.parent if selected is not None and selected.level == UnitLevel.village else selected
    if scope.level == UnitLevel.commune:
        commune = scope
    villages = list_units_under(commune, level=UnitLevel.village) if commune else []
    if scope.level != UnitLevel.province:
        return [(village.code, village.name) for village in villages]
    options = []
    for unit in list_units_under(scope, level=UnitLevel.commune):
        options.append((unit.code, unit.name))
        if commune is not None and unit.id == commune.id:
            options.extend((village.code, "\u2003" + village.name) for village in villages)
    return options


@bp.route("/trainings/new", methods=["GET", "POST"])
@requires("trainings.manage")
@login_required
def new_training():
    """Plan a training in a village (coordinators and admins)."""
    ensure_can(current_user, "trainings.manage")
    args = load(NewTrainingArgsSchema(), "query")
    campaign = _campaign(args.get("campaign_id"))
    day = args.get("date") or campaign_today(campaign)
    form, errors = {"date": day.isoformat(), "start_time": "08:00", "end_time": "10:00"}, {}
    if request.method == "POST":
        form = request.form
        try:
            training = operations.schedule_training(load(TrainingFormSchema(campaign)), user=current_user)
            db.session.commit()
        except AppError as error:
            errors = refused(error)
        else:
            flash(_("The training was planned."), "success")
            return redirect(url_for("trainings.training_page", training_id=training.id))
    return _render_form(campaign, None, form, errors)


@bp.route("/trainings/<int:training_id>/edit", methods=["GET", "POST"])
@requires("trainings.manage")
@login_required
def edit_training(training_id):
    """Change a training's details; a held training keeps its check-ins."""
    training = get_training_for(current_user, training_id)
    ensure_can(current_user, "trainings.manage", training.village)
    form, errors = _form_values(training), {}
    if request.method == "POST":
        form = request.form
        try:
            data = load(TrainingFormSchema(training.campaign))
            operations.update_training(training, data, user=current_user)
            db.session.commit()
        except AppError as error:
            errors = refused(error)
        else:
            flash(_("The training was saved."), "success")
            return redirect(url_for("trainings.training_page", training_id=training.id))
    return _render_form(training.campaign, training, form, errors)


def _render_form(campaign, training, form, errors):
    villages = list_villages(current_user.unit, within=campaign.unit)
    return render_template(
        "trainings/form.html", campaign=campaign, training=training, form=form, errors=errors, villages=villages,
    ), 422 if errors else 200


def _form_values(training):
    """The training as the form shows it: local day and times in the campaign's time zone."""
    starts, ends = (local(at, training.campaign.timezone) for at in (training.starts_at, training.ends_at))
    return {
        "village": training.village.code, "title": training.title, "topic": training.topic,
        "date": starts.date().isoformat(), "start_time": starts.strftime("%H:%M"), "end_time": ends.strftime("%H:%M"),
        "place": training.place or "", "trainer": training.trainer or "", "capacity": training.capacity or "",
    }


@bp.get("/trainings/<int:training_id>")
@requires("trainings.read")
@login_required
def training_page(training_id):
    """Everything about a training, with its history."""
    training = get_training_for(current_user, training_id)
    # The live script's first ETag, worked out before anything the page shows is read.
    etag = live_etag(training, current_user, "page")
    history = events_about(current_user, training, unit=training.village) if can(current_user, "events.read") else None
    return render_template("trainings/training.html", training=training, history=history,
                           creator=creator_of(training), tz=training.campaign.timezone,
                           attendance=_attendance(training), live_etag=f'W/"{etag}"')


def _attendance(training):
    """What the attendance section shows: the check-in box, and the parts that follow new check-ins live."""
    box = checkin_box(training, current_user)
    return _live_attendance(training) | {"box": box, "is_open": box["state"] == "open"}


def _live_attendance(training, *, whole_roster=True):
    """The count to all, the roster (unless not ``whole_roster``) to those who read check-ins, cards to print."""
    attendance = {"count": count_checkins(training), "roster": None, "without_card": None, "outcomes": {}}
    if can(current_user, "checkins.read"):
        attendance["outcomes"] = roster_outcomes(training)
        if whole_roster:
            attendance["roster"] = roster(training, include_voided=True)
    if can(current_user, "participants.read"):
        attendance["without_card"] = count_without_card(training, current_user)
    return attendance


@bp.get("/trainings/<int:training_id>/live")
@requires("trainings.read")
@login_required
def training_live(training_id):
    """The training page's live parts as JSON, polled by static/js/live.js; 304 when nothing changed.

    The ETag comes before any counting (tracker/checkins/live.py). The parts come rendered, so the
    page's script only puts them in place; the roster comes whole, or only its rows that changed
    since the caller's ETag.
    """
    etag = visible_etag(current_user, training_id, "page")
    if etag is not None and is_unchanged(etag):
        return not_modified(etag)
    training = get_training_for(current_user, training_id)  # 404 / 403 as the page
    etag = etag or live_etag(training, current_user, "page")
    changed = changed_checkins(training, current_user, "page", etag) if can(current_user, "checkins.read") else None
    attendance = _live_attendance(training, whole_roster=changed is None)
    values = {"training": training, "attendance": attendance, "tz": training.campaign.timezone}
    html = {"count": render_template("trainings/_count.html", **values),
            "print": render_template("trainings/_print_missing.html", **values)}
    if changed is not None:
        html["rows"] = _roster_rows(changed, values)
    elif attendance["roster"] is not None:
        html["roster"] = render_template("trainings/_roster.html", **values)
    body = {"count": attendance["count"], "count_text": number(attendance["count"]), "status": training.status.value,
            "status_label": str(label(training.status, "status")), "status_class": f"badge {training.status.value}",
            "html": html}
    return live_response(body, etag)


def _roster_rows(checkins, values):
    """The roster rows of ``checkins`` alone, for a live answer that carries only what changed."""
    may = {"may_open": can(current_user, "participants.read"), "may_void": can(current_user, "checkins.void")}
    return [{"id": f"checkin-{checkin.id}",
             "html": render_template("trainings/_roster_row.html", checkin=checkin, **values, **may)}
            for checkin in checkins]


@bp.route("/trainings/<int:training_id>/cancel", methods=["GET", "POST"])
@requires("trainings.manage")
@login_required
def cancel_training(training_id):
    """Ask for a reason and confirmation, then cancel; check-ins already recorded are kept."""
    training = get_training_for(current_user, training_id)
    ensure_can(current_user, "trainings.manage", training.village)
    form, errors = {}, {}
    if request.method == "POST":
        form = request.form
        try:
            data = load(TrainingCancelSchema())
            operations.cancel_training(training, reason=data["reason"], user=current_user)
            db.session.commit()
        except AppError as error:
            errors = refused(error)
        else:
            flash(_("The training was cancelled."), "success")
            return redirect(url_for("trainings.training_page", training_id=training.id))
    return render_template("trainings/cancel.html", training=training, form=form, errors=errors,
                           tz=training.campaign.timezone), 422 if errors else 200
