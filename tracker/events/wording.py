"""The audit trail in words: an event's title, who did it, where, about what, and its payload named.

Payloads hold codes and ids only; the names they stand for are read here, in bulk for a whole
page (one query per kind: users, units, trainings, participants, campaigns), never row by row.
A participant is shown by code alone: the audit trail carries no personal data, and the code
links to the person's page only for readers whose role may open it (``participants.read``).
An event type or a payload key this module does not know still reads: its raw type and keys.
"""
from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa
from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from tracker.auth.access import can
from tracker.auth.models import User
from tracker.campaigns.models import Campaign
from tracker.checkins.models import HELD_STATUS_LABELS
from tracker.core.templating import (
    EVENT_LABELS,
    FIELD_LABELS,
    LEVEL_LABELS,
    ROLE_LABELS,
    STATUS_LABELS,
    day,
    local_datetime,
    number,
)
from tracker.extensions import db
from tracker.geo.models import Unit
from tracker.participants.models import GENDER_LABELS, Participant
from tracker.trainings.models import Training

#: Payload keys named for the audit trail, besides (and before) the shared ``FIELD_LABELS``.
AUDIT_FIELD_LABELS = FIELD_LABELS | {
    "previous_status": _l("Status before"), "status": _l("Status"), "gender": _l("Gender"),
    "level": _l("Level"), "kind": _l("What was held"), "possible_duplicates": _l("Possibly the same as"),
    "event_types": _l("Event types"), "indicators": _l("Indicators"), "indicator": _l("Indicator"),
    "added": _l("Added"), "renamed": _l("Renamed"), "removed": _l("Removed"), "order": _l("Order"),
    "timezone": _l("Time zone"), "digest_time": _l("Digest time"), "topics": _l("Topics"),
    "code": _l("Participant code"), "participant": _l("Participant code"),
    "target": _l("Target"), "reached": _l("Reached"), "days_left": _l("Days left"),
    "fields": _l("Changed"), "full_name": _l("Full name"), "email": _l("E-mail"), "via": _l("How"),
    "reset_id": _l("Reset link"), "kept": _l("Person kept"), "merged": _l("Record merged into it"),
    "other": _l("Not the same person as"), "checkins_moved": _l("Check-ins moved"),
    "checkins_voided": _l("Double check-ins voided"),
}
#: Ids a payload carries beside the code that names the same person: the code is shown, not both.
SHOWN_BY_CODE = {"kept_id": "kept", "merged_id": "merged", "other_id": "other"}

SOURCE_WORDS = {"camera": _l("camera scan"), "manual": _l("code typed in"), "sync": _l("sent later")}
SHOWN_WORDS = {"accepted": _l("on the roster (green)"), "pending": _l("to be verified"),
               "refused": _l("refused (red)")}
HELD_KIND_WORDS = {"scan": _l("a scan"), "walk_in": _l("a walk-in registration"), "outcomes": _l("outcomes ticked")}
HELD_REASON_WORDS = {"revoked": _l("the volunteer's access was withdrawn"),
                     "expired": _l("the volunteer's days of access were over")}
PASSWORD_VIA_WORDS = {"reset": _l("with a reset link or code"), "account": _l("on their own account page")}
WEBHOOK_REASON_WORDS = {"admin": _l("switched off by an administrator"),
                        "gone": _l("the receiver answered 410 Gone")}
#: Values that are words from a fixed set: the key's words (or, for ``(type, key)``, that type's).
VALUE_WORDS = {
    "source": SOURCE_WORDS, "shown": SHOWN_WORDS, "role": ROLE_LABELS, "previous_status": STATUS_LABELS,
    "gender": GENDER_LABELS, "level": LEVEL_LABELS, "kind": HELD_KIND_WORDS,
    ("scan.held", "reason"): HELD_REASON_WORDS, ("scan.held_accepted", "status"): HELD_STATUS_LABELS,
    ("webhook.disabled", "reason"): WEBHOOK_REASON_WORDS, "via": PASSWORD_VIA_WORDS,
}
SUBJECT_LABELS = {
    "training": _l("Training"), "participant": _l("Participant"), "user": _l("User"), "unit": _l("Unit"),
    "campaign": _l("Campaign"), "checkin": _l("Check-in"), "digest": _l("Digest"),
    "digestrecipient": _l("Digest recipient"), "enrolment": _l("Enrolment link"), "heldscan": _l("Held scan"),
    "webhooksubscription": _l("Webhook"), "indicator": _l("Indicator"),
}
UNIT_KEYS = {"village", "unit"}
NUMBER_REFS = {"checkin_id", "first_checkin_id", "recipient_id", "delivery_id", "event_id", "enrolment_id",
               "reset_id"}
