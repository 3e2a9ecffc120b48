"""Issue 11.3: the scheduler killed with SIGKILL in the middle of compiling digests; the next
scheduler takes the lease once it expires and completes them, each e-mail queued once.

``flask --app tracker scheduler`` runs in a process of its own on the test database with a
three-second lease. The campaign has a province and 14 communes with some thousands of
check-ins, so that compiling its digests takes seconds; the process is killed when part of them
are stored, and a second scheduler is started at once. Every digest stored, whenever the test
looks, is whole: its figures are those of the same digest compiled on its own.
"""
import signal
import sys
import time
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from tests.checkins.bulk import add_people, add_trainings, check_everyone_in
from tests.servers import Processes, tracker_env
from tracker.core import lease
from tracker.core.jobs import LEASE
from tracker.core.time import combine_local, local, utcnow
from tracker.digests import operations
from tracker.digests.figures import build_payload
from tracker.digests.models import Digest, DigestEmail, DigestRecipient
from tracker.events.models import Event

TTL = 3
COMMUNES, PEOPLE, TRAININGS = 12, 120, 3  # besides the conftest tree's two communes
#: Time zones to choose the campaign's from: one where the digest time 10 minutes ago and the
#: early compile 5 minutes before it fall on today, whatever the hour the test runs.
ZONES = ("Asia/Ho_Chi_Minh", "Europe/London", "America/New_York")


@pytest.fixture
def processes(tmp_path):
    processes = Processes(tmp_path)
    yield processes
    processes.kill_all()


def _zone():
    for zone in ZONES:
        now = local(utcnow(), zone)
        if now.replace(hour=0, minute=30) <= now <= now.replace(hour=23, minute=30):
            return zone
    raise AssertionError("no zone fits")  # the zones' bad hours do not overlap


@pytest.fixture
def province_campaign(db, tree, create_unit, create_campaign):
    """A campaign of four days so far, its digest time today passed 10 minutes ago, with check-ins in
    every commune and recipients for three units."""
    zone = _zone()
    now = local(utcnow(), zone)
    digest_time = (now - timedelta(minutes=10)).time().replace(second=0, microsecond=0)
    campaign = create_campaign(name="Sập nguồn", start_date=now.date() - timedelta(days=3),
                               deadline=now.date() + timedelta(days=60), timezone=zone, digest_time=digest_time,
                               target=5000)
    villages = [tree["village"], tree["village2"], tree["other_village"]]
    for n in range(COMMUNES):
        commune = create_unit(f"660{n + 11}", f"Xã Số {n + 11}", "commune", tree["province"], population=2000)
        villages.append(create_unit(f"660{n + 11}01", f"Buôn {n + 11}", "village", commune, population=2000))
    start = combine_local(campaign.start_date, datetime.min.time().replace(hour=8), zone)
    for index, village in enumerate(villages):
        prefix = f"V{index:02d}"
        add_people(village, PEOPLE, prefix=prefix)
        trainings = add_trainings(campaign, village, TRAININGS, start=start + timedelta(days=index % 3))
        check_everyone_in(trainings, prefix)
    for unit in (tree["province"], tree["commune"], tree["other_commune"]):
        db.session.add(DigestRecipient(unit=unit, email=f"bcd-{unit.code}@example.vn"))
    db.session.commit()
    return campaign


def _days(campaign):
    return [campaign.start_date + timedelta(days=n) for n in range(4)]


def _reference(db, campaign):
    """The payload of every digest, each compiled on its own (and not stored)."""
    units = operations.digest_units(campaign)
    payloads = {(unit.code, day): build_payload(campaign, unit, day) for day in _days(campaign) for unit in units}
    db.session.rollback()
    return payloads


def _stored(db, campaign):
    db.session.expire_all()
    rows = db.session.scalars(sa.select(Digest).where(Digest.campaign_id == campaign.id)).all()
    return {(row.unit.code, row.date): row for row in rows}


