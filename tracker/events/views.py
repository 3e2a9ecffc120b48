"""HTML pages: the audit trail."""
from flask import Blueprint, render_template
from flask_login import current_user, login_required

from tracker.auth.access import ensure_can
from tracker.core.args import load
from tracker.events.queries import event_types, latest_events_for
from tracker.events.schemas import AuditArgsSchema

bp = Blueprint("events", __name__)

#: Events per page of the audit trail.
PAGE_SIZE = 50


@bp.get("/events")
@login_required
def audit():
    """Every change in the user's area, newest first, by type; "older" pages back."""
    ensure_can(current_user, "audit.read")
    args = load(AuditArgsSchema(), "query")
    types = [args["type"]] if "type" in args else None
    events = latest_events_for(current_user, limit=PAGE_SIZE + 1, before=args.get("before"), types=types)
    older = events[PAGE_SIZE - 1].id if len(events) > PAGE_SIZE else None
    return render_template("events/audit.html", events=events[:PAGE_SIZE], older=older,
                           type=args.get("type"), types=event_types(), first=not args.get("before"))
