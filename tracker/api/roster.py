"""``/api/v1/trainings/{id}/roster``: who the scanner can greet by name without the network.

The roster holds the participant code and display name of everyone living in the training's
commune — nothing else personal — and who is already checked in (code, time and the check-in's id, for an undo), so a phone can
answer a scan at once. An ``ETag`` makes a refresh that finds nothing new a bodiless 304.
"""
import hashlib
import json

import marshmallow as ma
import sqlalchemy as sa
from flask import current_app, request
from flask_login import current_user

from tracker.api.common import protect
from tracker.checkins.models import CheckIn
from tracker.checkins.queries import get_training_for_scan
from tracker.core.args import Blueprint
from tracker.core.time import UTC
from tracker.extensions import db
from tracker.geo.models import Unit
from tracker.participants.models import Participant

bp = protect(Blueprint("api_roster", __name__, url_prefix="/api/v1", description="Check-ins"))


class RosterSchema(ma.Schema):
    training_id = ma.fields.Integer()
    commune = ma.fields.String(metadata={"description": "The code of the training's commune"})
    people = ma.fields.List(ma.fields.List(ma.fields.String()), metadata={
        "description": "[code, display name] of each participant living in the commune, by code"})
    checked_in = ma.fields.List(ma.fields.List(ma.fields.Raw()), metadata={
        "description": "[code, checked in at (ISO 8601), check-in id] of each counting check-in at the training"})


@bp.get("/trainings/<int:training_id>/roster")
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


def commune_people(commune):
    """Return ``[code, full name]`` of everyone living in ``commune``'s villages, by code."""
    villages = sa.select(Unit.id).where(sa.or_(Unit.parent_id == commune.id, Unit.id == commune.id))
    stmt = (sa.select(Participant.code, Participant.full_name)
            .where(Participant.village_id.in_(villages)).order_by(Participant.code))
    return [[code, name] for code, name in db.session.execute(stmt)]


def checked_in_codes(training):
    """Return ``[code, scanned at, check-in id]`` of the training's counting check-ins, in scan order."""
    stmt = (sa.select(Participant.code, CheckIn.scanned_at, CheckIn.id).join(CheckIn.participant)
            .where(CheckIn.training_id == training.id, CheckIn.voided_at.is_(None))
            .order_by(CheckIn.scanned_at, CheckIn.id))
    return [[code, at.astimezone(UTC).isoformat(), checkin_id] for code, at, checkin_id in db.session.execute(stmt)]
