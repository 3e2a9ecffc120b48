"""HTML pages: the audit trail."""
from flask import Blueprint, current_app, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from tracker.auth.access import can_see, ensure_can, overlaps, requires
from tracker.auth.queries import user_by_username
from tracker.campaigns.queries import current_campaign_for
from tracker.core.args import load
from tracker.core.errors import InvalidInput, NotFound
from tracker.core.templating import EVENT_LABELS
from tracker.core.time import day_bounds
from tracker.events.queries import latest_events_for
from tracker.events.schemas import AuditArgsSchema
from tracker.events.wording import describe_events
from tracker.geo.queries import get_unit

bp = Blueprint("events", __name__)

#: Events per page of the audit trail.
PAGE_SIZE = 50
#: The filters the "older" and "newest" links carry along.
FILTERS = ("type", "unit", "actor", "since", "until")


@bp.app_template_global()
def audit_entries(events, tz=None):
    """Describe ``events`` for the reader of this page (templates: ``events/_history.html``)."""
    return describe_events(events, current_user, tz)


@bp.get("/events")
@requires("events.read")
@login_required
def audit():
    """Every change in the reader's area, newest first, filtered; "older" pages back.

    Admins also see the events of no unit (campaign-wide); others their unit and below.
    A unit or actor the reader cannot see answers 404 with the form, bad values 422.
    """
    ensure_can(current_user, "events.read")
    campaign = current_campaign_for(current_user)
    tz = campaign.timezone if campaign is not None else current_app.config["BABEL_DEFAULT_TIMEZONE"]
    given = {key: request.args.get(key, "") for key in FILTERS}
    try:
        args = load(AuditArgsSchema(), "query")
        filters = _filters(current_user, args, tz)
    except (InvalidInput, NotFound) as error:
        return _page(tz, given, errors=error.fields or {}, events=[], older=None, first=True), error.status
    events = latest_events_for(current_user, limit=PAGE_SIZE + 1, before=args.get("before"), **filters)
    older = events[PAGE_SIZE - 1].id if len(events) > PAGE_SIZE else None
    kept = {key: value for key, value in given.items() if key in args}
    return _page(tz, kept, errors={}, events=events[:PAGE_SIZE], older=older, first=not args.get("before"))


def _filters(user, args, tz):
    """Turn the loaded arguments into :func:`latest_events_for`'s filters; 404 for what is out of sight."""
    filters = {"types": [args["type"]] if "type" in args else None}
    if "unit" in args:
        unit = get_unit(args["unit"])
        if unit is None or not can_see(user, unit):
            raise NotFound(_("Not found."), fields={"unit": [_("No unit with this code in your area.")]})
        filters["unit"] = unit
    if "actor" in args:
        actor = user_by_username(args["actor"])
        if actor is None or not overlaps(user, actor.unit):
            raise NotFound(_("Not found."), fields={"actor": [_("No user with this username in your area.")]})
        filters["actor"] = actor
    if "since" in args:
        filters["since"] = day_bounds(args["since"], tz)[0]
    if "until" in args:
        filters["until"] = day_bounds(args["until"], tz)[1]
    return filters


def _page(tz, given, *, errors, **values):
    types = sorted(EVENT_LABELS, key=lambda key: str(EVENT_LABELS[key]))
    return render_template("events/audit.html", tz=tz, given=given, errors=errors, types=types, **values)
