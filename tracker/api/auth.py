"""``/api/v1/auth``: API tokens."""
from flask import current_app
from flask_babel import gettext as _

from tracker.api.common import password_change_required, protect
from tracker.auth import operations
from tracker.auth.schemas import TokenCreateSchema, TokenSchema
from tracker.core.args import Blueprint
from tracker.core.errors import AppError
from tracker.extensions import db, limiter

bp = protect(Blueprint("api_auth", __name__, url_prefix="/api/v1/auth", description="API tokens"))


@bp.post("/tokens")
@limiter.limit(lambda: current_app.config["TRACKER_LOGIN_RATE_LIMIT"])
@bp.arguments(TokenCreateSchema)
@bp.response(201, TokenSchema)
@bp.alt_response(401, description="Wrong username or password (`invalid_credentials`).")
@bp.alt_response(403, description="The user must first choose a new password on the website (`password_change_required`).")
@bp.doc(security=[])
def create_token(data):
    """Exchange a username and password for a bearer token."""
    user = operations.authenticate(data["username"], data["password"])
    if user is None:
        raise AppError(_("Wrong username or password."), code="invalid_credentials", status=401)
    if user.must_change_password:
        raise password_change_required()
    token, record = operations.issue_token(user)
    db.session.commit()
    return {"token": token, "expires_at": record.expires_at}
