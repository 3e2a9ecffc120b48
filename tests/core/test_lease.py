import os
import socket
import threading
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from tracker.core import lease
from tracker.core.lease import Lease
from tracker.geo.models import Unit

T0 = datetime(2025, 8, 1, 6, 0, tzinfo=UTC)
TTL = 60


def _row(db):
    db.session.expire_all()
    return db.session.get(Lease, "scheduler")


def test_a_free_lease_is_taken_and_its_row_created(db):
    assert lease.acquire("scheduler", "a", TTL, now=T0)
    row = _row(db)
    assert (row.holder, row.expires_at, row.acquired_at) == ("a", T0 + timedelta(seconds=TTL), T0)
    assert lease.current_holder("scheduler", now=T0) == "a"


def test_a_held_lease_is_refused_to_another_holder_until_it_expires(db):
    assert lease.acquire("scheduler", "a", TTL, now=T0)
    assert not lease.acquire("scheduler", "b", TTL, now=T0 + timedelta(seconds=30))
    # At the very instant of expiry it is still a's; a moment later it is free.
    assert not lease.acquire("scheduler", "b", TTL, now=T0 + timedelta(seconds=TTL))
    assert _row(db).holder == "a"


def test_the_holder_renews_and_keeps_its_acquisition_time(db):
    assert lease.acquire("scheduler", "a", TTL, now=T0)
    assert lease.acquire("scheduler", "a", TTL, now=T0 + timedelta(seconds=20))
    row = _row(db)
    assert row.expires_at == T0 + timedelta(seconds=20 + TTL) and row.acquired_at == T0
    assert not lease.acquire("scheduler", "b", TTL, now=T0 + timedelta(seconds=61))


def test_another_process_takes_over_an_expired_lease(db):
    assert lease.acquire("scheduler", "a", TTL, now=T0)
    later = T0 + timedelta(seconds=TTL + 1)
    assert lease.current_holder("scheduler", now=later) is None
    assert lease.acquire("scheduler", "b", TTL, now=later)
    row = _row(db)
    assert (row.holder, row.acquired_at) == ("b", later)
    # The old holder, come back, is refused: it has to stand by.
    assert not lease.acquire("scheduler", "a", TTL, now=later + timedelta(seconds=1))


def test_an_expired_lease_nobody_took_is_renewed_by_its_holder(db):
    assert lease.acquire("scheduler", "a", TTL, now=T0)
    assert lease.acquire("scheduler", "a", TTL, now=T0 + timedelta(seconds=TTL + 5))


def test_release_frees_the_lease_for_the_next_holder_at_once(db):
    assert lease.acquire("scheduler", "a", TTL, now=T0)
    assert not lease.release("scheduler", "b")
    assert lease.release("scheduler", "a")
    assert lease.current_holder("scheduler", now=T0) is None
    assert lease.acquire("scheduler", "b", TTL, now=T0 + timedelta(seconds=1))
    assert not lease.release("scheduler", "a")


def test_leases_of_different_names_are_independent(db):
    assert lease.acquire("scheduler", "a", TTL, now=T0)
    assert lease.acquire("other", "b", TTL, now=T0)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Lease)) == 2


@pytest.mark.postgresql_only
def test_the_lease_is_taken_outside_the_callers_transaction(db, create_unit):
    """A job's uncommitted work neither holds the lease hostage nor is committed by it."""
    unit = create_unit("77", "Tỉnh thử", "province")
    db.session.commit()
    unit.name = "uncommitted"
    db.session.flush()
    assert lease.acquire("scheduler", "a", TTL, now=T0)
    db.session.rollback()
    assert db.session.get(Unit, unit.id).name == "Tỉnh thử"
    assert _row(db).holder == "a"


def test_concurrent_takers_of_a_new_lease_get_it_exactly_once(app, db):
    winners, barrier = [], threading.Barrier(6)

    def take(name):
        with app.app_context():
            barrier.wait()
            if lease.acquire("scheduler", name, TTL, now=T0):
                winners.append(name)

    threads = [threading.Thread(target=take, args=(f"p{n}",)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(winners) == 1 and _row(db).holder == winners[0]


def test_a_holder_names_its_host_and_process():
    host, pid, random = lease.new_holder().split(":")
    assert host == socket.gethostname() and pid == str(os.getpid()) and len(random) == 8
    assert lease.new_holder() != lease.new_holder()
