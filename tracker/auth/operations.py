"""Writes about users and tokens, and checking credentials."""
import functools
import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from werkzeug.security import check_password_hash, generate_password_hash

from tracker.auth.access import can_see, ensure_can, grantable_roles
from tracker.auth.models import ApiToken, User
from tracker.core.errors import Conflict, Forbidden, InvalidInput
from tracker.core.time import utcnow
from tracker.events import operations as events
from tracker.extensions import db


@functools.cache
def _dummy_hash():
    """A hash to check against when the username is unknown, so both cases take as long."""
    return generate_password_hash(secrets.token_hex(8))


def create_user(data, *, user):
    """Create a user with a role and a scope unit (``user`` None: from the command line)."""
    if user is not None:
        ensure_can(user, "users.enroll")
        fields = {}
        if data["role"] not in grantable_roles(user):
            fields["role"] = [_("You may not give this role.")]
        if not can_see(user, data["unit"]):
            fields["unit"] = [_("This unit is not in your area.")]
        if fields:
            raise InvalidInput(_("Some fields are not valid."), fields=fields)
    if db.session.scalar(sa.select(User.id).where(User.username == data["username"])):
        raise Conflict(_("The username %(name)s is taken.", name=data["username"]),
                       fields={"username": [_("Already taken.")]})
    new_user = User(username=data["username"], role=data["role"], unit=data["unit"],
                    full_name=data.get("full_name"), email=data.get("email"))
    new_user.set_password(data["password"])
    db.session.add(new_user)
    db.session.flush()
    payload = {"username": new_user.username, "role": new_user.role.value, "unit": new_user.unit.code}
    events.record("user.created", new_user, payload, user=user, unit=new_user.unit)
    return new_user


def set_user_active(account, is_active, *, user, now=None):
    """Deactivate or reactivate an account: a deactivated one can neither sign in nor use its tokens."""
    ensure_can(user, "users.enroll", account.unit)
    if account.role not in grantable_roles(user):
        raise Forbidden(_("Your role does not allow this."))
    if account.id == user.id:
        raise Conflict(_("You cannot deactivate your own account."))
    if account.is_active == is_active:
        return account
    if is_active and not account.has_access(now) and account.access_until is not None:
        raise Conflict(_("This volunteer's days of access are over: they enrol again through a new enrolment QR."))
    account.is_active = is_active
    db.session.flush()
    events.record("user.reactivated" if is_active else "user.deactivated", account,
                  {"username": account.username}, user=user, unit=account.unit)
    return account


def authenticate(username, password):
    """Return the active user with these credentials, or None."""
    user = db.session.scalar(sa.select(User).where(User.username == username))
    if user is None:
        check_password_hash(_dummy_hash(), password)
        return None
    if not user.check_password(password) or not user.has_access():
        return None
    return user


def issue_token(user, *, now=None):
    """Create an API token for ``user``; return ``(token, ApiToken)``. Only the hash is stored."""
    token = secrets.token_urlsafe(32)
    lifetime = timedelta(seconds=current_app.config["TRACKER_TOKEN_TTL"])
    # An enrolled volunteer's token ends with their access.
    expires_at = min(filter(None, [(now or utcnow()) + lifetime, user.access_until]))
    record = ApiToken(user=user, token_hash=ApiToken.hash(token), expires_at=expires_at)
    db.session.add(record)
    db.session.flush()
    return token, record


def user_for_token(token, *, now=None):
    """Return the user a valid, unexpired token belongs to if their access holds, or None."""
    # One query for the token, its user and the user's scope unit: every API request runs it.
    record = db.session.scalar(
        sa.select(ApiToken).where(ApiToken.token_hash == ApiToken.hash(token))
        .options(sa.orm.joinedload(ApiToken.user).joinedload(User.unit))
    )
    now = now or utcnow()
    if record is None or record.expires_at <= now or not record.user.has_access(now):
        return None
    return record.user


def purge_expired_tokens(*, now=None):
    """Delete expired API tokens; return how many."""
    result = db.session.execute(sa.delete(ApiToken).where(ApiToken.expires_at <= (now or utcnow())))
    return result.rowcount
