"""Writes about users and tokens, and checking credentials."""
import functools
import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from werkzeug.security import check_password_hash, generate_password_hash

from tracker.auth.access import can_see, ensure_can, grantable_roles
from tracker.auth.models import ApiToken, PasswordReset, User
from tracker.core.errors import AppError, Conflict, Forbidden, InvalidInput, NotFound
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
                    full_name=data.get("full_name"), email=data.get("email"),
                    must_change_password=data.get("must_change_password", False))
    new_user.set_password(data["password"])
    db.session.add(new_user)
    db.session.flush()
    payload = {"username": new_user.username, "role": new_user.role.value, "unit": new_user.unit.code}
    events.record("user.created", new_user, payload, user=user, unit=new_user.unit)
    return new_user


#: How long a password reset link works.
RESET_LIFETIME = timedelta(hours=24)
#: The fields of an account that ``update_user`` changes.
EDITABLE_FIELDS = ("full_name", "email", "role", "unit")


class ResetGone(AppError):
    """The reset link was used (or replaced by a newer one) or expired: it will not work again."""

    status = 410
    code = "reset_gone"


def ensure_can_manage(user, account):
    """Raise 404 for an account outside ``user``'s area, 403 unless ``user`` may give its role."""
    ensure_can(user, "users.enroll", account.unit)
    if account.role not in grantable_roles(user):
        raise Forbidden(_("Your role does not allow this."))


def update_user(account, data, *, user):
    """Change an account's full name, e-mail, role and unit, within what ``user`` may give."""
    ensure_can_manage(user, account)
    fields = {}
    if data["role"] not in grantable_roles(user):
        fields["role"] = [_("You may not give this role.")]
    elif account.id == user.id and data["role"] != account.role:
        fields["role"] = [_("You cannot change your own role.")]
    if not can_see(user, data["unit"]):
        fields["unit"] = [_("This unit is not in your area.")]
    elif account.id == user.id and data["unit"] != account.unit:
        fields["unit"] = [_("You cannot move your own account to another unit.")]
    if fields:
        raise InvalidInput(_("Some fields are not valid."), fields=fields)
    changed = [name for name in EDITABLE_FIELDS if getattr(account, name) != data[name]]
    for name in changed:
        setattr(account, name, data[name])
    if changed:
        db.session.flush()
        # Names of the fields only: the values are personal data or visible on the account.
        events.record("user.updated", account, {"user_id": account.id, "fields": changed},
                      user=user, unit=account.unit)
    return changed


def reset_password(account, *, user, now=None):
    """Make a one-time link for ``account`` to choose a new password; return ``(code, PasswordReset)``.

    Only the code's hash is stored. The old password stops working at once and the user must
    choose a new one; earlier links of the account stop working; their API tokens are revoked.
    """
    ensure_can_manage(user, account)
    if account.id == user.id:
        raise Conflict(_("Change your own password on your account page."))
    if account.enrolled_via_id is not None:
        raise Conflict(_("This volunteer enrolled by QR and signs in without a password."))
    now = now or utcnow()
    db.session.execute(sa.update(PasswordReset).where(PasswordReset.user_id == account.id,
                                                      PasswordReset.used_at.is_(None)).values(used_at=now))
    db.session.execute(sa.delete(ApiToken).where(ApiToken.user_id == account.id))
    code = secrets.token_urlsafe(24)
    reset = PasswordReset(user=account, created_by=user, token_hash=PasswordReset.hash(code), created_at=now,
                          expires_at=now + RESET_LIFETIME)
    # Whoever held the old password (a leak is a reason to reset) can no longer sign in with it.
    account.set_password(secrets.token_urlsafe(32))
    account.must_change_password = True
    db.session.add(reset)
    db.session.flush()
    events.record("user.password_reset", account, {"user_id": account.id, "reset_id": reset.id},
                  user=user, unit=account.unit)
    return code, reset


def reset_for_code(code, *, now=None):
    """Return the usable reset of ``code``; raise 404 if none has it, 410 if it was used or expired."""
    reset = db.session.scalar(
        sa.select(PasswordReset).where(PasswordReset.token_hash == PasswordReset.hash(code))
    ) if len(code) <= 100 else None
    if reset is None:
        raise NotFound(_("This password reset link does not exist. Check that you copied all of it."))
    if reset.used_at is not None:
        raise ResetGone(_("This password reset link was already used, or a newer one was made."))
    if not reset.is_usable(now):
        raise ResetGone(_("This password reset link has expired."))
    if not reset.user.has_access(now):
        raise ResetGone(_("This account is deactivated."))
    return reset


def use_password_reset(code, new_password, *, now=None):
    """Set the password of the reset link's user, once; return the user."""
    now = now or utcnow()
    reset = reset_for_code(code, now=now)
    # Only one request may use the link: the conditional update fails for the second.
    taken = db.session.execute(sa.update(PasswordReset).where(PasswordReset.id == reset.id,
                                                              PasswordReset.used_at.is_(None)).values(used_at=now))
    if taken.rowcount != 1:
        raise ResetGone(_("This password reset link was already used, or a newer one was made."))
    account = reset.user
    _set_new_password(account, new_password, via="reset")
    return account


def change_password(account, current_password, new_password, *, user):
    """Change ``user``'s own password after checking the current one."""
    if account.id != user.id:
        raise Forbidden(_("Your role does not allow this."))
    if not account.check_password(current_password):
        raise InvalidInput(_("Some fields are not valid."),
                           fields={"current_password": [_("This is not your current password.")]})
    if current_password == new_password:
        raise InvalidInput(_("Some fields are not valid."),
                           fields={"new_password": [_("Choose a password different from the current one.")]})
    _set_new_password(account, new_password, via="account")
    return account


def _set_new_password(account, new_password, *, via):
    """Store the new password, lift the must-change flag and record the change."""
    account.set_password(new_password)
    account.must_change_password = False
    db.session.flush()
    events.record("user.password_changed", account, {"user_id": account.id, "via": via},
                  user=account, unit=account.unit)


def set_user_active(account, is_active, *, user, now=None):
    """Deactivate or reactivate an account: a deactivated one can neither sign in nor use its tokens."""
    ensure_can_manage(user, account)
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


@functools.cache
def _token_lookup():
    """The token, its user and the user's scope unit in one query; built once, as every API request runs it."""
    return (sa.select(ApiToken).where(ApiToken.token_hash == sa.bindparam("token_hash"))
            .options(sa.orm.joinedload(ApiToken.user).joinedload(User.unit)))


def user_for_token(token, *, now=None):
    """Return the user a valid, unexpired token belongs to if their access holds, or None."""
    record = db.session.scalar(_token_lookup(), {"token_hash": ApiToken.hash(token)})
    now = now or utcnow()
    if record is None or record.expires_at <= now or not record.user.has_access(now):
        return None
    return record.user


def purge_expired_tokens(*, now=None):
    """Delete expired API tokens; return how many."""
    result = db.session.execute(sa.delete(ApiToken).where(ApiToken.expires_at <= (now or utcnow())))
    return result.rowcount
