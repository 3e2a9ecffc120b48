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
append-only log always grows. A poll that finds nothing new is a 304 after reads by primary
key (the caller, the training, the units that scope it) and this pair: it never counts.

Known gap: the outcomes of a visitor from another village are recorded in their own village's
events, so the roster shows them at the next change of the training's village (or a reload).
"""
import hashlib

import sqlalchemy as sa
from flask import current_app, jsonify, request
from flask_babel import get_locale

from tracker.auth.access import can
from tracker.checkins.queries import count_checkins
from tracker.checkins.scan_queries import checked_in_codes
from tracker.events.models import Event
from tracker.extensions import db

#: Changes whenever what a live answer holds changes shape, so that no browser keeps an old one.
LIVE_VERSION = "1"
#: ``Cache-Control`` of every live answer: each viewer's own, always revalidated.
CACHE_CONTROL = "private, no-cache"


def watermark(training):
    """Return ``(newest id, number)`` of the events of the training's village (index-only)."""
    stmt = sa.select(sa.func.max(Event.id), sa.func.count(Event.id)).where(Event.unit_id == training.village_id)
    newest, number = db.session.execute(stmt).one()
    return newest or 0, number


def live_etag(training, user, kind):
    """Return the ETag of ``kind`` (``page`` or ``count``) of the training's live answer for ``user``.

    What the answer holds depends on the events, on who asks (role, scope: links and void forms)
    and on the language; the hash keeps those out of sight.
    """
    newest, number = watermark(training)
    key = ":".join(str(part) for part in (LIVE_VERSION, kind, training.id, newest, number, user.id, user.role.value,
                                          user.unit_id, get_locale()))
    return hashlib.sha256(key.encode()).hexdigest()[:24]


def is_unchanged(etag):
    """Tell whether the request's ``If-None-Match`` already holds ``etag`` (weak comparison)."""
    return request.if_none_match.contains_weak(etag)


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
