"""``/api/v1/trainings/{id}/roster``: who the scanner can greet by name without the network.

The roster holds the participant code and display name of everyone living in the training's
commune — nothing else personal — and who is already checked in (code, time, and the check-in's
id for an undo), so a phone can answer a scan at once. An ``ETag`` makes a refresh that finds
nothing new a bodiless 304.
"""
import hashlib
import json

import marshmallow as ma
from flask import current_app, request
from flask_login import current_user

from tracker.api.common import protect
from tracker.auth.access import requires
from tracker.checkins.queries import get_training_for_scan
from tracker.checkins.scan_queries import checked_in_codes, commune_people
from tracker.core.args import Blueprint

bp = protect(Blueprint("api_roster", __name__, url_prefix="/api/v1", description="Check-ins"))


class RosterSchema(ma.Schema):
    training_id = ma.fields.Integer()
    commune = ma.fields.String(metadata={"description": "The code of the training's commune"})
    people = ma.fields.List(ma.fields.List(ma.fields.String()), metadata={
        "description": "[code, display name] of each participant living in the commune, by code"})
    checked_in = ma.fields.List(ma.fields.List(ma.fields.Raw()), metadata={
        "description": "[code, checked in at (ISO 8601), check-in id] of each counting check-in at the training"})


@bp.get("/trainings/<int:training_id>/roster")
@requires("checkins.record")
@bp.response(200, RosterSchema)
@bp.alt_response(304, description="Nothing changed since the ETag sent in If-None-Match")
def get_roster(training_id):
    """Return the roster of the training's commune for the scanner (codes and names only)."""
    training = get_training_for_scan(current_user, training_id)
    commune = training.village.parent or training.village
    body = {"training_id": training.id, "commune": commune.code, "people": commune_people(commune),
            "checked_in": checked_in_codes(training)}
    response = current_app.response_class(json.dumps(body, ensure_ascii=False, separators=(",", ":")),
                                          mimetype="application/json")
    response.set_etag(hashlib.sha256(response.get_data()).hexdigest()[:32])
    response.headers["Cache-Control"] = "private, no-cache"
    return response.make_conditional(request)

