"""Scans held for review: what a revoked or expired volunteer's phone scanned but could not send.

The volunteer can no longer record check-ins, so their phone hands its waiting items over
(``hold_items``). Nothing held counts until a coordinator of the training's commune accepts it
(``accept_held``: recorded as the volunteer's own scan made offline, under every check-in rule) or
discards it (``discard_held``: the row stays, with who decided and why). Each step is an event.
"""
import uuid

import marshmallow as ma
from flask_babel import gettext as _

from tracker.auth.access import ensure_can
from tracker.checkins.models import CheckInSource, HeldKind, HeldScan, HeldStatus
from tracker.checkins.operations import check_in, register_walk_in
from tracker.checkins.queries import checkin_by_scan_id, find_training, held_by_scan_id
from tracker.checkins.schemas import HeldItemSchema, SyncScanSchema, WalkInCreateSchema
from tracker.core.args import flatten
from tracker.core.errors import AppError, Conflict, InvalidInput, NotFound
from tracker.core.time import utcnow
from tracker.events import operations as events
from tracker.extensions import db
from tracker.outcomes.operations import record_outcomes
from tracker.participants.models import Participant

#: What ``hold_items`` answers per item.
HELD, RECORDED, REFUSED = "held", "recorded", "refused"


def hold_items(items, *, volunteer, reason, now=None):
    """Keep a phone's waiting items for review; return one result per item, in the order sent.

    Handing the same item over again changes nothing; an item the server already recorded as a
    check-in (sent just before the access ended) answers ``recorded``.
    """
    results = []
    for item in items:
        try:
            data = HeldItemSchema().load(item)
            results.append(_hold_one(data, volunteer=volunteer, reason=reason, now=now))
        except ma.ValidationError as error:
            results.append(_refusal(item, InvalidInput(_("Some fields are not valid."),
                                                       fields=flatten(error.messages))))
        except AppError as error:
            results.append(_refusal(item, error))
    return results


def _hold_one(data, *, volunteer, reason, now):
    if checkin_by_scan_id(data["scan_id"]) is not None:
        return {"scan_id": str(data["scan_id"]), "status": RECORDED}
    if held_by_scan_id(data["scan_id"]) is not None:
        return {"scan_id": str(data["scan_id"]), "status": HELD}
    training = find_training(data["training_id"])
    if training is None or not training.village.is_within(volunteer.unit):
        raise NotFound(_("Training not found."))
    held = HeldScan(scan_id=data["scan_id"], kind=data["kind"], training=training, volunteer_id=volunteer.id,
                    scanned_at=data["scanned_at"], payload=data["payload"], reason=reason,
                    received_at=now or utcnow())
    db.session.add(held)
    db.session.flush()
    events.record("scan.held", held, {"kind": held.kind.value, "training_id": training.id, "reason": reason},
                  user=volunteer, unit=training.village, campaign=training.campaign)
    return {"scan_id": str(held.scan_id), "status": HELD}


def _refusal(item, error):
    scan_id = item.get("scan_id") if isinstance(item, dict) else None
    return {"scan_id": scan_id if isinstance(scan_id, str) and len(scan_id) <= 100 else None, "status": REFUSED,
            "error": {"code": error.code, "message": error.message, "fields": error.fields}}


def accept_held(held, *, user, now=None):
    """Let a held item count, as the volunteer's offline scan; a rule that refuses it is noted, not raised."""
    _ensure_undecided(held, user)
    _ensure_scan_first(held)
    try:
        with db.session.begin_nested():
            held.checkin = _ACCEPT[held.kind](held, user=user, now=now)
            held.status = HeldStatus.accepted
    except AppError as error:
        held.status, held.note = HeldStatus.refused, _reason(error)
    except ma.ValidationError as error:
        held.status, held.note = HeldStatus.refused, _reason(InvalidInput(_("Some fields are not valid."),
                                                                           fields=flatten(error.messages)))
    _decided(held, user=user, now=now)
    payload = {"checkin_id": held.checkin_id, "status": held.status.value}
    events.record("scan.held_accepted", held, payload, user=user, unit=held.training.village,
                  campaign=held.training.campaign)
    return held


def discard_held(held, *, reason, user, now=None):
    """Decide that a held item must not count; it stays, with the reason."""
    _ensure_undecided(held, user)
    held.status, held.note = HeldStatus.discarded, reason.strip()[:500] or None
    _decided(held, user=user, now=now)
    events.record("scan.held_discarded", held, {}, user=user, unit=held.training.village,
                  campaign=held.training.campaign)
    return held


def _ensure_undecided(held, user):
    ensure_can(user, "checkins.review", held.training.village)
    if held.status != HeldStatus.held:
        raise AppError(_("This scan was already reviewed."), code="already_reviewed", status=409)


def _ensure_scan_first(held):
    """Outcomes wait for the held scan they were ticked on: refusing them now would lose them."""
    first = held_by_scan_id(uuid.UUID(held.payload["for_scan"])) if held.payload.get("for_scan") else None
    if held.kind == HeldKind.outcomes and first is not None and first.status == HeldStatus.held:
        raise Conflict(_("Accept the scan these outcomes were ticked on first."))


def _decided(held, *, user, now):
    held.decided_at = now or utcnow()
    held.decided_by_id = user.id
    db.session.flush()


def _reason(error):
    details = [text for texts in (error.fields or {}).values() for text in texts
               if isinstance(text, str) and text != error.message]
    return " ".join([error.message, *details[:1]])[:500]


# The coordinator who accepts records the item (their role and scope are checked, and the events are
# theirs); the check-in keeps the volunteer who scanned.

def _accept_scan(held, *, user, now):
    scan = SyncScanSchema().load({**_scan_fields(held), "training_id": held.training_id})
    answer = check_in(held.training, scan, user=user, volunteer=held.volunteer, source=CheckInSource.sync,
                      is_offline=True, now=now)
    return answer.checkin


def _accept_walk_in(held, *, user, now):
    data = WalkInCreateSchema().load({**(held.payload.get("details") or {}), **_scan_fields(held, code=False)})
    return register_walk_in(held.training, data, user=user, volunteer=held.volunteer, now=now).checkin


def _accept_outcomes(held, *, user, now):
    participant = _outcomes_participant(held)
    record_outcomes(participant, held.payload.get("outcomes") or [], campaign=held.training.campaign, user=user)
    return None


def _outcomes_participant(held):
    """Return the person whose outcomes were ticked: named by the phone, or by the scan they followed."""
    participant = None
    if isinstance(held.payload.get("participant_id"), int):
        participant = db.session.get(Participant, held.payload["participant_id"])
    elif held.payload.get("for_scan"):
        checkin = checkin_by_scan_id(uuid.UUID(held.payload["for_scan"]))
        participant = checkin.participant if checkin is not None and not checkin.is_voided else None
    if participant is None:
        raise AppError(_("The scan these outcomes belong to was not recorded."), code="no_checkin", status=422)
    return participant


def _scan_fields(held, *, code=True):
    names = ("qr", "code", "shown", "outcomes") if code else ("shown", "outcomes")
    fields = {name: held.payload[name] for name in names if held.payload.get(name) is not None}
    return {**fields, "scan_id": str(held.scan_id), "scanned_at": held.scanned_at.isoformat()}


_ACCEPT = {HeldKind.scan: _accept_scan, HeldKind.walk_in: _accept_walk_in, HeldKind.outcomes: _accept_outcomes}
