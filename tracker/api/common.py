"""What every API blueprint shares: bearer-token authentication."""
from flask import g, request
from flask_babel import gettext as _

from tracker.auth.operations import user_for_token
from tracker.core.errors import AppError

#: Endpoints reachable without a token.
PUBLIC_ENDPOINTS = {"api_auth.create_token"}


def authenticate_bearer():
    """Sign the request in from its ``Authorization: Bearer`` token, or refuse it with 401."""
    if request.endpoint in PUBLIC_ENDPOINTS or request.method == "OPTIONS":
        return
    header = request.headers.get("Authorization", "")
    scheme, _sep, token = header.partition(" ")
    user = user_for_token(token.strip()) if scheme.lower() == "bearer" and token.strip() else None
    if user is None:
        raise AppError(_("A valid bearer token is required."), code="unauthorized", status=401)
    if user.must_change_password:
        raise password_change_required()
    # Flask-Login reads the request's user from here; setting it (rather than login_user)
    # keeps API calls out of the cookie session.
    g._login_user = user


def password_change_required():
    """The refusal for a user who must choose a new password (on the website) before anything else."""
    return AppError(_("Choose a new password on the website first, then ask for a new token."),
                    code="password_change_required", status=403)


def protect(bp):
    """Require a bearer token on every endpoint of ``bp`` except the public ones."""
    bp.before_request(authenticate_bearer)
    return bp
