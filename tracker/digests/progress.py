"""Progress now: the digest's figures of a unit as of a recent instant, for dashboards and the public page.

One number, one code path: the figures are the digest's own (``figures.build_payload_at``, the
frame of ``reach.Frame.at``), so a dashboard read at 00:00 shows exactly that day's digest, and at
noon what tomorrow's digest will say if nothing else happens. A province's figures take seconds at
full scale while a hundred dashboards poll, so they are kept per (campaign, unit) in
``progress_snapshots`` and computed again at most every ``TRACKER_PROGRESS_MAX_AGE`` seconds (longer
when a computation is slow: never more than a tenth of the time). The scheduler keeps provinces
fresh (``refresh_provinces``); communes and villages, quick to compute, are refreshed when read.
"""
import time
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from tracker.campaigns.models import Campaign
from tracker.campaigns.queries import campaign_today
from tracker.core.db import dialect_insert
from tracker.core.time import utcnow
from tracker.digests.figures import build_payload_at
from tracker.digests.models import ProgressSnapshot
from tracker.extensions import db
from tracker.geo.models import UnitLevel

#: A refresh waits at least this many times as long as the last computation took.
SLOW_FACTOR = 10


def progress_now(campaign, unit, *, now=None):
    """Return the snapshot of ``unit``, computing it first when missing or stale.

    A province's stale snapshot is returned as it is (the scheduler is refreshing it): a reader
    never waits seconds for a whole province, unless no snapshot exists yet.
    """
    now = now or utcnow()
    snapshot = get_snapshot(campaign, unit)
    if snapshot is not None and (is_fresh(snapshot, now) or unit.level == UnitLevel.province):
        return snapshot
    return refresh_snapshot(campaign, unit, now=now)


def get_snapshot(campaign, unit):
    """Return the stored snapshot of (campaign, unit), or None."""
    return db.session.scalar(sa.select(ProgressSnapshot).where(
        ProgressSnapshot.campaign_id == campaign.id, ProgressSnapshot.unit_id == unit.id))


def is_fresh(snapshot, now):
    """Tell whether ``snapshot`` is recent enough to show at ``now``."""
    wait = max(current_app.config["TRACKER_PROGRESS_MAX_AGE"], snapshot.duration_ms * SLOW_FACTOR / 1000)
    return now - snapshot.as_of < timedelta(seconds=wait)


def refresh_snapshot(campaign, unit, *, now=None):
    """Compute the figures of ``unit`` as of ``now`` and store them in place of the previous snapshot."""
    now = now or utcnow()
    started = time.perf_counter()
    payload = build_payload_at(campaign, unit, now)
    values = {"campaign_id": campaign.id, "unit_id": unit.id, "as_of": now, "payload": payload,
              "duration_ms": int((time.perf_counter() - started) * 1000)}
    insert = dialect_insert(db.session, ProgressSnapshot).values(values)
    # Two readers refreshing at once both write; the later instant wins, never an older one.
    db.session.execute(insert.on_conflict_do_update(
        index_elements=["campaign_id", "unit_id"],
        set_={name: insert.excluded[name] for name in ("as_of", "payload", "duration_ms")},
        where=ProgressSnapshot.as_of < insert.excluded.as_of))
    snapshot = get_snapshot(campaign, unit)
    db.session.refresh(snapshot)
    return snapshot


def refresh_provinces(*, now=None):
    """Refresh the stale snapshot of each running campaign's province; return how many were computed."""
    now = now or utcnow()
    refreshed = 0
    for campaign in db.session.scalars(sa.select(Campaign).order_by(Campaign.id)):
        if not is_running(campaign, now=now):
            continue
        snapshot = get_snapshot(campaign, campaign.unit)
        if snapshot is None or not is_fresh(snapshot, now):
            refresh_snapshot(campaign, campaign.unit, now=now)
            db.session.commit()
            refreshed += 1
    return refreshed


def is_running(campaign, *, now=None):
    """Tell whether ``campaign``'s figures still move: from its start to the day after its deadline."""
    day = campaign_today(campaign, now=now)
    return campaign.start_date <= day <= campaign.deadline + timedelta(days=1)
