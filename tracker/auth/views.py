"""Login and logout pages, and the user accounts admins manage."""
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from tracker.auth import operations
from tracker.auth.access import ensure_can
from tracker.auth.models import Role
from tracker.auth.queries import users_for
from tracker.auth.schemas import LoginSchema, UserCreateSchema
from tracker.core.args import load
from tracker.core.errors import AppError, InvalidInput
from tracker.core.views import refused
from tracker.extensions import db, limiter
from tracker.geo.models import UnitLevel
from tracker.geo.queries import list_units_under

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


@bp.get("/users")
@login_required
def list_users():
    """The user accounts of the admin's area."""
    ensure_can(current_user, "users.manage")
    return render_template("auth/users.html", users=users_for(current_user))


@bp.route("/users/new", methods=["GET", "POST"])
@login_required
def new_user():
    """Create a user account with a role and a unit (admins)."""
    ensure_can(current_user, "users.manage")
    form, errors = {"unit": current_user.unit.code}, {}
    if request.method == "POST":
        form = request.form
        try:
            user = operations.create_user(load(UserCreateSchema()), user=current_user)
            db.session.commit()
        except AppError as error:
            errors = refused(error)
        else:
            flash(_("The account %(name)s was created.", name=user.username), "success")
            return redirect(url_for("auth.list_users"))
    units = [unit for unit in list_units_under(current_user.unit, include_self=True) if unit.level != UnitLevel.village]
    return render_template("auth/new_user.html", form=form, errors=errors, units=units,
                           roles=list(Role)), 422 if errors else 200