INSTANT_KEYS = {"starts_at", "ends_at", "scanned_at", "access_until"}
DAY_KEYS = {"date", "start_date", "deadline"}
KEY_LISTS = {"indicators", "added", "renamed", "removed", "order", "topics"}


@dataclass
class Entry:
    """One event as the audit trail shows it."""

    event: object
    title: str
    is_known: bool
    actor: str
    unit: str | None
    subject: str | None = None
    subject_url: str | None = None
    fields: list = field(default_factory=list)


class Names:
    """The names behind the ids and codes of a page of events, read in one query per kind."""

    def __init__(self, events):
        wanted = {"user": set(), "unit_id": set(), "unit_code": set(), "training": set(), "participant": set(),
                  "campaign": set()}
        for event in events:
            _collect(event, wanted)
        actors = {event.actor.id: event.actor for event in events if event.actor is not None}
        self.users = dict(actors) | _rows(User, wanted["user"] - set(actors))
        self.units = {}
        if wanted["unit_id"] or wanted["unit_code"]:
            for unit in db.session.scalars(sa.select(Unit).where(sa.or_(
                    Unit.id.in_(wanted["unit_id"]), Unit.code.in_(wanted["unit_code"])))):
                self.units[unit.id] = self.units[unit.code] = unit
        self.trainings = _rows(Training, wanted["training"], Training.title)
        self.participants = _rows(Participant, wanted["participant"], Participant.code)
        self.campaigns = _rows(Campaign, wanted["campaign"], Campaign.name)

    def user(self, user_id):
        user = self.users.get(_int(user_id))
        return person(user) if user is not None else _ref(user_id)

    def unit(self, key):
        unit = self.units.get(key)
        return f"{unit.name} ({unit.code})" if unit is not None else str(key)

    def training(self, training_id):
        return self.trainings.get(_int(training_id)) or _ref(training_id)

    def participant(self, participant_id):
        return self.participants.get(_int(participant_id)) or _ref(participant_id)


def _rows(model, ids, column=None):
    """Return ``{id: object}`` (or ``{id: column}``) of the rows of ``model`` with these ids, in one query."""
    ids = {number for number in map(_int, ids) if number is not None}
    if not ids:
        return {}
    if column is None:
        return {row.id: row for row in db.session.scalars(sa.select(model).where(model.id.in_(ids)))}
    return dict(db.session.execute(sa.select(model.id, column).where(model.id.in_(ids))).all())


def _collect(event, wanted):
    """Note the ids and codes ``event`` names, by kind."""
    payload = event.payload if isinstance(event.payload, dict) else {}
    values = dict(payload)
    changes = payload.get("changes")
    if isinstance(changes, dict):
        values |= {key: change[1] for key, change in changes.items() if isinstance(change, list) and change}
        wanted["unit_code"].update(str(change[0]) for key, change in changes.items()
                                   if key in UNIT_KEYS and isinstance(change, list) and change)
        wanted["training"].update(change[0] for key, change in changes.items()
                                  if key == "training_id" and isinstance(change, list) and change)
    for key in UNIT_KEYS & set(values):
        wanted["unit_code"].add(str(values[key]))
    if "training_id" in values:
        wanted["training"].add(values["training_id"])
    if "user_id" in values:
        wanted["user"].add(values["user_id"])
    if isinstance(values.get("possible_duplicates"), list):
        wanted["participant"].update(values["possible_duplicates"])
    kind = {"user": "user", "training": "training", "unit": "unit_id", "campaign": "campaign",
            "participant": "participant"}.get(event.subject_type)
    if kind == "participant" and ("code" in payload or "participant" in payload):
        return
    if kind:
        wanted[kind].add(_int(event.subject_id))


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _ref(value):
    return "—" if value in (None, "") else f"#{value}"


def person(user):
    """Return a user's name with their role: "Nguyễn Văn An (Commune coordinator)"."""
    return f"{user.display_name} ({ROLE_LABELS.get(user.role, user.role)})"


