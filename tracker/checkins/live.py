"""Live counts: what the training page and the scanner show while check-ins arrive, behind an ETag.

The screens poll (``static/js/live.js``: every few seconds, slower when hidden, not at all
offline) with ``If-None-Match``. Polling rather than server-sent events (REFERENCES.md, "Live
updates"): an open screen holds no gunicorn thread between polls, works with sync or gthread
workers, and crosses any reverse proxy unchanged (no buffering to turn off, the ETag passes
through). Two twins answer the same thing: ``GET /trainings/{id}/live`` (the page, by session
cookie, with its roster rendered) and ``GET /api/v1/trainings/{id}/count`` (bearer token, for
the scanner).

The ETag is worked out before, and without, any counting: it is the newest id and the number
of the events of the training's village, both read from the ``(unit_id, id)`` index alone.
Every change a live screen shows records its event there in the same transaction
(``checkin.recorded`` and ``checkin.voided`` carry the training's village, so do
``training.held``/``updated``/``cancelled`` and ``cards.printed``). The number is there because
ids are handed out before commit: on PostgreSQL a check-in whose transaction commits after a
later one's adds an event *below* the newest id, which alone would not move; the number of an
append-only log always grows. A poll that finds nothing new is a 304 after the caller (their
token or session) and one statement: the training's village and the caller's scope, to check, and
this pair; no ORM object, no count of check-ins.

A poll that finds something new gets the counts and, on the page, only the roster rows that
changed: the ETag carries its watermark in the clear (``NEWEST.NUMBER.DIGEST``), so the events
after it name the check-ins to render again. Under a burst of scans at a watched training each
poll then costs a few rows, not the whole roster (``benchmarks/live.py``).

Known gap: the outcomes of a visitor from another village are recorded in their own village's
events, so the roster shows them at the next change of the training's village (or a reload).
"""
import functools
import hashlib
import re

import sqlalchemy as sa
from flask import current_app, jsonify, request
from flask_babel import get_locale
from sqlalchemy.orm import joinedload

from tracker.auth.access import can
from tracker.checkins.models import CheckIn
from tracker.checkins.queries import count_checkins
from tracker.checkins.scan_queries import checked_in_codes
from tracker.events.models import Event
from tracker.extensions import db
from tracker.geo.models import Unit
from tracker.participants.models import Participant
from tracker.trainings.models import Training

#: Changes whenever what a live answer holds changes shape, so that no browser keeps an old one.
LIVE_VERSION = "1"
#: ``Cache-Control`` of every live answer: each viewer's own, always revalidated.
CACHE_CONTROL = "private, no-cache"
#: Past this many events since the caller's ETag the roster is sent whole (by then as cheap).
MAX_CHANGES = 50
_ETAG = re.compile(r"^(\d+)\.(\d+)\.[0-9a-f]{16}$")


def watermark(training):
    """Return ``(newest id, number)`` of the events of the training's village (index-only)."""
    return event_watermark(Event.unit_id == training.village_id)


def event_watermark(*where):
    """Return ``(newest id, number)`` of the events meeting ``where``: it moves whenever one commits.

    For other live screens too; keep ``where`` to what an index answers alone (``unit_id`` in a
    few units: a whole province's log is too many to count on each poll).
    """
    stmt = sa.select(sa.func.max(Event.id), sa.func.count(Event.id)).where(*where)
    newest, number = db.session.execute(stmt).one()
    return newest or 0, number


def live_etag(training, user, kind):
    """Return the ETag of ``kind`` (``page`` or ``count``) of the training's live answer for ``user``.

    ``NEWEST.NUMBER.DIGEST``: the watermark in the clear (a later poll says what it has seen), and
    a digest of it with what else the answer depends on — who asks (role, scope: links and void
    forms) and the language — so that nobody can pass off a watermark of another's.
    """
    return _etag(training.id, user, kind, *watermark(training))


def visible_etag(user, training_id, kind):
    """Return ``live_etag`` in one statement and no ORM object, or None when the training is not theirs to see.

    The short road to a 304, which most polls are. A caller who gets None takes the ordinary road
    (``get_training_for``), which answers 404 or 403 as the page does.
    """
    if not can(user, "trainings.read"):
        return None
    found = db.session.execute(_probe(), {"training_id": training_id, "scope_id": user.unit_id}).first()
    if found is None or found[1] is None or not found[0].startswith(found[1]):
        return None
    return _etag(training_id, user, kind, found[2] or 0, found[3])


