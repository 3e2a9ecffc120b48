"""The coordinator's review of held scans: what a revoked or expired volunteer's phone handed over.

Each item is accepted (it then counts as the volunteer's offline scan, under every check-in rule)
or discarded with a reason; one volunteer's items can be decided together.
"""
import marshmallow as ma
from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from tracker.auth.access import ensure_can, requires
from tracker.cards.tokens import InvalidToken, normalise_code, read_token
from tracker.checkins.held import accept_held, discard_held
from tracker.checkins.models import HeldKind, HeldStatus
from tracker.checkins.queries import get_held_for, held_scans_for, participants_by_code
from tracker.checkins.schemas import HeldDiscardSchema
from tracker.core.args import DropBlanks, Id, load
from tracker.core.errors import AppError
from tracker.core.views import flash_refusal
from tracker.extensions import db

bp = Blueprint("held", __name__)


class HeldPageArgsSchema(DropBlanks, ma.Schema):
    status = ma.fields.Enum(HeldStatus, by_value=True, load_default=HeldStatus.held)
    volunteer = Id()


class HeldBulkSchema(HeldDiscardSchema):
    volunteer = Id(required=True)
    decision = ma.fields.String(required=True, validate=ma.validate.OneOf(["accept", "discard"]))


@bp.get("/held-scans")
@requires("checkins.review")
@login_required
def held_scans():
    """List the held items of the user's area, waiting ones first; ``?status=`` shows the decided ones."""
    ensure_can(current_user, "checkins.review")
    args = load(HeldPageArgsSchema(), location="query")
    items = held_scans_for(current_user, status=args["status"], volunteer_id=args.get("volunteer"))
    return render_template("checkins/held.html", items=items, people=_people(items), status=args["status"],
                           statuses=list(HeldStatus), kinds=HeldKind)


def _people(items):
    """Return ``{scan_id: participant}`` for the held card scans whose card names a known person."""
    codes = {item.scan_id: _code(item) for item in items if item.kind == HeldKind.scan}
    known = participants_by_code({code for code in codes.values() if code})
    return {scan_id: known.get(code) for scan_id, code in codes.items()}


def _code(item):
    """Return the participant code a held scan carries, or None for an unreadable card."""
    try:
        return read_token(item.payload["qr"]) if "qr" in item.payload else normalise_code(item.payload.get("code", ""))
    except InvalidToken:
        return None


@bp.post("/held-scans/<int:held_id>/accept")
@requires("checkins.review")
@login_required
def accept(held_id):
    """Let one held item count."""
    held = get_held_for(current_user, held_id)
    return _decide(lambda: _accepted([accept_held(held, user=current_user)]))


@bp.post("/held-scans/<int:held_id>/discard")
@requires("checkins.review")
@login_required
def discard(held_id):
    """Decide that one held item must not count; it stays on record with the reason."""
    held = get_held_for(current_user, held_id)

    def work():
        discard_held(held, reason=load(HeldDiscardSchema())["reason"], user=current_user)
        flash(_("Discarded: it does not count, and stays on record."), "success")

    return _decide(work)


@bp.post("/held-scans/bulk")
@requires("checkins.review")
@login_required
def decide_all():
    """Accept, or discard, every waiting item of one volunteer."""
    ensure_can(current_user, "checkins.review")

    def work():
        data = load(HeldBulkSchema())
        items = held_scans_for(current_user, volunteer_id=data["volunteer"])
        if data["decision"] == "accept":
            return _accepted([accept_held(item, user=current_user) for item in items])
        for item in items:
            discard_held(item, reason=data["reason"], user=current_user)
        flash(_("%(count)s discarded: they do not count, and stay on record.", count=len(items)), "success")

    return _decide(work)


def _accepted(decided):
    counted = sum(item.status == HeldStatus.accepted for item in decided)
    flash(_("%(counted)s of %(total)s accepted and counted.", counted=counted, total=len(decided)),
          "success" if counted == len(decided) else "warning")
    for item in decided:
        if item.status == HeldStatus.refused:
            flash(_("Refused by the check-in rules: %(reason)s", reason=item.note), "warning")


def _decide(work):
    try:
        work()
        db.session.commit()
    except AppError as error:
        flash_refusal(error)
    return redirect(url_for("held.held_scans"))
