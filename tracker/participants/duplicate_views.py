"""The likely duplicates of a coordinator's area: merge two records into one, or say they are two people."""
import marshmallow as ma
from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from tracker.auth.access import ensure_can, requires
from tracker.core.args import DropBlanks, Id, load
from tracker.core.errors import AppError
from tracker.core.views import flash_refusal
from tracker.extensions import db
from tracker.geo.schemas import UnitField
from tracker.participants.duplicates import dismiss_duplicate, likely_duplicates, merge_participants
from tracker.participants.queries import get_participant_for

bp = Blueprint("duplicates", __name__)


class DuplicatesArgsSchema(DropBlanks, ma.Schema):
    unit = UnitField()


class PairSchema(ma.Schema):
    kept = Id(required=True)
    other = Id(required=True)


@bp.get("/participants/duplicates")
@requires("participants.register")
@login_required
def list_duplicates():
    """The pairs of records of the area (``?unit=`` a commune or village) that look like one person."""
    ensure_can(current_user, "participants.register")
    unit = load(DuplicatesArgsSchema(), location="query").get("unit")
    if unit is not None:
        ensure_can(current_user, "participants.register", unit)
    pairs = likely_duplicates(current_user, unit=unit)
    return render_template("participants/duplicates.html", pairs=pairs, unit=unit)


@bp.post("/participants/duplicates/merge")
@requires("participants.register")
@login_required
def merge():
    """Keep one record of the pair; the other's check-ins and outcomes move to it."""
    return _decide(lambda kept, other: merge_participants(kept, other, user=current_user),
                   _("Merged: %(other)s is now part of %(kept)s."))


@bp.post("/participants/duplicates/dismiss")
@requires("participants.register")
@login_required
def dismiss():
    """Remember that the pair are two people."""
    return _decide(lambda kept, other: dismiss_duplicate(kept, other, user=current_user),
                   _("Noted: %(kept)s and %(other)s are two people; they are no longer flagged."))


def _decide(action, done):
    ensure_can(current_user, "participants.register")
    try:
        data = load(PairSchema())
        kept = get_participant_for(current_user, data["kept"], capability="participants.register")
        other = get_participant_for(current_user, data["other"], capability="participants.register")
        codes = {"kept": kept.code, "other": other.code}
        action(kept, other)
        db.session.commit()
    except AppError as error:
        flash_refusal(error)
    else:
        flash(done % codes, "success")
    return redirect(url_for("duplicates.list_duplicates"))
