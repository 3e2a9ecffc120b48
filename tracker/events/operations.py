"""Recording events in the transaction of the change they describe."""
import contextlib

import sqlalchemy as sa
from blinker import Namespace
from flask import current_app

from tracker.events.models import Event
from tracker.extensions import db

signals = Namespace()
#: Sent once per event after the transaction that wrote it commits (sender: the app).
event_committed = signals.signal("event-committed")

_PENDING = "tracker.pending_events"
_BATCHED = "tracker.events_batched"


def record(type_, subject, payload=None, *, user, unit=None, campaign=None, flush=True):
    """Add the event for a change to the current transaction and return it.

    ``flush=False`` leaves the INSERT to the next flush: bulk writers record many events and flush
    once (the event's id is only known after that flush).
    """
    event = Event(
        type=type_,
        subject_type=type(subject).__name__.lower(),
        subject_id=str(subject.id),
        payload=payload or {},
        actor_id=user.id if user is not None else None,
        unit=unit,
        campaign_id=campaign.id if campaign is not None else None,
    )
    db.session.add(event)
    if flush and not db.session.info.get(_BATCHED):
        db.session.flush()
    db.session.info.setdefault(_PENDING, []).append(event)
    return event


@contextlib.contextmanager
def batched():
    """Record the block's events without a flush each, and write them together when it ends.

    For bulk writers (a sync batch): hundreds of events reach the database in a few statements
    instead of a round trip each. Inside, the session does not autoflush, and nothing may need an
    event's id before the block ends.
    """
    session = db.session
    if session.info.get(_BATCHED):
        yield
        return
    session.info[_BATCHED] = True
    try:
        with session.no_autoflush:
            yield
    finally:
        session.info.pop(_BATCHED, None)
    session.flush()


@sa.event.listens_for(sa.orm.Session, "after_commit")
def _announce(session):
    """Tell listeners about the events a transaction just made durable.

    An event added inside a savepoint that rolled back (a refused scan in a batch) is no longer
    persistent and is not announced.
    """
    states = [sa.inspect(event) for event in session.info.pop(_PENDING, None) or []]
    ids = [state.identity[0] for state in states if state.has_identity and not state.transient]
    if ids:
        event_committed.send(current_app._get_current_object(), event_ids=ids)


@sa.event.listens_for(sa.orm.Session, "after_rollback")
def _forget(session):
    """Forget the events of a transaction rolled back; a savepoint's rollback keeps the others."""
    if not session.in_transaction():
        session.info.pop(_PENDING, None)
