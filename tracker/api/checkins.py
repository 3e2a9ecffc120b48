"""``/api/v1`` check-ins: scan at the door, offline sync, walk-ins, the roster and voids."""
from flask_login import current_user

from tracker.api.common import protect
from tracker.auth.access import requires
from tracker.checkins import operations
from tracker.checkins.queries import get_checkin_for, get_scan_targets, get_training_for_scan, page_checkins
from tracker.checkins.schemas import (
    CheckInCreateSchema,
    CheckInListArgsSchema,
    CheckInListSchema,
    CheckInSchema,
    ScanAnswerSchema,
    SyncAnswerSchema,
    SyncSchema,
    VoidSchema,
    WalkInCreateSchema,
    WalkInSchema,
)
from tracker.checkins.sync import sync_scans
from tracker.core.args import Blueprint
from tracker.core.pagination import next_url
from tracker.extensions import db

bp = protect(Blueprint("api_checkins", __name__, url_prefix="/api/v1", description="Check-ins"))


@bp.post("/trainings/<int:training_id>/checkins")
@requires("checkins.record")
@bp.arguments(CheckInCreateSchema)
@bp.response(201, ScanAnswerSchema, description="Checked in (also when the same scan_id is sent again)")
@bp.alt_response(200, schema=ScanAnswerSchema, description="Already checked in: nothing new is stored")
@bp.alt_response(409, description="The scan_id was used for another check-in")
def create_checkin(data, training_id):
    """Check in the person on a scanned card (``qr``) or a typed code (``code``)."""
    [code] = operations.card_codes([data]) or [None]
    training, people = get_scan_targets(current_user, training_id, code)  # one statement for both
    answer = operations.check_in(training, data, user=current_user, source=data.get("source"), people=people)
    db.session.commit()
    return answer, answer.status


@bp.get("/trainings/<int:training_id>/checkins")
@requires("checkins.read")
@bp.arguments(CheckInListArgsSchema, location="query")
@bp.response(200, CheckInListSchema)
def list_checkins(args, training_id):
    """List a training's check-ins (voided ones included and marked); ``next`` links the following page."""
    training = get_training_for_scan(current_user, training_id, capability="checkins.read")
    items, cursor = page_checkins(training, cursor=args.get("cursor"), limit=args["limit"])
    return {"items": items, "next": next_url(cursor)}


@bp.post("/trainings/<int:training_id>/walk-ins")
@requires("checkins.record")
@bp.arguments(WalkInCreateSchema)
@bp.response(201, WalkInSchema)
def create_walk_in(data, training_id):
    """Register a new participant at the training and check them in, in one step."""
    training = get_training_for_scan(current_user, training_id)
    walk_in = operations.register_walk_in(training, data, user=current_user)
    db.session.commit()
    return walk_in


@bp.post("/checkins/<bigint:checkin_id>/void")
@requires("checkins.undo_own")
@bp.arguments(VoidSchema)
@bp.response(200, CheckInSchema)
def void_checkin(data, checkin_id):
    """Void a check-in: it stops counting, its record stays, and the person may be checked in again."""
    checkin = get_checkin_for(current_user, checkin_id)
    operations.void_checkin(checkin, reason=data["reason"], user=current_user)
    db.session.commit()
    return checkin


@bp.post("/checkins/sync")
@requires("checkins.record")
@bp.arguments(SyncSchema)
@bp.response(200, SyncAnswerSchema)
def sync_checkins(data):
    """Send the scans kept while offline; each is settled on its own and answered in order."""
    results = sync_scans(data["scans"], user=current_user)
    db.session.commit()
    return {"results": results}
