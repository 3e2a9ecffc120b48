"""Writes to check-ins: a scan at the door, a walk-in, a void.

A check-in is inserted with ``ON CONFLICT DO NOTHING``: when a concurrent scan of the same card
(or a replay of the same ``scan_id``) wins the race, the database's unique indexes refuse the
second row without an error, and the scan is answered from the row that won.
"""
import contextlib
import enum
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm.attributes import set_committed_value

from tracker.auth.access import can, ensure_can, ensure_visible
from tracker.cards.tokens import InvalidToken, normalise_code, read_token
from tracker.checkins.models import CheckIn, CheckInSource
from tracker.checkins.queries import active_checkin, checkin_by_scan_id, participant_by_code
from tracker.core.db import dialect_insert
from tracker.core.errors import AppError, Conflict, Forbidden
from tracker.core.time import UTC, local, utcnow
from tracker.events import operations as events
from tracker.extensions import db
from tracker.outcomes.operations import record_outcomes
from tracker.participants.operations import register_participant
from tracker.participants.queries import find_possible_duplicates
from tracker.trainings.models import Training, TrainingStatus

#: Check-in opens this long before a training starts …
OPENS_BEFORE = timedelta(minutes=60)
#: … and closes this long after it ends.
CLOSES_AFTER = timedelta(minutes=120)
#: A device clock may run this far ahead of the server's.
CLOCK_TOLERANCE = timedelta(minutes=5)
#: A volunteer may undo a check-in they recorded for this long after the server stored it.
UNDO_WINDOW = timedelta(minutes=5)


class ScanResult(enum.StrEnum):
    checked_in = "checked_in"
    already_checked_in = "already_checked_in"


class ScanRefused(AppError):
    """A scan the check-in rules refuse (422 with a code saying which rule)."""

    status = 422


@dataclass
class ScanAnswer:
    """What a scan is answered: the check-in that counts and whether this scan made it.

    The answer's text is taken when it is made, so that sending it after the commit (which
    expires every loaded row) reads nothing more from the database.
    """

    checkin: CheckIn
    result: ScanResult

    def __post_init__(self):
        person, checkin = self.checkin.participant, self.checkin
        self.id = checkin.id  # the check-in's, for an undo without a roster lookup
        self.participant = {"id": person.id, "code": person.code, "full_name": person.full_name,
                            "village": {"code": person.village.code, "name": person.village.name}}
        self.checked_in_at = checkin.scanned_at.astimezone(UTC)
        at = local(checkin.scanned_at, checkin.training.campaign.timezone).strftime("%H:%M")
        if self.result == ScanResult.checked_in:
            self.message = _("Checked in at %(time)s", time=at)
        else:
            self.message = _("Already checked in at %(time)s", time=at)

    @property
    def status(self):
        return 201 if self.result == ScanResult.checked_in else 200


def check_in(training, scan, *, user, source=None, is_offline=False, now=None, volunteer=None, people=None):
    """Check in the person on a scanned card or typed code at ``training``; return the ``ScanAnswer``.

    ``volunteer``: who scanned, when not ``user`` (a coordinator accepting a held scan).
    ``people``: participants already read by code (``queries.participants_by_code``, a batch's).
    """
    participant, answer = admit(training, scan, user=user, now=now, people=people)
    if answer is None:
        values = checkin_values(scan, source=source, is_offline=is_offline, volunteer=volunteer or user)
        checkin = insert_checkin(training, participant, **values)
        answer = answer_insert(training, participant, scan, checkin, user=user)
    if scan.get("outcomes"):
        record_outcomes(answer.checkin.participant, scan["outcomes"], campaign=training.campaign, user=user,
                        checkin=answer.checkin)
    return answer


def admit(training, scan, *, user, now=None, people=None):
    """Apply the rules before anything is written: ``(participant, None)`` when the scan may be stored,
    ``(None, answer)`` when it was stored before (answered as then, even if the rules now refuse it); else raise."""
    ensure_can(user, "checkins.record", training.village)
    code = None
    try:
        code = card_code(scan)
        participant = _participant_with(code, scan, people)
        ensure_open(training, scan["scanned_at"], now=now)
    except AppError:
        answer = replay(training, scan["scan_id"], code)
        if answer is None:
            raise
        return None, answer
    return participant, None


def checkin_values(scan, *, source, is_offline, volunteer):
    """Return the columns of the check-in an admitted scan makes."""
    return {"scan_id": scan["scan_id"], "scanned_at": scan["scanned_at"], "volunteer_id": volunteer.id,
            "source": source or (CheckInSource.camera if "qr" in scan else CheckInSource.manual),
            "is_offline": is_offline, "shown": scan.get("shown")}


