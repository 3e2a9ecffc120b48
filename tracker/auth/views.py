"""Login and logout pages, and the user accounts admins manage."""
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from tracker.auth import operations
from tracker.auth.access import SIGNED_IN, ensure_can, grantable_roles, requires
from tracker.auth.queries import get_account_for, users_for
from tracker.auth.schemas import (
    LoginSchema,
    NewPasswordSchema,
    PasswordChangeSchema,
    UserActiveFormSchema,
    UserCreateSchema,
    UserUpdateSchema,
)
from tracker.core.args import load
from tracker.core.errors import AppError, Forbidden, InvalidInput, NotFound, wants_json
from tracker.core.views import refused
from tracker.digests.mail_message import external_url
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
                if user.must_change_password:
                    return redirect(url_for("auth.change_password"))
                return redirect(_safe_next(data["next"]) or url_for("campaigns.dashboard"))
            errors = {"_schema": [_("Wrong username or password.")]}
    status = 401 if errors else 200
    next_target = _safe_next(request.values.get("next"))
    return render_template("auth/login.html", errors=errors, username=username, next=next_target), status


@bp.post("/logout")
@requires(SIGNED_IN)
@login_required
def logout():
    """End the session, then show the signing-out page, which clears what the scanner kept in this browser."""
    user_id = current_user.id
    logout_user()
    session[SIGNED_OUT_KEY] = user_id
    flash(_("You are signed out."), "info")
    return redirect(url_for("auth.signing_out"))


#: The session's note of who just signed out, read once by the signing-out page.
SIGNED_OUT_KEY = "signed_out_user"


@bp.get("/signing-out")
def signing_out():
    """Send the scanner's waiting scans with its own token, clear its data (static/js/logout.js), go to login."""
    user_id = session.pop(SIGNED_OUT_KEY, None)
    if user_id is None or current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    response = make_response(render_template("auth/logout.html", user_id=user_id))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/users")
@requires("users.enroll")
@login_required
def list_users():
    """The accounts the user manages: everyone in an admin's area, a coordinator's volunteers."""
    ensure_can(current_user, "users.enroll")
    return render_template("auth/users.html", users=users_for(current_user))


@bp.route("/users/new", methods=["GET", "POST"])
@requires("users.enroll")
@login_required
def new_user():
    """Create an account with a role and a unit (admins; coordinators enrol volunteers)."""
    ensure_can(current_user, "users.enroll")
    form, errors = {"unit": current_user.unit.code, "must_change_password": "on"}, {}
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
    return render_template("auth/new_user.html", form=form, errors=errors, units=_account_units(),
                           roles=grantable_roles(current_user)), 422 if errors else 200


def _account_units():
    """The units an account may be given: the user's own and the communes under it (not villages)."""
    return [unit for unit in list_units_under(current_user.unit, include_self=True) if unit.level != UnitLevel.village]


def _no_store(page, status=200):
    """Keep a page that shows a reset link, or takes a password, out of every cache."""
    response = make_response(page, status)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/users/<int:account_id>", methods=["GET", "POST"])
@requires("users.enroll")
@login_required
def edit_user(account_id):
    """Change an account's name, e-mail, role and unit; reset its password."""
    account = get_account_for(current_user, account_id)
    operations.ensure_can_manage(current_user, account)
    form, errors = {"full_name": account.full_name or "", "email": account.email or "",
                    "role": account.role.value, "unit": account.unit.code}, {}
    if request.method == "POST":
        form = request.form
        try:
            changed = operations.update_user(account, load(UserUpdateSchema()), user=current_user)
            db.session.commit()
        except AppError as error:
            errors = refused(error)
        else:
            if changed:
                flash(_("The account %(name)s was saved.", name=account.username), "success")
            return redirect(url_for("auth.list_users"))
    return render_template("auth/edit_user.html", account=account, form=form, errors=errors, units=_account_units(),
                           roles=grantable_roles(current_user)), 422 if errors else 200


@bp.post("/users/<int:account_id>/password-reset")
@requires("users.enroll")
@login_required
def reset_user_password(account_id):
    """Make a one-time link for the user to choose a new password, and show it once."""
    account = get_account_for(current_user, account_id)
    code, reset = operations.reset_password(account, user=current_user)
    db.session.commit()
    # The public address (TRACKER_BASE_URL) when set, as for enrolment links: the person opens it elsewhere.
    link = external_url("auth.reset_password", code=code)
    return _no_store(render_template("auth/reset_made.html", account=account, link=link, code=code, reset=reset))


@bp.route("/reset/<code>", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["TRACKER_LOGIN_RATE_LIMIT"])
def reset_password(code):
    """Choose a new password through a reset link, once."""
    errors = {}
    try:
        reset = operations.reset_for_code(code)
        if request.method == "POST":
            try:
                operations.use_password_reset(code, load(NewPasswordSchema())["new_password"])
                db.session.commit()
            except InvalidInput as error:
                errors = refused(error)
            else:
                logout_user()
                flash(_("Your new password is set. Sign in with it."), "success")
                return redirect(url_for("auth.login"))
    except (NotFound, operations.ResetGone) as error:
        db.session.rollback()
        return _no_store(render_template("auth/reset_gone.html", status=error.status, message=error.message),
                         error.status)
    page = render_template("auth/reset_password.html", account=reset.user, code=code, errors=errors)
    return _no_store(page, 422 if errors else 200)


@bp.route("/account/password", methods=["GET", "POST"])
@requires(SIGNED_IN)
@login_required
def change_password():
    """Change one's own password: the current one, then the new one twice."""
    errors = {}
    if request.method == "POST":
        try:
            data = load(PasswordChangeSchema())
            operations.change_password(current_user, data["current_password"], data["new_password"],
                                       user=current_user)
            db.session.commit()
        except AppError as error:
            errors = refused(error)
        else:
            flash(_("Your password was changed."), "success")
            return redirect(url_for("campaigns.dashboard"))
    return _no_store(render_template("auth/change_password.html", errors=errors), 422 if errors else 200)


#: What a user who must change their password may still open.
PASSWORD_CHANGE_ENDPOINTS = {"auth.change_password", "auth.logout", "auth.signing_out", "auth.reset_password",
                             "core.set_language", "static"}


@bp.before_app_request
def require_password_change():
    """Keep a user whose password was reset (or chosen for them) on the password change page."""
    if request.endpoint in PASSWORD_CHANGE_ENDPOINTS or request.path.startswith("/api/"):
        return None
    if not (current_user.is_authenticated and current_user.must_change_password):
        return None
    message = _("Choose a new password before you go on.")
    if request.method != "GET" or wants_json():
        raise Forbidden(message, code="password_change_required")
    flash(message, "info")
    return redirect(url_for("auth.change_password"))


@bp.post("/users/<int:account_id>/active")
@requires("users.enroll")
@login_required
def set_active(account_id):
    """Deactivate or reactivate an account."""
    account = get_account_for(current_user, account_id)
    data = load(UserActiveFormSchema())
    operations.set_user_active(account, data["is_active"], user=current_user)
    db.session.commit()
    if data["is_active"]:
        flash(_("%(name)s can sign in again.", name=account.username), "success")
    else:
        flash(_("%(name)s can no longer sign in.", name=account.username), "success")
    return redirect(url_for("auth.list_users"))
