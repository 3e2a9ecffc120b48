"""Enrolling volunteers without accounts: the coordinator's links and QR codes, and the public enrol page.

The link's token is shown once: only its hash is stored, and the coordinator's own browser keeps
the token (in its signed session) while the link is open, so the QR code can be shown again.
"""
from flask import Blueprint, current_app, flash, make_response, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from tracker.auth.access import requires
from tracker.auth.enrolments import operations, queries
from tracker.auth.enrolments.schemas import DEFAULT_ACCESS_DAYS, MAX_ACCESS_DAYS, EnrolmentCreateSchema, EnrolSchema
from tracker.cards.render import render_qr_png, render_qr_svg
from tracker.checkins.queries import count_held_by_volunteer
from tracker.core.args import load
from tracker.core.errors import AppError, NotFound
from tracker.core.time import utcnow
from tracker.core.views import refused
from tracker.digests.mail_message import external_url
from tracker.extensions import db, limiter

bp = Blueprint("enrolment", __name__)

#: Where an enrolled volunteer goes: the scanner.
SCANNER_PATH = "/scan"
#: The session key holding this browser's link tokens, ``{enrolment id: token}``.
TOKENS = "enrolment_tokens"
#: Links whose token one browser keeps at most.
TOKENS_KEPT = 5


def _keep_token(enrolment, token):
    """Keep the token of a new link in this browser's session (the newest few only)."""
    kept = dict(session.get(TOKENS, {}))
    kept[str(enrolment.id)] = token
    session[TOKENS] = dict(list(kept.items())[-TOKENS_KEPT:])


def _kept_token(enrolment):
    """Return the token this browser keeps for an open link, or None."""
    token = session.get(TOKENS, {}).get(str(enrolment.id))
    return token if token and enrolment.is_open() else None


def _enrol_url(token):
    """Return the absolute address a volunteer opens."""
    return external_url("enrolment.enrol", token=token)


def _no_store(response):
    """Keep pages and images that carry a link's token out of every cache."""
    response = make_response(response)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/enrolments")
@requires("users.enroll")
@login_required
def enrolments():
    """The coordinator's page: open a link, see the latest links and who enrolled."""
    return _enrolments_page({}, {}), 200


def _enrolments_page(form, errors):
    """Render the enrolments page with the form's values and messages."""
    volunteers = queries.enrolled_volunteers(current_user)
    return render_template(
        "auth/enrolments.html", form=form, errors=errors, communes=queries.enrolment_communes(current_user),
        links=queries.recent_enrolments(current_user), volunteers=volunteers,
        activity=queries.scan_activity(current_user, volunteers), now=utcnow(),
        held=count_held_by_volunteer(current_user), default_days=DEFAULT_ACCESS_DAYS, max_days=MAX_ACCESS_DAYS)


@bp.post("/enrolments")
@requires("users.enroll")
@login_required
def open_enrolment():
    """Open a new link and show its QR code."""
    try:
        data = load(EnrolmentCreateSchema())
        unit = data["unit"] or current_user.unit
        token, enrolment = operations.open_enrolment(unit, data["access_days"], user=current_user)
        db.session.commit()
    except AppError as error:
        return _enrolments_page(request.form, refused(error)), 422
    _keep_token(enrolment, token)
    return redirect(url_for("enrolment.enrolment_page", enrolment_id=enrolment.id))


@bp.get("/enrolments/<int:enrolment_id>")
@requires("users.enroll")
@login_required
def enrolment_page(enrolment_id):
    """One link: its QR code (in the browser that opened it) and the volunteers who used it."""
    enrolment = queries.get_enrolment_for(current_user, enrolment_id)
    token = _kept_token(enrolment)
    volunteers = queries.enrolled_volunteers(current_user, enrolment=enrolment)
    page = render_template("auth/enrolment.html", enrolment=enrolment, token=token,
                           link=_enrol_url(token) if token else None, volunteers=volunteers,
                           activity=queries.scan_activity(current_user, volunteers), now=utcnow(),
                           held=count_held_by_volunteer(current_user))
    return _no_store(page)


