"""HTML actions on a training's attendance: check a person in by a typed code, void a check-in.

Both post from the training page and send the browser back to it with the answer flashed.
"""
import uuid

from flask import Blueprint, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from tracker.checkins.models import CheckInSource
from tracker.checkins.operations import ScanResult, check_in, void_checkin
from tracker.checkins.queries import get_checkin_for, get_training_for_scan
from tracker.checkins.schemas import CodeFormSchema, VoidSchema
from tracker.core.args import load
from tracker.core.errors import AppError
from tracker.core.time import utcnow
from tracker.core.views import refused
from tracker.extensions import db

bp = Blueprint("checkins", __name__)


@bp.post("/trainings/<int:training_id>/check-in")
@login_required
def check_in_by_code(training_id):
    """Check in the person whose code was typed at the door (no scanner at hand)."""
    training = get_training_for_scan(current_user, training_id)
    try:
        scan = load(CodeFormSchema()) | {"scan_id": uuid.uuid4(), "scanned_at": utcnow()}
        answer = check_in(training, scan, user=current_user, source=CheckInSource.manual)
        db.session.commit()
    except AppError as error:
        _flash_refusal(error)
    else:
        name = answer.participant["full_name"]
        if answer.result == ScanResult.checked_in:
            flash(_("Checked in: %(name)s", name=name), "success")
        else:
            flash(_("%(name)s: %(answer)s", name=name, answer=answer.message), "info")
    return _back_to(training_id)


@bp.post("/checkins/<int:checkin_id>/void")
@login_required
def void(checkin_id):
    """Void a check-in from the roster, saying why; the record stays."""
    checkin = get_checkin_for(current_user, checkin_id, capability="checkins.void")
    training_id = checkin.training_id
    try:
        data = load(VoidSchema())
        void_checkin(checkin, reason=data["reason"], user=current_user)
        name = checkin.participant.full_name
        db.session.commit()
    except AppError as error:
        _flash_refusal(error)
    else:
        flash(_("The check-in of %(name)s was voided.", name=name), "success")
    return _back_to(training_id)


def _flash_refusal(error):
    """Roll back and flash why (one field's message when the input was at fault); 403 / 404 go to the error page."""
    fields = refused(error)
    messages = [str(message) for name, found in fields.items() if name != "_schema"
                for message in (found if isinstance(found, list) else [found])]
    flash(messages[0] if messages else error.message, "error")


def _back_to(training_id):
    return redirect(url_for("trainings.training_page", training_id=training_id, _anchor="attendance"))