@functools.cache
def _probe():
    """The statement of ``visible_etag``, built once: building an aliased select costs more than running it."""
    scope = sa.orm.aliased(Unit)
    scope_path = sa.select(scope.path).where(scope.id == sa.bindparam("scope_id")).scalar_subquery()
    return (sa.select(Unit.path, scope_path, sa.func.max(Event.id), sa.func.count(Event.id))
            .select_from(Training).join(Unit, Unit.id == Training.village_id)
            .outerjoin(Event, Event.unit_id == Training.village_id)
            .where(Training.id == sa.bindparam("training_id")).group_by(Unit.path))


def _etag(training_id, user, kind, newest, number):
    key = ":".join(str(part) for part in (LIVE_VERSION, kind, training_id, newest, number, user.id, user.role.value,
                                          user.unit_id, get_locale()))
    return f"{newest}.{number}.{hashlib.sha256(key.encode()).hexdigest()[:16]}"


def is_unchanged(etag):
    """Tell whether the request's ``If-None-Match`` already holds ``etag`` (weak comparison)."""
    return request.if_none_match.contains_weak(etag)


def _seen(training, user, kind):
    """Return the watermark of the caller's ``If-None-Match`` if it is one of ours for them, else None."""
    for tag in request.if_none_match.as_set(include_weak=True):
        found = _ETAG.match(tag)
        if found and _etag(training.id, user, kind, int(found[1]), int(found[2])) == tag:
            return int(found[1]), int(found[2])
    return None


def changed_checkins(training, user, kind, etag):
    """Return the check-ins of the training that changed since the caller's ETag, or None to send them all.

    The events after the caller's watermark name them (a check-in recorded or voided, a person's
    outcomes). When the number of events shows one committed late below that watermark, when there
    are many, or when every check-in is new (the page still says "nobody yet"), the whole roster
    goes instead.
    """
    seen, (newest, number) = _seen(training, user, kind), _watermark_of(etag)
    if seen is None or seen[1] >= number:
        return None
    stmt = (sa.select(Event.subject_type, Event.subject_id)
            .where(Event.unit_id == training.village_id, Event.id > seen[0], Event.id <= newest)
            .limit(MAX_CHANGES + 1))
    events = db.session.execute(stmt).all()
    if len(events) > MAX_CHANGES or seen[1] + len(events) != number:
        return None
    checkins = {int(subject) for kind_, subject in events if kind_ == "checkin"}
    people = {int(subject) for kind_, subject in events if kind_ == "participant"}
    rows = checkins_among(training, checkins, people) if checkins or people else []
    if rows and len(rows) >= count_all_checkins(training):
        return None
    return rows


def checkins_among(training, checkin_ids, participant_ids):
    """Return the training's check-ins (voided too) with these ids or of these people, with their people."""
    stmt = (sa.select(CheckIn).options(joinedload(CheckIn.participant).joinedload(Participant.village))
            .where(CheckIn.training_id == training.id,
                   sa.or_(CheckIn.id.in_(checkin_ids), CheckIn.participant_id.in_(participant_ids))))
    return db.session.scalars(stmt.order_by(CheckIn.scanned_at, CheckIn.id)).all()


def count_all_checkins(training):
    """Return how many check-ins the training has, voided ones too (the rows of its roster)."""
    return db.session.scalar(sa.select(sa.func.count(CheckIn.id)).where(CheckIn.training_id == training.id))


def _watermark_of(etag):
    found = _ETAG.match(etag)
    return int(found[1]), int(found[2])


def not_modified(etag):
    """Return the bodiless 304 for a poll that finds nothing new."""
    response = current_app.response_class(status=304)
    return _headers(response, etag)


def live_response(body, etag):
    """Return ``body`` as JSON with its ETag, revalidated on every poll."""
    return _headers(jsonify(body), etag)


def _headers(response, etag):
    # Weak: a proxy that compresses the answer may keep the ETag (nginx weakens strong ones).
    response.set_etag(etag, weak=True)
    response.headers["Cache-Control"] = CACHE_CONTROL
    return response


def live_count(training, user):
    """Return the scanner's live figures: the count, the status, and who is in (to check-ins readers)."""
    body = {"training_id": training.id, "status": training.status.value}
    if not can(user, "checkins.read"):
        return body | {"count": count_checkins(training)}
    checked_in = checked_in_codes(training)
    return body | {"count": len(checked_in), "checked_in": checked_in}
