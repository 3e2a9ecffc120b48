"""``/api/v1/events``: the event log, paged by id."""
from flask import request, url_for
from flask_login import current_user

from tracker.api.common import protect
from tracker.auth.access import requires
from tracker.core.args import Blueprint
from tracker.events.queries import page_events
from tracker.events.schemas import EventListArgsSchema, EventListSchema

bp = protect(Blueprint("api_events", __name__, url_prefix="/api/v1/events", description="Event log"))


@bp.get("")
@requires("events.read")
@bp.arguments(EventListArgsSchema, location="query")
@bp.response(200, EventListSchema)
def list_events(args):
    """Page through the events of your area after ``after``, oldest first."""
    items, last_id = page_events(current_user, after=args["after"], limit=args["limit"], types=args.get("type"))
    next_link = None
    if last_id is not None:
        next_link = url_for("api_events.list_events", **(request.args.to_dict(flat=False) | {"after": last_id}))
    return {"items": items, "next": next_link}