@bp.get("/enrolments/<int:enrolment_id>/qr.<any(png, svg):kind>")
@requires("users.enroll")
@login_required
def enrolment_qr(enrolment_id, kind):
    """The link's QR code as an image, for the browser that opened the link."""
    token = _kept_token(queries.get_enrolment_for(current_user, enrolment_id))
    if token is None:
        raise NotFound(_("This QR code can no longer be shown."))
    render, mimetype = (render_qr_png, "image/png") if kind == "png" else (render_qr_svg, "image/svg+xml")
    response = _no_store(render(_enrol_url(token)))
    response.mimetype = mimetype
    return response


@bp.post("/enrolments/<int:enrolment_id>/close")
@requires("users.enroll")
@login_required
def close_enrolment(enrolment_id):
    """Close a link: nobody else can enrol through it; who enrolled keeps scanning."""
    enrolment = queries.get_enrolment_for(current_user, enrolment_id)
    operations.close_enrolment(enrolment, user=current_user)
    db.session.commit()
    session[TOKENS] = {key: value for key, value in session.get(TOKENS, {}).items() if key != str(enrolment.id)}
    flash(_("The enrolment link is closed. Volunteers who enrolled keep their access."), "success")
    return redirect(url_for("enrolment.enrolments"))


@bp.post("/enrolments/volunteers/<int:volunteer_id>/revoke")
@requires("users.enroll")
@login_required
def revoke_volunteer(volunteer_id):
    """End an enrolled volunteer's access at once."""
    volunteer = queries.get_enrolled_volunteer_for(current_user, volunteer_id)
    operations.revoke_volunteer(volunteer, user=current_user)
    db.session.commit()
    flash(_("%(name)s can no longer scan. Their check-ins are kept.", name=volunteer.display_name), "success")
    back = request.form.get("back")
    if back and back.isdigit():
        return redirect(url_for("enrolment.enrolment_page", enrolment_id=int(back)))
    return redirect(url_for("enrolment.enrolments"))


# The volunteer's side: no account needed ---------------------------------------------------------

def _open_enrolment_or_gone(token):
    """Return the link's enrolment, or raise 404 (unknown) / 410 (expired or closed)."""
    enrolment = queries.enrolment_for_token(token) if len(token) <= 100 else None
    if enrolment is None:
        raise NotFound(_("This enrolment link does not exist. Check that you scanned the coordinator's QR code."))
    operations.ensure_open(enrolment)
    return enrolment


@bp.route("/enrol/<token>", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["TRACKER_ENROL_RATE_LIMIT"], methods=["POST"])
def enrol(token):
    """A volunteer types their name and gets the scanner of the link's commune."""
    try:
        enrolment = _open_enrolment_or_gone(token)
    except (NotFound, operations.EnrolmentGone) as error:
        return _gone(error)
    form, errors = {}, {}
    if request.method == "POST":
        form = request.form
        try:
            volunteer = operations.enrol_volunteer(enrolment, load(EnrolSchema()))
            db.session.commit()
        except operations.EnrolmentGone as error:
            db.session.rollback()
            return _gone(error)
        except AppError as error:
            errors = refused(error)
        else:
            return _sign_in(volunteer)
    page = render_template("auth/enrol.html", enrolment=enrolment, token=token, form=form, errors=errors)
    return _no_store((page, 422 if errors else 200))


def _gone(error):
    """Explain that the link does not work (404 unknown, 410 expired or closed)."""
    page = render_template("auth/enrolment_gone.html", status=error.status, message=error.message)
    return _no_store((page, error.status))


def _sign_in(volunteer):
    """Sign the new volunteer in on this phone until their access ends, and open the scanner."""
    logout_user()
    session.pop(TOKENS, None)
    login_user(volunteer, remember=True, duration=volunteer.access_until - utcnow())
    flash(_("Welcome, %(name)s. You can scan at trainings of %(unit)s.", name=volunteer.display_name,
            unit=volunteer.unit.name), "success")
    return redirect(request.script_root + SCANNER_PATH)
