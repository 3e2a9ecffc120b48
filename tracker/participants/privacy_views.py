"""A person's rights, from their page: a copy of their data (JSON or PDF), and withdrawing consent."""
import json

from flask import Blueprint, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from tracker.auth.access import ensure_can, requires
from tracker.core.errors import AppError
from tracker.core.exports import download_response
from tracker.core.views import flash_refusal
from tracker.extensions import db
from tracker.participants.privacy import personal_data, withdraw_consent
from tracker.participants.privacy_pdf import personal_data_pdf
from tracker.participants.queries import get_participant_for

bp = Blueprint("privacy", __name__)


@bp.get("/participants/<int:participant_id>/data.<any(json, pdf):extension>")
@requires("participants.read")
@login_required
def export_person(participant_id, extension):
    """Everything stored about one person, for them (the export is logged)."""
    participant = get_participant_for(current_user, participant_id)
    data = personal_data(participant, user=current_user)
    db.session.commit()
    name = f"du-lieu-ca-nhan-{data['person']['code']}.{extension}"
    if extension == "json":
        body = json.dumps(data, ensure_ascii=False, indent=2).encode()
        return download_response(body, "application/json", name)
    return download_response(personal_data_pdf(data), "application/pdf", name)


@bp.post("/participants/<int:participant_id>/withdraw")
@requires("participants.register")
@login_required
def withdraw(participant_id):
    """Erase the person's data at their request; their attendance keeps counting, anonymously."""
    participant = get_participant_for(current_user, participant_id)
    ensure_can(current_user, "participants.register", participant.village)
    try:
        withdraw_consent(participant, user=current_user)
        db.session.commit()
    except AppError as error:
        flash_refusal(error)
    else:
        flash(_("The person's data was erased. Their attendance still counts, anonymously."), "success")
    return redirect(url_for("participants.participant_page", participant_id=participant_id))
