"""Who receives a unit's digest by e-mail: admins manage the addresses, users subscribe themselves.

Recipients belong to a province or a commune, the units that get a digest. Every change records
an event whose payload holds ids and the unit's code only: an address is a person's data.
"""
import sqlalchemy as sa
from flask_babel import gettext as _

from tracker.auth.access import ensure_can, scope_filter
from tracker.auth.models import User
from tracker.core.errors import Forbidden, InvalidInput, NotFound
from tracker.digests.models import DigestEmail, DigestRecipient, EmailStatus
from tracker.events import operations as events
from tracker.extensions import db
from tracker.geo.models import Unit, UnitLevel
from tracker.geo.queries import get_unit

#: The units that get a digest, and so may have recipients.
DIGEST_LEVELS = (UnitLevel.province, UnitLevel.commune)


# Queries -------------------------------------------------------------------------------------

def get_recipient_unit_for(user, code, capability="digests.recipients"):
    """Return the unit ``code`` if ``user`` may manage its recipients (404 out of scope, 403 by role)."""
    unit = get_unit(code)
    if unit is None or unit.level not in DIGEST_LEVELS:
        raise NotFound(_("Unit not found."))
    ensure_can(user, capability, unit)
    return unit


def list_recipients(unit):
    """Return the unit's recipients, active ones first, by address."""
    return db.session.scalars(
        sa.select(DigestRecipient).where(DigestRecipient.unit_id == unit.id)
        .options(sa.orm.selectinload(DigestRecipient.user))
        .order_by(DigestRecipient.is_active.desc(), DigestRecipient.email)
    ).all()


def recipient_units(user):
    """Return ``[(unit, active recipients)]`` for the province and communes in ``user``'s area."""
    counts = (sa.select(DigestRecipient.unit_id, sa.func.count(DigestRecipient.id).label("n"))
              .where(DigestRecipient.is_active).group_by(DigestRecipient.unit_id).subquery())
    return db.session.execute(
        sa.select(Unit, sa.func.coalesce(counts.c.n, 0)).outerjoin(counts, counts.c.unit_id == Unit.id)
        .where(scope_filter(user, Unit), Unit.level.in_(DIGEST_LEVELS)).order_by(Unit.path)
    ).all()


def get_recipient_for(user, recipient_id):
    """Return the recipient if ``user`` may manage it (404 when missing or out of scope, 403 by role)."""
    recipient = db.session.scalar(
        sa.select(DigestRecipient).join(Unit, Unit.id == DigestRecipient.unit_id)
        .where(DigestRecipient.id == recipient_id, scope_filter(user, Unit))
    )
    if recipient is None:
        raise NotFound(_("Not found."))
    ensure_can(user, "digests.recipients", recipient.unit)
    return recipient


def get_subscription(user, unit):
    """Return ``user``'s own subscription to ``unit``'s digest (active or not), or None."""
    return db.session.scalar(
        sa.select(DigestRecipient).where(DigestRecipient.unit_id == unit.id, DigestRecipient.user_id == user.id)
    )


def active_recipients(unit_ids):
    """Return ``[(recipient, address)]`` of the active recipients of ``unit_ids``.

    A subscribed account's address follows the account; an inactive account or one without an
    address receives nothing.
    """
    rows = db.session.execute(
        sa.select(DigestRecipient, User.email, User.is_active)
        .outerjoin(User, User.id == DigestRecipient.user_id)
        .where(DigestRecipient.unit_id.in_(list(unit_ids)), DigestRecipient.is_active)
        .order_by(DigestRecipient.id)
    ).all()
    found = []
    for recipient, user_email, user_active in rows:
        if recipient.user_id is None:
            found.append((recipient, recipient.email))
        elif user_active and user_email:
            found.append((recipient, normalise_email(user_email)))
    return found


def normalise_email(address):
    """Return the form an address is stored and compared in: trimmed, lower case."""
    return address.strip().lower()


# Operations (an admin's) ---------------------------------------------------------------------

