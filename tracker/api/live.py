"""``/api/v1/trainings/{id}/count``: the live count for the scanner and scripts, polled with an ETag.

The page's twin is ``/trainings/{id}/live`` (session cookie); both are described in
``tracker/checkins/live.py``.
"""
import marshmallow as ma
from flask_login import current_user

from tracker.api.common import protect
from tracker.auth.access import requires
from tracker.checkins.live import is_unchanged, live_count, live_etag, live_response, not_modified, visible_etag
from tracker.core.args import Blueprint
from tracker.trainings.queries import get_training_for

bp = protect(Blueprint("api_live", __name__, url_prefix="/api/v1", description="Live counts"))


class LiveCountSchema(ma.Schema):
    training_id = ma.fields.Integer()
    status = ma.fields.String(metadata={"description": "planned, held or cancelled"})
    count = ma.fields.Integer(metadata={"description": "People who count as checked in (voided check-ins do not)"})
    checked_in = ma.fields.List(ma.fields.List(ma.fields.Raw()), metadata={
        "description": "[code, scanned at (ISO 8601), check-in id] of each counting check-in, in scan order; "
                       "only to roles that read check-ins"})


@bp.get("/trainings/<int:training_id>/count")
@requires("trainings.read")
@bp.response(200, LiveCountSchema)
@bp.alt_response(304, description="Nothing changed since the ETag sent in If-None-Match (no body)")
def get_count(training_id):
    """Return the training's live count; poll it with ``If-None-Match`` every few seconds."""
    etag = visible_etag(current_user, training_id, "count")
    if etag is not None and is_unchanged(etag):
        return not_modified(etag)
    training = get_training_for(current_user, training_id)  # 404 / 403 as for the training
    etag = etag or live_etag(training, current_user, "count")
    return live_response(live_count(training, current_user), etag)
