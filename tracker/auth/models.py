"""Users, their API tokens, and the enrolment links that make volunteer accounts."""
import enum
import hashlib
from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from tracker.core.db import str_enum
from tracker.core.time import utcnow
from tracker.extensions import db
from tracker.geo.models import Unit


class Role(enum.StrEnum):
    admin = "admin"
    committee = "committee"
    coordinator = "coordinator"
    volunteer = "volunteer"


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(80), unique=True)
    full_name: Mapped[str | None] = mapped_column(sa.String(200))
    email: Mapped[str | None] = mapped_column(sa.String(254))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    role: Mapped[Role] = mapped_column(str_enum(Role, "user_role"))
    #: The unit the user sees and acts in, with everything under it.
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id", ondelete="RESTRICT"), index=True)
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: A volunteer who enrolled through a coordinator's link (no password), or None.
    enrolled_via_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("enrolments.id", ondelete="SET NULL", use_alter=True), index=True)
    #: The account works until this instant (an enrolled volunteer's days); None: no end.
    access_until: Mapped[datetime | None]
    phone: Mapped[str | None] = mapped_column(sa.String(20))
    #: Set when an admin or coordinator reset the password (or chose it): every page but the
    #: password change, and every API token, is refused until the user sets a password of their own.
    must_change_password: Mapped[bool] = mapped_column(default=False, server_default=sa.false())

    unit: Mapped[Unit] = relationship()
    enrolled_via: Mapped["Enrolment | None"] = relationship(foreign_keys=[enrolled_via_id])

    def set_password(self, password):
        """Store a salted hash of ``password``."""
        self.password_hash = generate_password_hash(password)

    def check_password(self, password):
        """Tell whether ``password`` matches the stored hash."""
        return check_password_hash(self.password_hash, password)

    def has_access(self, now=None):
        """Tell whether the account may act at ``now``: active, and its days (if any) not over."""
        return self.is_active and (self.access_until is None or self.access_until > (now or utcnow()))

    @property
    def display_name(self):
        return self.full_name or self.username

    def __repr__(self):
        return f"<User {self.username} {self.role}>"


class ApiToken(db.Model):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: SHA-256 of the token; the token itself is shown once and never stored.
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)

    user: Mapped[User] = relationship()

    @staticmethod
    def hash(token):
        """Return the stored form of ``token``."""
        return hashlib.sha256(token.encode()).hexdigest()


class PasswordReset(db.Model):
    """A one-time link through which a user chooses a new password, made by an admin or coordinator."""

    __tablename__ = "password_resets"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    #: SHA-256 of the link's code; the code itself is shown once to whoever made it, never stored.
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    #: When the link was used, or superseded by a newer one: it never works again.
    used_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])

    hash = staticmethod(ApiToken.hash)

    def is_usable(self, now=None):
        """Tell whether the link may still set a password at ``now``."""
        return self.used_at is None and self.expires_at > (now or utcnow())

    def __repr__(self):
        return f"<PasswordReset {self.id} {self.user_id}>"


class Enrolment(db.Model):
    """A link (shown as a QR code) through which volunteers join a commune without an account."""

    __tablename__ = "enrolments"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The commune the volunteers who enrol will scan for.
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id", ondelete="RESTRICT"), index=True)
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    #: SHA-256 of the link's token; the token itself is only in the link.
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: The link works until then; the volunteers who used it keep their own ``access_until``.
    expires_at: Mapped[datetime]
    #: How many days the scanner of each volunteer who enrols works.
    access_days: Mapped[int]
    #: When the coordinator closed the link before it expired.
    closed_at: Mapped[datetime | None]

    unit: Mapped[Unit] = relationship()
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])

    hash = staticmethod(ApiToken.hash)

    def is_open(self, now=None):
        """Tell whether volunteers may still enrol through this link at ``now``."""
        return self.closed_at is None and self.expires_at > (now or utcnow())

    def __repr__(self):
        return f"<Enrolment {self.id} {self.unit_id}>"
