"""``/api/v1/participants``: register, search, show and import participants."""
from flask import request
from flask_babel import gettext as _
from flask_login import current_user

from tracker.api.common import protect
from tracker.auth.access import ensure_can, requires
from tracker.cards.tokens import make_token
from tracker.core.args import Blueprint
from tracker.core.errors import AppError
from tracker.core.pagination import next_url
from tracker.extensions import db
from tracker.participants import operations
from tracker.participants.queries import get_participant_for, search_participants
from tracker.participants.schemas import (
    ParticipantCreateSchema,
    ParticipantImportSchema,
    ParticipantListArgsSchema,
    ParticipantListSchema,
    ParticipantRegistrationSchema,
    ParticipantSchema,
)
from tracker.participants.sheets import CSV_TYPES, XLSX_TYPE, read_csv, read_xlsx

bp = protect(Blueprint("api_participants", __name__, url_prefix="/api/v1/participants",
                       description="Participants"))

_SHEET_BODY = {"required": True, "content": {
    "text/csv": {"schema": {"type": "string"}},
    XLSX_TYPE: {"schema": {"type": "string", "format": "binary"}},
}}


@bp.post("")
@requires("participants.register")
@bp.arguments(ParticipantCreateSchema)
@bp.response(201, ParticipantRegistrationSchema)
def register_participant(data):
    """Register a person; people who may be the same are listed in ``possible_duplicates``, never merged."""
    participant, duplicates = operations.register_participant(data, user=current_user)
    db.session.commit()
    return {"id": participant.id, "code": participant.code, "qr": make_token(participant.code),
            "possible_duplicates": duplicates, "participant": participant}


@bp.get("")
@requires("participants.read")
@bp.arguments(ParticipantListArgsSchema, location="query")
@bp.response(200, ParticipantListSchema)
def list_participants(args):
    """Search the people of your area by name (diacritics ignored) or code; ``next`` links the following page."""
    items, cursor = search_participants(current_user, q=args.get("q"), village=args.get("village"),
                                        cursor=args.get("cursor"), limit=args["limit"])
    return {"items": items, "next": next_url(cursor)}


@bp.get("/<int:participant_id>")
@requires("participants.read")
@bp.response(200, ParticipantSchema)
def get_participant(participant_id):
    """Show a participant."""
    return get_participant_for(current_user, participant_id)


@bp.post("/import")
@requires("participants.register")
@bp.doc(requestBody=_SHEET_BODY)
@bp.response(200, ParticipantImportSchema)
def import_participants():
    """Register the people of a CSV or XLSX sheet; all rows or none, likely duplicates skipped."""
    ensure_can(current_user, "participants.register")
    if request.mimetype == XLSX_TYPE:
        rows = read_xlsx(request.get_data())
    elif request.mimetype in CSV_TYPES:
        rows = read_csv(request.get_data())
    else:
        raise AppError(_("Send the file as text/csv or as an XLSX workbook."), code="unsupported_media_type",
                       status=415)
    result = operations.import_participants(rows, user=current_user)
    db.session.commit()
    return result
