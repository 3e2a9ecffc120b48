"""Reads of user accounts, scoped by the reader's unit."""
import sqlalchemy as sa
from flask_babel import gettext as _

from tracker.auth.access import ensure_can, ensure_visible, grantable_roles, scope_filter
from tracker.auth.models import User
from tracker.core.errors import NotFound
from tracker.extensions import db
from tracker.geo.models import Unit


def users_for(user):
    """Return the accounts ``user`` manages (in scope, of roles they may give), by unit and name."""
    ensure_can(user, "users.enroll")
    return db.session.scalars(
        sa.select(User).join(User.unit)
        .where(scope_filter(user, Unit), User.role.in_(grantable_roles(user)))
        .options(sa.orm.contains_eager(User.unit)).order_by(Unit.path, User.username)
    ).all()


def get_account_for(user, account_id):
    """Return the account with ``account_id`` if it lies in ``user``'s scope; raise 404 otherwise."""
    account = db.session.get(User, account_id)
    if account is None:
        raise NotFound(_("Not found."))
    ensure_visible(user, account.unit)
    return account


def user_by_username(username):
    """Return the user called ``username``, or None (the audit trail's actor filter)."""
    return db.session.scalar(sa.select(User).where(User.username == username))
