"""HTML actions on a training's attendance: check a person in by a typed code, void a check-in.

Both post from the training page and send the browser back to its check-in box (``#checkin``),
where the answer is shown next to the box and the cursor is put back in it for the next code
(flash categories ``inline.*`` are shown there, not at the top of the page).
"""
import uuid

from flask import Blueprint, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.routing import BuildError

from tracker.auth.access import can, requires
from tracker.cards.render import qr_svg_markup
from tracker.checkins.exports import roster_sheet
from tracker.checkins.operations import ScanResult, check_in, checkin_window, void_checkin
from tracker.checkins.queries import get_checkin_for, get_training_for_scan
from tracker.checkins.schemas import CodeFormSchema, VoidSchema
from tracker.core.args import load
from tracker.core.errors import AppError
from tracker.core.exports import export_name, sheet_response
from tracker.core.time import local_date, utcnow
from tracker.core.views import flash_refusal
from tracker.digests.mail_message import external_url
from tracker.extensions import db

bp = Blueprint("checkins", __name__)

#: The volunteers' scanner page, opened on one training with ``?training=ID``.
SCANNER_ENDPOINT = "scan.scan_page"


@bp.post("/trainings/<int:training_id>/check-in")
@requires("checkins.record")
@login_required
def check_in_by_code(training_id):
    """Check in the person whose code was typed at the door, or whose card a hardware scanner read.

    A typed code is recorded as ``manual``; a whole token (``PD1.…``, typed by a USB or Bluetooth
    QR scanner) has its signature verified like a camera scan and is recorded as ``camera``: the
    card itself was read, not a code copied from it.
    """
    training = get_training_for_scan(current_user, training_id)
    try:
        scan = load(CodeFormSchema()) | {"scan_id": uuid.uuid4(), "scanned_at": utcnow()}
        answer = check_in(training, scan, user=current_user)
        db.session.commit()
    except AppError as error:
        _flash_refusal(error)
    else:
        name = answer.participant["full_name"]
        if answer.result == ScanResult.checked_in:
            flash(_("Checked in: %(name)s", name=name), "inline.success")
        else:
            flash(_("%(name)s: %(answer)s", name=name, answer=answer.message), "inline.info")
    return _back_to(training_id)


@bp.get("/trainings/<int:training_id>/checkins.<any(csv, xlsx):extension>")
@requires("checkins.read")
@login_required
def export_roster(training_id, extension):
    """Download the training's roster as its page lists it (voided check-ins marked), as CSV or XLSX."""
    training = get_training_for_scan(current_user, training_id, capability="checkins.read")
    day = local_date(training.starts_at, training.campaign.timezone)
    return sheet_response(roster_sheet(training), extension, export_name(_("Check-ins"), training.title, day))


@bp.post("/checkins/<bigint:checkin_id>/void")
@requires("checkins.void")
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
        flash(_("The check-in of %(name)s was voided.", name=name), "inline.success")
    return _back_to(training_id)


def _flash_refusal(error):
    """Roll back and flash why (one field's message when the input was at fault); 403 / 404 go to the error page."""
    flash_refusal(error, "inline.error")


def _back_to(training_id):
    return redirect(url_for("trainings.training_page", training_id=training_id, _anchor="checkin"))


def checkin_box(training, user, *, now=None):
    """Return what the training page's check-in box shows: whether it takes check-ins now (``state``:
    open, not_yet, closed or cancelled), when it opens and closes, and the scanner's link and QR."""
    opens, closes = checkin_window(training)
    now = now or utcnow()
    state = ("cancelled" if training.is_cancelled else "not_yet" if now < opens
             else "closed" if now > closes else "open")
    box = {"state": state, "opens": opens, "closes": closes, "opens_in": int((opens - now).total_seconds()),
           "today": local_date(now, training.campaign.timezone), "scanner": None}
    # A closed training's scanner would only refuse; a cancelled one's would mislead.
    if state in ("open", "not_yet") and can(user, "checkins.record"):
        link = scanner_link(training)
        box["scanner"] = {"url": link, "qr": qr_svg_markup(link, label=_("QR code of the scanner's link"))}
    return box


def scanner_link(training):
    """Return the absolute address of the volunteers' scanner opened on ``training``."""
    try:
        return external_url(SCANNER_ENDPOINT, training=training.id)
    except BuildError:  # the scanner's page is not registered in this app: its address is fixed
        return f"{external_url('core.index').rstrip('/')}/scan?training={training.id}"