def describe_events(events, user, tz=None):
    """Return the audit trail's :class:`Entry` of each event, names read in bulk."""
    names = Names(events)
    may_open_people = can(user, "participants.read")
    return [_describe(event, names, tz, may_open_people) for event in events]


def _describe(event, names, tz, may_open_people):
    is_known = event.type in EVENT_LABELS
    entry = Entry(
        event=event, title=str(EVENT_LABELS[event.type]) if is_known else event.type, is_known=is_known,
        actor=person(event.actor) if event.actor is not None else _("system"),
        unit=f"{event.unit.name} ({event.unit.code})" if event.unit is not None else None,
    )
    entry.subject, entry.subject_url = _subject(event, names, may_open_people)
    entry.fields = list(_fields(event, names, tz))
    return entry


def _subject(event, names, may_open_people):
    """Return the text (and, where the reader may follow it, the link) naming the event's subject."""
    kind, subject_id = event.subject_type, event.subject_id
    payload = event.payload if isinstance(event.payload, dict) else {}
    if kind == "training":
        return names.training(subject_id), url_for("trainings.training_page", training_id=subject_id)
    if kind == "participant":
        code = payload.get("code") or payload.get("participant") or names.participant(subject_id)
        url = url_for("participants.participant_page", participant_id=subject_id) if may_open_people else None
        return f"{_('Participant')} {code}", url
    if kind == "user":
        return names.user(subject_id), None
    if kind == "unit":
        return names.unit(_int(subject_id)), None
    if kind == "campaign":
        return names.campaigns.get(_int(subject_id)) or _ref(subject_id), None
    return f"{SUBJECT_LABELS.get(kind, kind)} #{subject_id}", None


def _fields(event, names, tz):
    """Yield ``(label, value)`` for each payload value, named and in words."""
    payload = event.payload if isinstance(event.payload, dict) else {"payload": event.payload}
    known = event.type in EVENT_LABELS
    for key, value in payload.items():
        if known and SHOWN_BY_CODE.get(key) in payload:
            continue
        label = str(AUDIT_FIELD_LABELS.get(key, key)) if known else key
        if key == "changes" and isinstance(value, dict):
            for name, change in value.items():
                if isinstance(change, list) and len(change) == 2:
                    before, after = (_word(event.type, name, side, names, tz) for side in change)
                    yield str(AUDIT_FIELD_LABELS.get(name, name)), f"{before} → {after}"
            continue
        yield label, _word(event.type, key, value, names, tz)


def _word(type_, key, value, names, tz):
    """Return ``value`` of payload ``key`` in words."""
    words = VALUE_WORDS.get((type_, key)) or VALUE_WORDS.get(key)
    if words is not None and isinstance(value, str):
        return str(words.get(value, value))
    if value is None or value == "" or value == []:
        return "—"
    if key in UNIT_KEYS:
        return names.unit(str(value))
    if key == "training_id":
        return names.training(value)
    if key == "user_id":
        return names.user(value)
    if key == "possible_duplicates" and isinstance(value, list):
        return ", ".join(names.participant(item) for item in value)
    if key in NUMBER_REFS:
        return _ref(value)
    if key == "event_types" and isinstance(value, list):
        return ", ".join(str(EVENT_LABELS.get(item, item)) for item in value)
    if key in ("changed", "fields") and isinstance(value, list):
        return ", ".join(str(AUDIT_FIELD_LABELS.get(item, item)) for item in value)
    if key == "rate" and isinstance(value, int | float):
        return f"{number(value * 100, 1)} %"
    if key in INSTANT_KEYS or key in DAY_KEYS:
        return _when(key, value, tz)
    return _plain(value)


def _when(key, value, tz):
    """Return an ISO date or instant of the payload as a local date or local date and time."""
    try:
        if key in DAY_KEYS:
            return day(date.fromisoformat(str(value)), "short")
        instant = datetime.fromisoformat(str(value))
        return local_datetime(instant, tz) if instant.tzinfo is not None else str(value)
    except ValueError:
        return str(value)


def _plain(value):
    """Return a value of no known meaning readably: yes/no, grouped numbers, lists joined."""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, int | float):
        return number(value, 0 if isinstance(value, int) else 2)
    if isinstance(value, list):
        return ", ".join(_plain(item) for item in value) or "—"
    if isinstance(value, dict):
        return "; ".join(f"{key}: {_plain(item)}" for key, item in value.items()) or "—"
    return str(value)
