"""Reading the event log, scoped by the reader's unit."""
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from tracker.auth.access import can, ensure_can
from tracker.core.time import utcnow
from tracker.events.models import Event
from tracker.extensions import db
from tracker.geo.models import Unit, UnitLevel


def events_for(user, *, after=0, types=None, settled=True):
    """Return a select of the events ``user`` may read with id above ``after``, in id order.

    ``settled`` (for readers that page by id: the feed, webhooks) keeps back, on PostgreSQL, the
    events of transactions newer than the oldest one still open. Pages that only show the log
    (the audit trail, a subject's history) pass False: they show everything committed, and a
    long write elsewhere on the server does not empty them.
    """
    ensure_can(user, "events.read")
    stmt = (
        sa.select(Event)
        .outerjoin(Event.unit)
        .where(Event.id > after)
        .options(sa.orm.contains_eager(Event.unit), sa.orm.selectinload(Event.actor))
        .order_by(Event.id)
    )
    in_scope = Unit.path.startswith(user.unit.path, autoescape=True)
    if can(user, "audit.read"):
        in_scope = sa.or_(in_scope, Event.unit_id.is_(None))
    stmt = stmt.where(in_scope)
    if types:
        stmt = stmt.where(Event.type.in_(types))
    if settled and db.session.get_bind().dialect.name == "postgresql":
        # Hide events of transactions still in flight: ids are handed out before commit, so a
        # later id can become visible first. Paging past it would skip the earlier one forever.
        stmt = stmt.where(Event.txid < _HORIZON)
        # The horizon alone misses one case: a transaction that took its transaction id early (its
        # first write) inserts its event after a younger transaction inserted a lower id and is still
        # open; the older one commits, and its event is below the horizon although a lower id is not
        # visible yet. Events also wait until they are a few seconds old, far longer than any
        # transaction of ours stays open between writing its event and committing.
        settle = current_app.config["TRACKER_EVENT_SETTLE_SECONDS"]
        if settle:
            stmt = stmt.where(Event.occurred_at < utcnow() - timedelta(seconds=settle))
    return stmt


#: The oldest transaction still open, on PostgreSQL, that may have written events: the oldest of
#: this statement's snapshot, except those of backends connected to *other* databases (transaction
#: ids are cluster-wide, but another database's writers cannot add to this log, and a long write there
#: must not stall this feed). A transaction that ends between the snapshot and the look at
#: ``pg_stat_activity`` is no longer listed there, so it keeps holding the horizon: safe, and brief.
#: ``backend_xid`` is a 32-bit xid, the snapshot's are 64-bit: compared modulo 2^32.
_HORIZON = sa.literal_column("""(
    SELECT coalesce(min(open_xid::text::bigint), pg_snapshot_xmax(pg_current_snapshot())::text::bigint)
    FROM pg_snapshot_xip(pg_current_snapshot()) AS open_xid
    WHERE open_xid::text::bigint % 4294967296 NOT IN (
        SELECT backend_xid::text::bigint FROM pg_stat_activity
        WHERE backend_xid IS NOT NULL AND datname IS DISTINCT FROM current_database()))""")


def page_events(user, *, after=0, limit=100, types=None):
    """Return ``(events, next_after)``; ``next_after`` is None on the last page."""
    events = db.session.scalars(events_for(user, after=after, types=types).limit(limit + 1)).all()
    if len(events) <= limit:
        return events, None
    events = events[:limit]
    return events, events[-1].id


def latest_events_for(user, *, limit=100, before=None, types=None, unit=None, actor=None, since=None, until=None):
    """Return the newest events ``user`` may read, newest first (for the audit page).

    ``unit`` keeps the events of that unit and the units under it (the caller checks it is in
    scope); ``actor`` those of one user; ``since``/``until`` bound ``occurred_at`` (``[since, until)``).
    """
    stmt = events_for(user, types=types, settled=False).order_by(None).order_by(Event.id.desc()).limit(limit)
    if before:
        stmt = stmt.where(Event.id < before)
    if unit is not None and unit.level == UnitLevel.village:
        # A village has nothing under it: its newest events straight from the (unit_id, id) index.
        stmt = stmt.where(Event.unit_id == unit.id)
    elif unit is not None:
        under = sa.select(Unit.id).where(Unit.path.startswith(unit.path, autoescape=True))
        stmt = stmt.where(Event.unit_id.in_(under.scalar_subquery()))
    if actor is not None:
        stmt = stmt.where(Event.actor_id == actor.id)
    if since is not None:
        stmt = stmt.where(Event.occurred_at >= since)
    if until is not None:
        stmt = stmt.where(Event.occurred_at < until)
    return db.session.scalars(stmt).all()


def event_types():
    """Return the event types present in the log."""
    return db.session.scalars(sa.select(Event.type).distinct().order_by(Event.type)).all()


def events_about(user, subject, *, unit=None, limit=50):
    """Return the newest events about ``subject`` that ``user`` may read, newest first.

    Give the subject's ``unit`` when it is known: the search then uses the (unit, id) index.
    """
    stmt = events_for(user, settled=False).where(
        Event.subject_type == type(subject).__name__.lower(), Event.subject_id == str(subject.id)
    )
    if unit is not None:
        stmt = stmt.where(Event.unit_id == unit.id)
    return db.session.scalars(stmt.order_by(None).order_by(Event.id.desc()).limit(limit)).all()