def add_recipient(unit, data, *, user):
    """Add an address to ``unit``'s recipients (or switch a removed-from-delivery one back on)."""
    ensure_can(user, "digests.recipients", unit)
    email = normalise_email(data["email"])
    recipient = _find(unit, email)
    if recipient is not None and recipient.is_active:
        raise InvalidInput(_("Some fields are not valid."),
                           fields={"email": [_("This address already receives the digest of this unit.")]})
    recipient = recipient or DigestRecipient(unit=unit, email=email)
    recipient.name, recipient.language, recipient.is_active = data.get("name"), data["language"], True
    _insert(recipient)
    _record("digest_recipient.added", recipient, user)
    return recipient


def set_recipient_active(recipient, is_active, *, user):
    """Pause or resume sending to a recipient; pausing drops the e-mails still waiting for it."""
    ensure_can(user, "digests.recipients", recipient.unit)
    if recipient.is_active == is_active:
        return recipient
    recipient.is_active = is_active
    if not is_active:
        _drop_queued(recipient)
    db.session.flush()
    _record("digest_recipient.reactivated" if is_active else "digest_recipient.deactivated", recipient, user)
    return recipient


def remove_recipient(recipient, *, user):
    """Remove a recipient, its address and its e-mail history."""
    ensure_can(user, "digests.recipients", recipient.unit)
    _record("digest_recipient.removed", recipient, user)
    db.session.execute(sa.delete(DigestEmail).where(DigestEmail.recipient_id == recipient.id))
    db.session.delete(recipient)
    db.session.flush()


# Operations (a user's own) -------------------------------------------------------------------

def subscribe(user, unit, *, language):
    """Subscribe ``user`` to the digest of their own unit, at their account's address."""
    _ensure_own_unit(user, unit)
    if not user.email:
        raise InvalidInput(_("Your account has no e-mail address. Ask an administrator to add one."))
    recipient = get_subscription(user, unit) or _find(unit, normalise_email(user.email))
    if recipient is not None and recipient.is_active and recipient.user_id == user.id:
        return recipient
    if recipient is None:
        recipient = DigestRecipient(unit=unit)
    recipient.user_id, recipient.language, recipient.is_active = user.id, language, True
    recipient.email, recipient.name = normalise_email(user.email), user.full_name
    _insert(recipient)
    _record("digest_recipient.subscribed", recipient, user)
    return recipient


def unsubscribe(user, unit):
    """Stop sending ``unit``'s digest to ``user``; the e-mails still waiting for them are dropped."""
    _ensure_own_unit(user, unit)
    recipient = get_subscription(user, unit)
    if recipient is None or not recipient.is_active:
        return recipient
    recipient.is_active = False
    _drop_queued(recipient)
    db.session.flush()
    _record("digest_recipient.unsubscribed", recipient, user)
    return recipient


def _ensure_own_unit(user, unit):
    """Users subscribe to their own unit's digest only (another unit in scope: 403)."""
    ensure_can(user, "digests.subscribe", unit)
    if unit.id != user.unit_id or unit.level not in DIGEST_LEVELS:
        raise Forbidden(_("You can subscribe to the digest of your own unit only."))


def _find(unit, email):
    return db.session.scalar(
        sa.select(DigestRecipient).where(DigestRecipient.unit_id == unit.id, DigestRecipient.email == email)
    )


def _insert(recipient):
    """Store a recipient; an address that another row of the unit holds (added at the same moment,
    or an account's changed address) is refused cleanly instead of failing the request."""
    try:
        with db.session.begin_nested():
            db.session.add(recipient)
            db.session.flush()
    except sa.exc.IntegrityError:
        raise InvalidInput(_("Some fields are not valid."),
                           fields={"email": [_("This address already receives the digest of this unit.")]}) from None
    return recipient


def _drop_queued(recipient):
    """Forget the e-mails never sent to a recipient who no longer wants them (sent and failed stay)."""
    db.session.execute(sa.delete(DigestEmail).where(
        DigestEmail.recipient_id == recipient.id, DigestEmail.status == EmailStatus.queued))


def _record(type_, recipient, user):
    payload = {"unit": recipient.unit.code, "recipient_id": recipient.id, "user_id": recipient.user_id}
    events.record(type_, recipient, payload, user=user, unit=recipient.unit)
