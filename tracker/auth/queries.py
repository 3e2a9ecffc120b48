"""Reads of user accounts, scoped by the reader's unit."""
import sqlalchemy as sa

from tracker.auth.access import ensure_can, scope_filter
from tracker.auth.models import User
from tracker.extensions import db
from tracker.geo.models import Unit


def users_for(user):
    """Return the users whose unit lies in ``user``'s scope, by unit then username."""
    ensure_can(user, "users.manage")
    return db.session.scalars(
        sa.select(User).join(User.unit).where(scope_filter(user, Unit))
        .options(sa.orm.contains_eager(User.unit)).order_by(Unit.path, User.username)
    ).all()