def card_codes(scans):
    """Return the participant codes of ``scans``' well-formed cards and typed codes (the rest are refused later)."""
    codes = []
    for scan in scans:
        with contextlib.suppress(AppError):
            codes.append(card_code(scan))
    return codes


def card_code(scan):
    """Return the participant code a scan carries: from a verified QR token or a typed code."""
    if "qr" in scan:
        return read_token(scan["qr"])
    code = normalise_code(scan["code"])
    if code is None:
        error = InvalidToken("malformed", _("This is not a participant code: a code has 8 letters and digits, "
                                            "as printed under the QR."))
        error.fields = {"code": [error.message]}
        raise error
    return code


def _participant_with(code, scan, people=None):
    """Return the participant with ``code``, wherever they live; refuse unknown codes."""
    participant = people.get(code) if people else None
    if participant is None or participant.merged_into_id is not None:
        participant = participant_by_code(code)  # not read yet, or merged into another: follow to the one kept
    if participant is None:
        message = _("No participant has the code %(code)s. Check the code, or register the person.", code=code)
        raise ScanRefused(message, code="unknown_participant", fields={"qr" if "qr" in scan else "code": [message]})
    return participant


def ensure_open(training, scanned_at, *, now=None):
    """Refuse a scan at a cancelled training, from a clock running ahead, or outside the check-in window."""
    if training.is_cancelled:
        raise ScanRefused(_("This training was cancelled: it takes no check-ins."), code="training_cancelled")
    if scanned_at > (now or utcnow()) + CLOCK_TOLERANCE:
        message = _("The scan's time is ahead of the server's clock. Set the phone's date and time, then scan again.")
        raise ScanRefused(message, code="clock_ahead", fields={"scanned_at": [message]})
    opens, closes = checkin_window(training)
    if not opens <= scanned_at <= closes:
        zone = training.campaign.timezone
        message = _("Check-in for this training is open from %(opens)s to %(closes)s.",
                    opens=local(opens, zone).strftime("%d/%m/%Y %H:%M"),
                    closes=local(closes, zone).strftime("%d/%m/%Y %H:%M"))
        raise ScanRefused(message, code="outside_window", fields={"scanned_at": [message]})


def checkin_window(training):
    """Return the instants ``(opens, closes)`` between which the training takes check-ins."""
    return training.starts_at - OPENS_BEFORE, training.ends_at + CLOSES_AFTER


def replay(training, scan_id, code=None):
    """Return the first answer to a scan already stored, or None; refuse a scan id used for another check-in."""
    checkin = checkin_by_scan_id(scan_id)
    if checkin is None:
        return None
    if checkin.training_id != training.id or (code is not None and checkin.participant.code != code):
        raise Conflict(_("This scan id was already used for another check-in."), fields={"scan_id": [str(scan_id)]})
    return ScanAnswer(checkin, ScanResult.checked_in)


def answer_insert(training, participant, scan, checkin, *, user):
    """Answer an admitted scan after its INSERT: ``checkin`` stored, or None (answered from the row that won)."""
    if checkin is not None:
        record_checkin(checkin, user=user)
        return ScanAnswer(checkin, ScanResult.checked_in)
    answer = replay(training, scan["scan_id"], participant.code)
    if answer is None:
        first = active_checkin(training, participant)
        if first is None:  # the winner was voided meanwhile: rare, and safe to send again
            raise Conflict(_("The scan crossed another change to this check-in. Scan again."))
        answer = ScanAnswer(first, ScanResult.already_checked_in)
    return answer


def insert_checkin(training, participant, **values):
    """Insert the check-in of ``participant`` at ``training`` and return it, or None if a unique index refused it.

    ``INSERT … ON CONFLICT DO NOTHING RETURNING``: when a concurrent scan of the same person (or
    the same ``scan_id`` sent again) got there first, nothing is written and the transaction goes
    on; one statement, where a savepoint around an ORM flush took three.
    """
    stmt = dialect_insert(db.session, CheckIn).values(training_id=training.id, participant_id=participant.id, **values)
    checkin = db.session.scalars(stmt.on_conflict_do_nothing().returning(CheckIn)).first()
    if checkin is not None:
        set_committed_value(checkin, "training", training)
        set_committed_value(checkin, "participant", participant)
    return checkin


