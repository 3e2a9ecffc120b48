"""The volunteers' scanner: ``/scan`` (today's open trainings) and ``/scan?training=ID`` (the camera).

How the page talks to the API. The JSON API authenticates by bearer token only (``api/common``),
never by cookie, so it needs no CSRF defence. The scanner page is signed in by the session
cookie; its script asks ``POST /scan/token`` — session-authenticated and CSRF-protected (the
``X-CSRFToken`` header, from the page) — for a bearer token of the signed-in user that lives
``SCANNER_TOKEN_TTL`` (a day of scanning, not the API's default month). The script keeps it in
IndexedDB so that scans kept offline can be sent when the network returns, even when the page
itself was opened from the service worker's cache. No participant data ever goes in a URL: the
roster and the scans travel in request and response bodies.
"""
import hashlib
from datetime import timedelta
from functools import cache
from pathlib import Path

import marshmallow as ma
from flask import Blueprint, current_app, jsonify, render_template, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from tracker.auth.access import can, ensure_can, requires
from tracker.auth.operations import issue_token
from tracker.auth.session import access_ended, ended_access_user, refuse_ended_access
from tracker.checkins.held import hold_items
from tracker.checkins.operations import checkin_window
from tracker.checkins.queries import get_training_for_scan
from tracker.checkins.scan_queries import open_trainings
from tracker.checkins.schemas import HeldHandoverSchema
from tracker.core.args import DropBlanks, Id, load
from tracker.core.errors import AppError
from tracker.core.security import CONTENT_SECURITY_POLICY
from tracker.core.time import UTC, local, utcnow
from tracker.extensions import db, login_manager
from tracker.geo.models import UnitLevel
from tracker.geo.queries import list_units_under
from tracker.outcomes.queries import indicators_for
from tracker.participants.ethnicities import ETHNIC_GROUPS
from tracker.participants.models import Gender
from tracker.participants.schemas import EARLIEST_BIRTH_YEAR, latest_birth_year

bp = Blueprint("scan", __name__)

#: How long a scanner's bearer token lives: a long training day kept offline, then the sync.
SCANNER_TOKEN_TTL = timedelta(hours=14)
#: The scanner's files, cached by the service worker so that the page opens with no network.
SHELL_FILES = ("css/scan.css", "js/scan/scanner.js", "js/scan/store.js", "js/scan/sender.js", "js/scan/feedback.js",
               "js/scan/install.js", "js/scan/signout.js", "js/scan/walkin.js", "js/scan/outcomes.js",
               "js/scan/handover.js", "js/live.js", "vendor/qr-scanner/qr-scanner.min.js",
               "vendor/qr-scanner/qr-scanner-worker.min.js", "img/icon.svg")
#: How long the volunteer who scanned may undo their own check-in (the server's rule is the same).
OWN_UNDO_SECONDS = 5 * 60
#: qr-scanner runs its decoder in a Worker made from a blob: URL.
SCANNER_POLICY = CONTENT_SECURITY_POLICY + "; worker-src 'self' blob:"


class ScanPageArgsSchema(DropBlanks, ma.Schema):
    training = Id()


@bp.get("/scan")
@requires("checkins.record")
def scan_page():
    """List the trainings open for check-in now, or open the scanner on ``?training=ID``."""
    if not current_user.is_authenticated:
        return _ended_or_sign_in()
    ensure_can(current_user, "checkins.record")
    args = load(ScanPageArgsSchema(), location="query")
    if "training" in args:
        training = get_training_for_scan(current_user, args["training"])
        html = render_template("scan/scanner.html", training=training, config=_page_config(training),
                               walk_in=_walk_in_choices(training))
    else:
        html = render_template("scan/list.html", trainings=open_trainings(current_user))
    return html, {"Content-Security-Policy": SCANNER_POLICY, "Cache-Control": "no-cache"}


