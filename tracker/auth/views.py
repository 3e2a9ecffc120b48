"""Login and logout pages."""
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from tracker.auth import operations
from tracker.auth.schemas import LoginSchema
from tracker.core.args import load
from tracker.core.errors import InvalidInput
from tracker.extensions import limiter

bp = Blueprint("auth", __name__)


def _safe_next(target):
    """Return ``target`` only if it is a path on this site."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["TRACKER_LOGIN_RATE_LIMIT"], methods=["POST"])
def login():
    """Sign in with a username and password."""
    if current_user.is_authenticated:
        return redirect(url_for("campaigns.dashboard"))
    errors, username = {}, ""
    if request.method == "POST":
        try:
            data = load(LoginSchema())
        except InvalidInput as error:
            errors = error.fields
        else:
            username = data["username"]
            user = operations.authenticate(data["username"], data["password"])
            if user is not None:
                login_user(user)
                return redirect(_safe_next(data["next"]) or url_for("campaigns.dashboard"))
            errors = {"_schema": [_("Wrong username or password.")]}
    status = 401 if errors else 200
    next_target = _safe_next(request.values.get("next"))
    return render_template("auth/login.html", errors=errors, username=username, next=next_target), status


@bp.post("/logout")
@login_required
def logout():
    """Sign out."""
    logout_user()
    flash(_("You are signed out."), "info")
    return redirect(url_for("auth.login"))
