"""Writes to participants: registration one by one and from a sheet, never merging anyone."""
import marshmallow as ma
from flask_babel import gettext as _

from tracker.auth.access import can_see, ensure_can
from tracker.cards.tokens import new_code
from tracker.core.errors import InvalidInput
from tracker.core.time import utcnow
from tracker.events import operations as events
from tracker.extensions import db
from tracker.geo.models import UnitLevel
from tracker.geo.queries import get_units_by_codes
from tracker.participants.models import Participant
from tracker.participants.names import clean_name, fold_name
from tracker.participants.queries import existing_codes, find_matching_people, find_possible_duplicates
from tracker.participants.schemas import ParticipantRowSchema

#: Attempts at drawing an unused code (40 random bits: a clash is already rare).
CODE_ATTEMPTS = 10


def register_participant(data, *, user, capability="participants.register"):
    """Register a person in a village of ``user``'s scope; return ``(participant, possible duplicates)``.

    Likely duplicates (same folded name, birth year and village) are reported, never merged.
    A volunteer registering a walk-in at the door passes ``capability="checkins.record"``.
    """
    village = data["village"]
    if user is not None and not can_see(user, village):
        # The village is input, not the resource: say which field is wrong (as trainings do).
        raise InvalidInput(_("Some fields are not valid."), fields={"village": [_("This village is not in your area.")]})
    ensure_can(user, capability)
    _check_person(data, village)
    participant = _new_participant(data, village, user, code=_unused_code())
    duplicates = find_possible_duplicates(participant.search_name, participant.birth_year, village)
    db.session.add(participant)
    db.session.flush()
    _record(participant, duplicates, user)
    return participant, duplicates


def _check_person(data, village):
    """Refuse what the schema should already have refused, for callers without one."""
    errors = {}
    if village.level != UnitLevel.village:
        errors["village"] = [_("Choose a village.")]
    if data.get("consent") is not True:
        errors["consent"] = [_("The person must agree to their data being kept before they are registered.")]
    if not clean_name(data.get("full_name")):
        errors["full_name"] = [_("Enter the person's name.")]
    if errors:
        raise InvalidInput(_("Some fields are not valid."), fields=errors)


def _new_participant(data, village, user, *, code=None):
    full_name = clean_name(data["full_name"])
    return Participant(
        code=code, full_name=full_name, search_name=fold_name(full_name)[:200],
        birth_year=data["birth_year"], gender=data["gender"], ethnicity=clean_name(data["ethnicity"]),
        village=village, phone=data.get("phone"), consent=True, consent_at=utcnow(),
        registered_by_id=user.id if user is not None else None,
    )


def _unused_code():
    """Draw codes until one is not stored yet."""
    return _unused_codes(1).pop()


def _unused_codes(count):
    """Return ``count`` distinct codes that no stored participant has."""
    codes = set()
    for _attempt in range(CODE_ATTEMPTS):
        fresh = set()
        while len(codes) + len(fresh) < count:
            fresh.add(new_code())
        codes |= fresh - existing_codes(fresh) - codes
        if len(codes) == count:
            return codes
    raise RuntimeError("no unused participant code found")


def _record(participant, duplicates, user, *, flush=True, **extra):
    """Record the registration: codes and ids only, nothing personal."""
    payload = {"code": participant.code, "village": participant.village.code,
               "possible_duplicates": [person.id for person in duplicates], **extra}
    events.record("participant.registered", participant, payload, user=user, unit=participant.village, flush=flush)


# Import ---------------------------------------------------------------------------------------

def import_participants(rows, *, user):
    """Register the people of a sheet; all valid rows or none. Return ``{"created", "skipped"}``.

    ``rows`` are ``(line, {column: value})`` pairs. A row that looks like a stored participant or
    an earlier row (same folded name, birth year and village) is skipped and reported, not merged.
    """
    ensure_can(user, "participants.register")
    people = _load_rows(rows)
    villages = _resolve_villages(people, user)
    stored = find_matching_people({_key(person, villages) for person in people})
    created, skipped, first_line = [], [], {}
    for person in people:
        key = _key(person, villages)
        if key in stored or key in first_line:
            skipped.append(_skipped(person, stored.get(key), first_line.get(key)))
            continue
        first_line[key] = person["line"]
        created.append(_new_participant(person, villages[person["village"]], user))
    _store(created, user)
    return {"created": len(created), "skipped": skipped}


def _load_rows(rows):
    """Validate every row with the row schema, reporting errors by line."""
    rows = list(rows)
    try:
        people = ParticipantRowSchema(many=True).load([row for _line, row in rows], unknown=ma.EXCLUDE)
    except ma.ValidationError as exc:
        fields = {f"line {rows[index][0]}": messages for index, messages in exc.messages.items()}
        raise InvalidInput(_("Some rows are not valid; nothing was imported."), fields=fields) from None
    for (line, _row), person in zip(rows, people):
        person["line"] = line
    return people


def _resolve_villages(people, user):
    """Return ``{code: village}`` for the file's village codes, or refuse the file by line."""
    villages = get_units_by_codes({person["village"] for person in people})
    errors = {}
    for person in people:
        village = villages.get(person["village"])
        if village is None or not can_see(user, village):
            errors[f"line {person['line']}"] = {"village": [_("Unknown village code in your area: %(code)s.",
                                                                code=person["village"])]}
        elif village.level != UnitLevel.village:
            errors[f"line {person['line']}"] = {"village": [_("%(code)s is not a village.", code=village.code)]}
    if errors:
        raise InvalidInput(_("Some rows are not valid; nothing was imported."), fields=errors)
    return villages


def _key(person, villages):
    return fold_name(person["full_name"])[:200], person["birth_year"], villages[person["village"]].id


def _skipped(person, duplicate_of, duplicate_of_line):
    return {"line": person["line"], "full_name": person["full_name"], "birth_year": person["birth_year"],
            "village": person["village"], "duplicate_of_line": duplicate_of_line,
            "duplicate_of": duplicate_of}


def _store(created, user):
    """Give each new participant an unused code, write them all, then record their events."""
    for participant, code in zip(created, _unused_codes(len(created))):
        participant.code = code
    db.session.add_all(created)
    db.session.flush()
    for participant in created:
        _record(participant, [], user, flush=False, imported=True)
    db.session.flush()