def _ended_or_sign_in():
    """Tell a volunteer whose access ended why, and hand their phone's waiting scans over; else sign in."""
    volunteer = ended_access_user()
    if volunteer is None:
        return login_manager.unauthorized()
    reason = _("Your access to the scanner was withdrawn by the coordinator.") if access_ended() == "revoked" \
        else _("Your days with the scanner are over.")
    texts = {"handed_over": _("%(count)s scans from this phone were handed to the coordinator for review."),
             "none": _("No scans were waiting on this phone."),
             "failed": _("The waiting scans could not be handed over yet; open this page again with network.")}
    config = {"user": volunteer.id, "urls": {"held": url_for("scan.hand_over_held")}, "texts": texts}
    html = render_template("scan/ended.html", reason=reason, volunteer=volunteer, config=config)
    return html, 403, {"Content-Security-Policy": SCANNER_POLICY, "Cache-Control": "no-store"}


def _page_config(training):
    """Return what the scanner's script needs: API addresses, the check-in window, its texts."""
    opens, closes = checkin_window(training)
    zone = training.campaign.timezone
    return {
        "training": {"id": training.id, "title": training.title, "village": training.village.name,
                     "opens_at": opens.astimezone(UTC).isoformat(), "closes_at": closes.astimezone(UTC).isoformat(),
                     "opens": local(opens, zone).strftime("%H:%M"), "closes": local(closes, zone).strftime("%H:%M"),
                     "cancelled": training.is_cancelled, "timezone": zone},
        "user": current_user.id, "campaign_id": training.campaign_id,
        "can_void": can(current_user, "checkins.void"), "own_undo_seconds": OWN_UNDO_SECONDS,
        "indicators": [{"key": item.key, "name": item.name} for item in indicators_for(training.campaign)]
        if can(current_user, "outcomes.record") else [],
        "urls": {"token": url_for("scan.scanner_token"), "held": url_for("scan.hand_over_held"), "roster": f"/api/v1/trainings/{training.id}/roster",
                 "checkin": f"/api/v1/trainings/{training.id}/checkins", "sync": "/api/v1/checkins/sync",
                 "worker": url_for("scan.service_worker"), "void": "/api/v1/checkins/{id}/void",
                 "walk_in": f"/api/v1/trainings/{training.id}/walk-ins", "count": f"/api/v1/trainings/{training.id}/count",
                 "outcomes": "/api/v1/participants/{id}/outcomes"},
        "texts": _texts(),
    }


def _walk_in_choices(training):
    """Return the walk-in form's choices: the commune's villages, genders, the 54 groups, birth years."""
    commune = training.village.parent
    villages = list_units_under(commune, level=UnitLevel.village) if commune else [training.village]
    return {"villages": villages, "genders": list(Gender), "ethnic_groups": ETHNIC_GROUPS,
            "first_year": EARLIEST_BIRTH_YEAR, "last_year": latest_birth_year()}


def _texts():
    """Return the script's texts, translated for the page's language."""
    return {
        "ready": _("Point the camera at a card."), "accepted": _("Checked in"),
        "pending": _("Will be verified"), "pending_long": _("Not in this phone's list yet: it will be verified."),
        "refused": _("Refused"), "already": _("Already checked in at %(time)s"),
        "bad_card": _("This is not a participant card of this tracker."),
        "bad_code": _("A code has 8 letters and digits, as printed under the QR."),
        "closed": _("Check-in for this training is open from %(opens)s to %(closes)s."),
        "cancelled": _("This training was cancelled: it takes no check-ins."),
        "no_camera": _("The camera cannot be used (refused or missing). Type the codes below."),
        "waiting": _("%(count)s scans waiting to be sent"), "none_waiting": _("Everything is sent"),
        "last_sync": _("last sent at %(time)s"), "offline": _("No network: scans are kept on this phone."),
        "signed_out": _("Sign in again to send the waiting scans; they are kept on this phone."),
        "undo": _("Undo"), "undone": _("Undone"), "undo_reason": _("Why undo this check-in?"),
        "undo_default": _("Scanned by mistake"), "undo_failed": _("The check-in could not be undone: %(reason)s"),
        "too_late": _("More than 5 minutes have passed: ask a coordinator."),
        "walk_in": _("Registered"), "walk_in_waiting": _("registered, will be sent"),
        "walk_in_long": _("New person: the check-in is sent with the registration."),
        "walk_in_sent": _("new · card %(code)s, to be printed later"),
        "walk_in_card": _("Card code %(code)s: the card can be printed later."),
        "handed_over": _("%(count)s scans handed to the coordinator for review"),
        "held_one": _("handed to the coordinator"),
        "torch": _("Light"), "switch": _("Switch camera"), "sent": _("sent"), "waiting_one": _("waiting"),
    }


