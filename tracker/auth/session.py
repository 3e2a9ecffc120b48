"""Flask-Login wiring: loading the signed-in user for pages."""
from flask import flash, g, redirect, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_url

from tracker.auth.models import User
from tracker.core.errors import Forbidden
from tracker.extensions import db, login_manager

#: Set on ``g`` when the session's user is an enrolled volunteer whose access was revoked or ran out.
ACCESS_ENDED = "tracker_access_ended"
#: That volunteer, kept on ``g`` for the one thing they may still do: hand their unsent scans over.
ENDED_USER = "tracker_access_ended_user"


@login_manager.user_loader
def load_user(user_id):
    """Return the user stored in the session if their access holds, or None."""
    user = db.session.get(User, int(user_id)) if str(user_id).isdigit() else None
    if user is not None and user.has_access():
        return user
    if user is not None and user.enrolled_via_id is not None:
        g.setdefault(ACCESS_ENDED, "revoked" if not user.is_active else "expired")
        g.setdefault(ENDED_USER, user)
    return None


def refuse_ended_access():
    """Raise 403 saying why when this request's volunteer lost their access (revoked, or their days over)."""
    ended = access_ended()
    if ended == "revoked":
        raise Forbidden(_("Your access to the scanner was withdrawn by the coordinator. "
                          "Ask them for a new enrolment QR if you should still scan."), code="access_revoked")
    if ended == "expired":
        raise Forbidden(_("Your days with the scanner are over. Ask the coordinator for a new enrolment QR."),
                        code="access_expired")


def ended_access_user():
    """Return the enrolled volunteer of this session whose access ended, or None (the session's user is
    then signed in, or nobody). Only the hand-over of held scans may act as them."""
    return g.get(ENDED_USER) if access_ended() else None


def access_ended():
    """Return ``"revoked"`` or ``"expired"`` when this request's volunteer lost their access, else None."""
    return g.get(ACCESS_ENDED)


@login_manager.unauthorized_handler
def unauthorized():
    """Tell a volunteer whose access ended why (403); send everyone else to the login page."""
    refuse_ended_access()
    flash(_("Please sign in to see this page."), "info")
    return redirect(login_url(login_manager.login_view, next_url=request.url))


def init_login(app):
    """Bind Flask-Login to ``app``."""
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to see this page.")
    login_manager.login_message_category = "info"
    # "basic": a volunteer whose phone changes network must not be signed out mid-training.
    login_manager.session_protection = "basic"
