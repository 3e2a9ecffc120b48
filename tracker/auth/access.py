"""Who may do what, where: the four roles and unit scope, enforced in this one place.

A user sees their scope unit and everything under it. Outside it a resource answers 404 (it
does not exist for them); inside it, an action their role does not allow answers 403.
"""
from flask_babel import gettext as _

from tracker.auth.models import Role
from tracker.core.errors import Forbidden, NotFound

#: Capabilities by role. Views, API handlers and operations name a capability, never a role.
CAPABILITIES = {
    "units.import": {Role.admin},
    "campaigns.manage": {Role.admin},
    "users.enroll": {Role.admin, Role.coordinator},
    "events.read": {Role.admin, Role.committee, Role.coordinator},
    "audit.read": {Role.admin},
    "progress.read": {Role.admin, Role.committee, Role.coordinator},
    "trainings.read": {Role.admin, Role.committee, Role.coordinator, Role.volunteer},
    "trainings.manage": {Role.admin, Role.coordinator},
    # Participants' personal data: the people who register them and print their cards.
    "participants.read": {Role.admin, Role.coordinator},
    "participants.register": {Role.admin, Role.coordinator},
    # Scanning at the door (volunteers register walk-ins through the check-in capability).
    "checkins.record": {Role.admin, Role.coordinator, Role.volunteer},
    "checkins.read": {Role.admin, Role.coordinator, Role.volunteer},
    "checkins.void": {Role.admin, Role.coordinator},
    # Accepting or discarding what a revoked volunteer's phone handed over.
    "checkins.review": {Role.admin, Role.coordinator},
    # Undoing one's own scan just made (checkins.operations.UNDO_WINDOW); checkins.void undoes any.
    "checkins.undo_own": {Role.admin, Role.coordinator, Role.volunteer},
    "outcomes.manage": {Role.admin},
    "outcomes.record": {Role.admin, Role.coordinator, Role.volunteer},
    # The daily digest: read by everyone who follows progress; compiled on demand by those who run it.
    "digests.read": {Role.admin, Role.committee, Role.coordinator},
    "digests.compile": {Role.admin, Role.coordinator},
    # Who receives it: admins manage every address; anyone who reads it may subscribe themselves.
    "digests.recipients": {Role.admin},
    "digests.subscribe": {Role.admin, Role.committee, Role.coordinator},
    # Webhook subscriptions carry every event of the area to another system: admins only.
    "webhooks.manage": {Role.admin},
}


#: The roles each role may give to the accounts it creates: coordinators enrol volunteers.
GRANTABLE_ROLES = {
    Role.admin: tuple(Role),
    Role.coordinator: (Role.volunteer,),
}


#: Declared by a view any signed-in user may open, whatever their role (its answer may still depend on it).
SIGNED_IN = "signed_in"


def requires(*capabilities, **by_method):
    """Declare the capabilities a view needs (all of them), or ``SIGNED_IN``; ``by_method`` names others
    for one method: ``@requires("progress.read", POST="campaigns.manage")``.

    Only a declaration: the view and its operations check the capability where they know the unit
    (404 out of scope first, then 403). tests/auth/test_url_map_matrix.py reads it to check every
    route against the table above, and fails on a route that declares nothing.
    """
    declared = {"*": capabilities} | {method.upper(): (names,) if isinstance(names, str) else tuple(names)
                                      for method, names in by_method.items()}
    unknown = {name for names in declared.values() for name in names
               if name != SIGNED_IN and name not in CAPABILITIES}
    if unknown or not all(declared.values()):
        raise ValueError(f"Unknown or no capability: {sorted(unknown)}")

    def declare(view):
        view.required_capabilities = declared
        return view
    return declare


def required_capabilities(view, method):
    """Return what ``view`` declared for ``method`` (capabilities, or ``(SIGNED_IN,)``), or None."""
    while getattr(view, "required_capabilities", None) is None and hasattr(view, "__wrapped__"):
        view = view.__wrapped__
    declared = getattr(view, "required_capabilities", None)
    return None if declared is None else declared.get(method.upper(), declared["*"])


def grantable_roles(user):
    """Return the roles ``user`` may give to new accounts (and manage accounts of)."""
    return GRANTABLE_ROLES.get(user.role, ())


def can(user, capability):
    """Tell whether ``user``'s role grants ``capability``."""
    return bool(user and user.is_authenticated and user.role in CAPABILITIES[capability])


def can_see(user, unit):
    """Tell whether ``unit`` lies in ``user``'s scope."""
    return unit is not None and unit.is_within(user.unit)


def overlaps(user, unit):
    """Tell whether ``unit`` is in ``user``'s scope or contains it (e.g. the campaign's province)."""
    return can_see(user, unit) or user.unit.is_within(unit)


def ensure_visible(user, unit, *, overlapping=False):
    """Raise 404 unless ``unit`` is in scope (or, with ``overlapping``, contains the scope)."""
    visible = overlaps(user, unit) if overlapping else can_see(user, unit)
    if not visible:
        raise NotFound(_("Not found."))


def ensure_can(user, capability, unit=None, *, overlapping=False):
    """Raise 404 for a unit out of scope, then 403 unless the role grants ``capability``."""
    if unit is not None:
        ensure_visible(user, unit, overlapping=overlapping)
    if not can(user, capability):
        raise Forbidden(_("Your role does not allow this."))


def scope_filter(user, unit_entity):
    """Return a SQL condition keeping rows whose ``unit_entity`` lies in ``user``'s scope."""
    return unit_entity.path.startswith(user.unit.path, autoescape=True)