@bp.post("/scan/token")
@requires("checkins.record")
def scanner_token():
    """Issue the signed-in user a short-lived bearer token for the scanner's API calls."""
    if not current_user.is_authenticated:
        refuse_ended_access()  # an enrolled volunteer has no password to sign in again with: say why
        raise AppError(_("Sign in again."), code="unauthorized", status=401)
    ensure_can(current_user, "checkins.record")
    token, record = issue_token(current_user)
    record.expires_at = min(record.expires_at, utcnow() + SCANNER_TOKEN_TTL)
    expires_at = record.expires_at.astimezone(UTC).isoformat()
    db.session.commit()
    response = jsonify({"token": token, "expires_at": expires_at})
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/scan/held")
def hand_over_held():
    """Take the waiting scans of a phone whose volunteer lost access, to be kept for a coordinator's review.

    Session-authenticated and CSRF-protected like ``/scan/token``; only a volunteer whose access was
    revoked or ran out may hand over (a signed-in user sends scans to the API, where they count).
    """
    volunteer = None if current_user.is_authenticated else ended_access_user()
    if current_user.is_authenticated:
        raise AppError(_("Your access holds: the scans are sent as usual."), code="access_holds", status=409)
    if volunteer is None:
        raise AppError(_("Sign in again."), code="unauthorized", status=401)
    data = load(HeldHandoverSchema(), location="json")
    results = hold_items(data["items"], volunteer=volunteer, reason=access_ended())
    db.session.commit()
    response = jsonify({"results": results})
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/scan/sw.js")
def service_worker():
    """Serve the service worker from under ``/scan`` so that its scope covers the scanner pages."""
    source, version = _worker_source()
    body = f"const VERSION = {version!r};\nconst SHELL = {_shell_urls()!r};\n{source}"
    headers = {"Content-Type": "text/javascript; charset=utf-8", "Service-Worker-Allowed": "/scan",
               "Cache-Control": "no-cache"}
    return body, headers


def _shell_urls():
    return [url_for("static", filename=name) for name in SHELL_FILES]


@cache
def _worker_source():
    """Return the worker's code and a version that changes whenever a file of the shell does."""
    static = Path(current_app.static_folder)
    source = (static / "js/scan/sw.js").read_text(encoding="utf-8")
    digest = hashlib.sha256(source.encode())
    for name in SHELL_FILES:
        digest.update((static / name).read_bytes())
    return source, digest.hexdigest()[:12]


@bp.get("/scan/manifest.webmanifest")
def manifest():
    """Describe the scanner as an installable app."""
    body = {"name": _("100 Peak Days scanner"), "short_name": _("Scanner"), "start_url": url_for("scan.scan_page"),
            "scope": "/scan", "display": "standalone", "background_color": "#ffffff", "theme_color": "#0b5cad",
            "lang": str(get_locale()),
            "icons": [{"src": url_for("static", filename="img/icon.svg"), "sizes": "any", "type": "image/svg+xml"}]}
    response = jsonify(body)
    response.mimetype = "application/manifest+json"
    return response