def record_checkin(checkin, *, user):
    """Record the event of a stored check-in and mark its training held."""
    training = checkin.training
    _mark_held(training, checkin, user=user)
    payload = {"training_id": training.id, "participant": checkin.participant.code, "source": str(checkin.source),
               "offline": checkin.is_offline, "shown": str(checkin.shown) if checkin.shown else None,
               "scanned_at": checkin.scanned_at.astimezone(UTC).isoformat()}
    events.record("checkin.recorded", checkin, payload, user=user, unit=training.village, campaign=training.campaign)


def _mark_held(training, checkin, *, user):
    """Mark a planned training held on its first check-in, once, however many scans race."""
    if training.status != TrainingStatus.planned:
        return
    flipped = db.session.execute(
        sa.update(Training).where(Training.id == training.id, Training.status == TrainingStatus.planned)
        .values(status=TrainingStatus.held, updated_at=utcnow()).execution_options(synchronize_session=False)
    ).rowcount
    if not flipped:
        db.session.expire(training, ["status", "updated_at"])
        return
    set_committed_value(training, "status", TrainingStatus.held)
    events.record("training.held", training, {"first_checkin_id": checkin.id}, user=user, unit=training.village,
                  campaign=training.campaign)


def void_checkin(checkin, *, reason, user, now=None):
    """Void a check-in: it stops counting and the person may be checked in again; the record stays."""
    training = checkin.training
    voided_at = now or utcnow()
    ensure_may_void(checkin, user=user, now=voided_at)
    voided = db.session.execute(
        sa.update(CheckIn).where(CheckIn.id == checkin.id, CheckIn.voided_at.is_(None))
        .values(voided_at=voided_at, void_reason=reason.strip(), voided_by_id=user.id)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not voided:
        raise Conflict(_("This check-in is already voided."))
    db.session.expire(checkin, ["voided_at", "void_reason", "voided_by_id"])
    payload = {"training_id": training.id, "participant": checkin.participant.code, "reason": reason.strip()}
    events.record("checkin.voided", checkin, payload, user=user, unit=training.village, campaign=training.campaign)
    return checkin


def ensure_may_void(checkin, *, user, now=None):
    """Raise 404 out of scope, 403 unless ``user`` may void any check-in or undoes their own in time."""
    ensure_visible(user, checkin.training.village)
    if can(user, "checkins.void"):
        return
    ensure_can(user, "checkins.undo_own")
    own = checkin.volunteer_id is not None and checkin.volunteer_id == user.id
    if not own or (now or utcnow()) - checkin.recorded_at > UNDO_WINDOW:
        raise Forbidden(_("Only the volunteer who scanned may undo, within 5 minutes; ask a coordinator."))


class _ScanTaken(Exception):
    """Another request stored a check-in with this scan id first."""


@dataclass
class WalkIn:
    """A participant registered at the door, their check-in, and who they may duplicate."""

    participant: object
    checkin: CheckIn
    possible_duplicates: list


def register_walk_in(training, data, *, user, now=None, volunteer=None):
    """Register a new participant at the training and check them in, in one step (``volunteer``: as in
    ``check_in``)."""
    ensure_can(user, "checkins.record", training.village)
    scan = {"scan_id": data["scan_id"], "scanned_at": data.get("scanned_at") or now or utcnow(),
            "shown": data.get("shown")}
    answer = replay(training, scan["scan_id"])
    if answer is not None:
        return _walk_in_answer(answer)
    ensure_open(training, scan["scanned_at"], now=now)
    person = {key: value for key, value in data.items() if key not in WALK_IN_FIELDS}
    try:
        with db.session.begin_nested():
            participant, duplicates = register_participant(person, user=user, capability="checkins.record")
            checkin = insert_checkin(training, participant, volunteer_id=(volunteer or user).id,
                                     source=CheckInSource.manual, **scan)
            if checkin is None:
                raise _ScanTaken
    except _ScanTaken:  # the same walk-in, sent twice at once: the savepoint drops the second person
        answer = replay(training, scan["scan_id"])
        if answer is None:
            raise Conflict(_("The walk-in crossed another change. Send it again.")) from None
        return _walk_in_answer(answer)
    record_checkin(checkin, user=user)
    if data.get("outcomes"):
        record_outcomes(participant, data["outcomes"], campaign=training.campaign, user=user, checkin=checkin)
    return WalkIn(participant, checkin, duplicates)


#: Walk-in fields that describe the scan, not the person.
WALK_IN_FIELDS = ("scan_id", "scanned_at", "shown", "outcomes")


def _walk_in_answer(answer):
    """Answer a walk-in sent again as the first time: the person it registered, no second one."""
    person = answer.checkin.participant
    earlier = find_possible_duplicates(person.search_name, person.birth_year, person.village, exclude_id=person.id)
    return WalkIn(person, answer.checkin, [other for other in earlier if other.id < person.id])
