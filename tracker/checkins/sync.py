"""Settling the scans a device kept while offline: each on its own, idempotent by ``scan_id``."""
import contextlib

import marshmallow as ma
from flask_babel import gettext as _
from sqlalchemy.orm.attributes import set_committed_value

from tracker.auth.access import ensure_can
from tracker.checkins.models import CheckIn, CheckInSource
from tracker.checkins.operations import admit, answer_insert, card_codes, check_in, checkin_values
from tracker.checkins.queries import find_training, participants_by_code
from tracker.checkins.schemas import SyncScanSchema
from tracker.core.args import flatten
from tracker.core.db import dialect_insert
from tracker.core.errors import AppError, InvalidInput, NotFound
from tracker.events import operations as events
from tracker.extensions import db

REFUSED = "refused"


def sync_scans(items, *, user, now=None):
    """Settle a batch of offline scans in the order they were made; return one result per item, as sent.

    The batch's people are read in one query, every rule is checked before anything is written,
    the check-ins are inserted in one statement and their events written together at the end
    (``events.batched``). A batch with a scan that ticks outcomes (which may refuse after the
    check-in is written) goes scan by scan instead, such a scan in a savepoint of its own.
    """
    ensure_can(user, "checkins.record")
    schema = SyncScanSchema()
    scans = [_load(schema, item) for item in items]
    trainings, people = {}, participants_by_code(card_codes(scan for scan in scans if not isinstance(scan, AppError)))
    results = [None] * len(items)
    order = sorted(range(len(items)), key=lambda index: _scan_order(scans[index]))
    for index in order:
        if isinstance(scans[index], AppError):
            results[index] = _refusal(_raw_scan_id(items[index]), scans[index])
    valid = [index for index in order if not isinstance(scans[index], AppError)]
    with events.batched():
        if any(scans[index].get("outcomes") for index in valid):
            for index in valid:
                results[index] = _settle_one(scans[index], trainings, people, user=user, now=now)
        else:
            _settle_together(valid, scans, trainings, people, results, user=user, now=now)
    return results


def _settle_together(order, scans, trainings, people, results, *, user, now):
    """Admit each scan of ``order``, insert the admitted ones at once, then answer each (into ``results``)."""
    admitted = []
    for index in order:
        scan = scans[index]
        try:
            training = _training(scan["training_id"], trainings)
            participant, answer = admit(training, scan, user=user, now=now, people=people)
        except AppError as error:
            results[index] = _refusal(str(scan["scan_id"]), error)
            continue
        if answer is not None:
            results[index] = _result(scan, answer)
            continue
        values = checkin_values(scan, source=CheckInSource.sync, is_offline=True, volunteer=user)
        admitted.append((index, training, participant, values))
    stored = insert_checkins([(training, participant, values) for _index, training, participant, values in admitted])
    for (index, training, participant, _values), checkin in zip(admitted, stored):
        scan = scans[index]
        try:
            results[index] = _result(scan, answer_insert(training, participant, scan, checkin, user=user))
        except AppError as error:  # the scan id taken by another check-in, or a crossing void
            results[index] = _refusal(str(scan["scan_id"]), error)


def _load(schema, item):
    """Return the scan ``item`` describes, or the error that refuses it."""
    try:
        return schema.load(item)
    except ma.ValidationError as error:
        return InvalidInput(_("Some fields are not valid."), fields=flatten(error.messages))


def _scan_order(scan):
    """Sort key: malformed items first (they change nothing), then by scan time, then by scan id."""
    if isinstance(scan, AppError):
        return (0, None, "")
    return (1, scan["scanned_at"], str(scan["scan_id"]))


def _settle_one(scan, trainings, people, *, user, now):
    """Check one scan in; a refusal undoes only what this scan wrote.

    Every rule is checked before anything is written, except the outcomes a scan ticks: only such
    a scan needs a savepoint of its own.
    """
    training = None
    try:
        with db.session.begin_nested() if scan.get("outcomes") else contextlib.nullcontext():
            training = _training(scan["training_id"], trainings)
            answer = check_in(training, scan, user=user, source=CheckInSource.sync, is_offline=True, now=now,
                              people=people)
    except AppError as error:
        if training is not None:
            # The savepoint may have undone the training's flip to held; read it again when needed.
            db.session.expire(training, ["status", "updated_at"])
        return _refusal(str(scan["scan_id"]), error)
    return _result(scan, answer)


def _result(scan, answer):
    return {"scan_id": str(scan["scan_id"]), "id": answer.id, "status": answer.status, "result": answer.result.value,
            "participant": answer.participant, "checked_in_at": answer.checked_in_at}


def _training(training_id, trainings):
    """Return the training (read once per batch) or raise 404."""
    if training_id not in trainings:
        trainings[training_id] = find_training(training_id)
    training = trainings[training_id]
    if training is None:
        raise NotFound(_("Training not found."))
    return training


def _refusal(scan_id, error):
    return {"scan_id": scan_id, "status": error.status, "result": REFUSED,
            "error": {"code": error.code, "message": error.message, "fields": error.fields}}


def _raw_scan_id(item):
    """Return the scan id of a malformed item as sent, if it is short text."""
    scan_id = item.get("scan_id") if isinstance(item, dict) else None
    return scan_id if isinstance(scan_id, str) and len(scan_id) <= 100 else None


def insert_checkins(rows):
    """Insert the check-ins of ``rows`` (``(training, participant, values)``) in one statement.

    Return, for each row, its stored ``CheckIn`` or None where a unique index refused it (as
    ``insert_checkin``; within the batch, the earlier of two rows for one person and training wins).
    Each stored row is claimed by one item only, so a scan sent twice in one batch is stored and
    answered once.
    """
    if not rows:
        return []
    values = [dict(values, training_id=training.id, participant_id=participant.id)
              for training, participant, values in rows]
    stmt = dialect_insert(db.session, CheckIn).values(values).on_conflict_do_nothing().returning(CheckIn)
    stored = {checkin.scan_id: checkin for checkin in db.session.scalars(stmt)}
    claimed = []
    for training, participant, row in rows:
        checkin = stored.get(row["scan_id"])
        if checkin is None or checkin.training_id != training.id or checkin.participant_id != participant.id:
            claimed.append(None)
            continue
        del stored[row["scan_id"]]
        set_committed_value(checkin, "training", training)
        set_committed_value(checkin, "participant", participant)
        claimed.append(checkin)
    return claimed