def _compile_early(db, campaign, days):
    """Compile ``days``' digests as the scheduler did before (today's before its digest time, unmailed)."""
    today = _days(campaign)[-1]
    early = combine_local(today, campaign.digest_time, campaign.timezone) - timedelta(minutes=5)
    for day in days:
        for unit in operations.digest_units(campaign):
            operations.compile_digest(campaign, unit, day, now=early)
    db.session.commit()


def _wait_for(condition, timeout, processes, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if found := condition():
            return found
        time.sleep(0.01)
    pytest.fail(f"timed out waiting for {what}\n{processes.logs()}")


def _lease_row(db):
    db.session.expire_all()
    return db.session.get(lease.Lease, LEASE)


@pytest.mark.parametrize("before", ["nothing", "past days and today early"])
def test_a_scheduler_killed_mid_compile_is_completed_by_the_next_one(
        app, db, province_campaign, processes, tmp_path, before):
    campaign, days = province_campaign, _days(province_campaign)
    units = len(operations.digest_units(campaign))
    reference = _reference(db, campaign)
    if before != "nothing":
        _compile_early(db, campaign, days)  # the scheduler's earlier runs: today's before its digest time
    digest_instant = combine_local(days[-1], campaign.digest_time, campaign.timezone)
    total = len(reference)

    def done():
        """The digests the scheduler has compiled for this run (today's: at or after its digest time)."""
        stored = _stored(db, campaign)
        return {key for key, row in stored.items()
                if before == "nothing" or (key[1] == days[-1] and row.compiled_at >= digest_instant)}

    expected = total if before == "nothing" else units
    command = [sys.executable, "-m", "flask", "--app", "tracker", "scheduler"]
    env = tracker_env(app, tmp_path, TRACKER_SCHEDULER_LEASE_TTL=str(TTL))
    first = processes.start(command, env)
    started = time.monotonic()
    _wait_for(lambda: expected // 3 <= len(done()) <= expected - 3, 60, processes,
              "the first scheduler to be a third of the way")
    processes.kill(first, signal.SIGKILL)
    killed_at, killed_done = utcnow(), len(done())
    held = _lease_row(db)
    held_by, held_until = held.holder, held.expires_at
    assert held_by.split(":")[1] == str(first.pid) and held_until > killed_at, "the killed scheduler held the lease"

    # What the kill left is whole: each stored digest has the figures of its own compile and its event.
    stored = _stored(db, campaign)
    assert all(row.payload == reference[key] for key, row in stored.items())
    assert len(done()) < expected

    second = processes.start(command, env)
    _wait_for(lambda: len(done()) == expected, 60, processes, "the second scheduler to complete the digests")
    took = time.monotonic() - started
    stored = _stored(db, campaign)
    assert set(stored) == set(reference) and all(row.payload == reference[key] for key, row in stored.items())
    # The second one waited for the lease to expire before compiling anything.
    resumed = min(row.compiled_at for row in stored.values() if row.compiled_at > killed_at)
    assert resumed >= held_until
    assert _lease_row(db).holder.split(":")[1] == str(second.pid)
    print(f"\nkilled with {killed_done} of {expected} digests compiled; the next scheduler took over "
          f"{(resumed - killed_at).total_seconds():.1f} s after the kill (lease TTL {TTL} s); {took:.1f} s in all")

    # Every digest compiled has its event; today's digests are mailed once to each recipient, past days never.
    events = {(event.payload["unit"], event.payload["date"]) for event in db.session.scalars(
        sa.select(Event).where(Event.type == "digest.compiled", Event.campaign_id == campaign.id))}
    assert events == {(code, day.isoformat()) for code, day in reference}
    emails = db.session.execute(sa.select(DigestEmail.digest_id, DigestEmail.recipient_id)).all()
    recipients = db.session.scalars(sa.select(DigestRecipient)).all()
    assert sorted(emails) == sorted((stored[(recipient.unit.code, days[-1])].id, recipient.id)
                                    for recipient in recipients)
