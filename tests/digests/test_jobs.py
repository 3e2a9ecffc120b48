"""The digest jobs: a daily job per campaign, picked up without restart; missed days caught up."""
from collections import Counter
from datetime import date, datetime, time, timedelta

import pytest
import sqlalchemy as sa

from tests.conftest import ICT
from tracker.core import lease
from tracker.core.jobs import LEASE, Runner
from tracker.digests import jobs, operations
from tracker.digests.models import Digest, DigestEmail, DigestRecipient
from tracker.events.models import Event

#: 09:00 on 18 July 2025 in Vietnam: day 4 of the conftest campaign (it starts on 15 July).
MORNING = datetime(2025, 7, 18, 9, 0, tzinfo=ICT)
DAYS = [date(2025, 7, 15), date(2025, 7, 16), date(2025, 7, 17), date(2025, 7, 18)]


@pytest.fixture
def sched(app, monkeypatch):
    """This process's scheduler runner, not started, as the jobs see it."""
    runner = Runner(app)
    monkeypatch.setitem(app.extensions, "tracker.scheduler", runner)
    yield runner
    runner.stop()


@pytest.fixture
def recipient(db, tree):
    """Someone who receives the province's digest by e-mail."""
    recipient = DigestRecipient(unit=tree["province"], email="ban.chi.dao@example.vn")
    db.session.add(recipient)
    db.session.commit()
    return recipient


def _stored(db, campaign):
    db.session.expire_all()
    return Counter((row.unit.code, row.date) for row in db.session.scalars(
        sa.select(Digest).where(Digest.campaign_id == campaign.id)))


def _compiled_events(db):
    events = db.session.scalars(sa.select(Event).where(Event.type == "digest.compiled")).all()
    return Counter((event.payload["unit"], event.payload["date"]) for event in events)


def test_missed_days_are_compiled_on_start_once_per_unit_and_day(db, dummy_campaign, tree):
    assert jobs.sync_digests(now=MORNING) == 4 * 3
    expected = {(code, day): 1 for code in ("66", "66001", "66002") for day in DAYS}
    assert _stored(db, dummy_campaign) == expected
    assert _compiled_events(db) == {(code, day.isoformat()): 1 for code, day in expected}
    # Nothing is missing any more: running again compiles nothing.
    assert jobs.sync_digests(now=MORNING + timedelta(minutes=1)) == 0
    assert sum(_compiled_events(db).values()) == 12


def test_catching_up_mails_only_todays_digest_once_its_time_has_passed(db, dummy_campaign, recipient):
    jobs.sync_digests(now=MORNING)
    emails = db.session.scalars(sa.select(DigestEmail)).all()
    assert [(email.digest.date, email.digest.unit.code, email.email) for email in emails] == [
        (date(2025, 7, 18), "66", "ban.chi.dao@example.vn")]


def test_catching_up_before_the_digest_time_mails_nothing(db, dummy_campaign, recipient):
    early = datetime(2025, 7, 18, 5, 0, tzinfo=ICT)
    assert jobs.sync_digests(now=early) == 12
    assert db.session.scalar(sa.select(sa.func.count(DigestEmail.id))) == 0


def test_the_daily_job_compiles_today_after_the_missing_days_and_mails_today_only(db, dummy_campaign, recipient):
    operations.compile_campaign(dummy_campaign, date(2025, 7, 15), now=MORNING)
    db.session.commit()
    six = datetime(2025, 7, 18, 6, 0, tzinfo=ICT)
    assert jobs.compile_daily_digests(dummy_campaign.id, now=six) == 3 * 3
    assert set(_stored(db, dummy_campaign)) == {(code, day) for code in ("66", "66001", "66002") for day in DAYS}
    emails = db.session.scalars(sa.select(DigestEmail)).all()
    assert [(email.digest.date, email.digest.unit.code) for email in emails] == [(date(2025, 7, 18), "66")]
    # Compiled again the same day (a restart, a coalesced run): the digest is replaced, not mailed twice.
    assert jobs.compile_daily_digests(dummy_campaign.id, now=six + timedelta(minutes=5)) == 3
    assert db.session.scalar(sa.select(sa.func.count(DigestEmail.id))) == 1


def test_todays_digests_compiled_before_the_digest_time_are_compiled_and_mailed_by_the_next_sync_after_it(
        db, dummy_campaign, recipient):
    early = datetime(2025, 7, 18, 5, 0, tzinfo=ICT)
    assert jobs.sync_digests(now=early) == 12
    # The daily run at 06:00 did not happen (the scheduler was down, or killed before it finished).
    assert jobs.sync_digests(now=MORNING) == 3
    emails = db.session.scalars(sa.select(DigestEmail)).all()
    assert [(email.digest.date, email.digest.unit.code) for email in emails] == [(date(2025, 7, 18), "66")]
    assert jobs.sync_digests(now=MORNING + timedelta(minutes=1)) == 0
    assert db.session.scalar(sa.select(sa.func.count(DigestEmail.id))) == 1


@pytest.mark.parametrize("day", [date(2025, 7, 14), date(2025, 10, 27)])
def test_the_daily_job_does_nothing_outside_the_campaign(db, dummy_campaign, day):
    now = datetime.combine(day, time(6, 0), tzinfo=ICT)
    assert jobs.compile_daily_digests(dummy_campaign.id, now=now) == 0
    assert jobs.compile_daily_digests(dummy_campaign.id + 1, now=now) == 0
    assert _stored(db, dummy_campaign) == {}


def test_the_day_after_the_deadline_gets_the_last_digest(db, create_campaign):
    campaign = create_campaign(start_date=date(2025, 7, 15), deadline=date(2025, 7, 16))
    later = datetime(2025, 8, 1, 9, 0, tzinfo=ICT)
    assert jobs.sync_digests(now=later) == 3 * 3
    assert {day for _code, day in _stored(db, campaign)} == {date(2025, 7, 15), date(2025, 7, 16), date(2025, 7, 17)}


def test_a_crash_while_catching_up_loses_at_most_the_digest_it_was_compiling(db, dummy_campaign, monkeypatch):
    compile_digest = operations.compile_digest

    def crash_in_the_third_day(campaign, unit, day, **kwargs):
        digest = compile_digest(campaign, unit, day, **kwargs)
        if day == DAYS[2] and unit.level == "commune":
            raise RuntimeError("power cut")  # after the province's digest of that day was committed
        return digest

    monkeypatch.setattr(operations, "compile_digest", crash_in_the_third_day)
    assert jobs.sync_digests(now=MORNING) == 0
    stored = _stored(db, dummy_campaign)
    assert {day for _code, day in stored} == set(DAYS[:3]) and sum(stored.values()) == 2 * 3 + 1
    monkeypatch.setattr(operations, "compile_digest", compile_digest)
    # The day left unfinished is compiled again whole (compiling is idempotent), then the next one.
    assert jobs.sync_digests(now=MORNING) == 2 * 3
    assert {day for _code, day in _stored(db, dummy_campaign)} == set(DAYS)


def test_one_failing_campaign_does_not_keep_the_others_from_their_digests(db, create_campaign, monkeypatch):
    broken = create_campaign(name="Hỏng")
    fine = create_campaign(name="Tốt")
    compile_digest = operations.compile_digest

    def fail_for_broken(campaign, unit, day, **kwargs):
        if campaign.id == broken.id:
            raise RuntimeError("broken")
        return compile_digest(campaign, unit, day, **kwargs)

    monkeypatch.setattr(operations, "compile_digest", fail_for_broken)
    assert jobs.sync_digests(now=MORNING) == 12
    assert _stored(db, broken) == {} and sum(_stored(db, fine).values()) == 12


def test_campaigns_get_their_daily_job_and_changes_are_picked_up_by_the_sync(db, create_campaign, sched):
    before_start = datetime(2025, 7, 1, 9, 0, tzinfo=ICT)
    first = create_campaign()
    assert jobs.sync_digests(now=before_start) == 0
    job = sched.jobs()[f"digest-campaign-{first.id}"]
    assert (job.func, job.args, job.cron, job.timezone) == (
        jobs.compile_daily_digests, (first.id,), {"hour": 6, "minute": 0}, "Asia/Ho_Chi_Minh")
    trigger = sched.scheduler.get_job(f"digest-campaign-{first.id}").trigger
    assert "hour='6'" in str(trigger) and str(trigger.timezone) == "Asia/Ho_Chi_Minh"

    added = create_campaign(name="Thêm sau", digest_time=time(7, 30), timezone="Asia/Bangkok")
    first.digest_time = time(5, 45)
    over = create_campaign(name="Đã xong", start_date=date(2025, 1, 1), deadline=date(2025, 2, 1))
    db.session.commit()
    jobs.sync_digests(now=before_start)
    scheduled = sched.jobs()
    assert scheduled[f"digest-campaign-{added.id}"].cron == {"hour": 7, "minute": 30}
    assert scheduled[f"digest-campaign-{added.id}"].timezone == "Asia/Bangkok"
    assert scheduled[f"digest-campaign-{first.id}"].cron == {"hour": 5, "minute": 45}
    assert f"digest-campaign-{over.id}" not in scheduled

    db.session.delete(db.session.get(type(added), added.id))
    db.session.commit()
    jobs.sync_digests(now=before_start)
    assert {name for name in sched.jobs() if name.startswith("digest-campaign-")} == {f"digest-campaign-{first.id}"}


def test_a_process_without_the_lease_compiles_nothing(db, dummy_campaign, sched):
    assert lease.acquire(LEASE, "other-host:1:abcd", 60)
    assert jobs.sync_digests(now=MORNING) == 0
    assert jobs.compile_daily_digests(dummy_campaign.id, now=MORNING) == 0
    assert _stored(db, dummy_campaign) == {}
    assert lease.release(LEASE, "other-host:1:abcd")
    assert jobs.sync_digests(now=MORNING) == 12


def test_the_mail_job_drains_the_queue_batch_by_batch_while_it_holds_the_lease(db, sched, monkeypatch):
    from tracker.digests import mail
    outcomes = [{"sent": mail.BATCH_SIZE}, {"sent": mail.BATCH_SIZE - 1, "failed": 1}, {"sent": 3, "retrying": 1}]
    calls = []
    monkeypatch.setattr(mail, "send_due_emails", lambda now=None: calls.append(now) or outcomes[len(calls) - 1])
    assert jobs.send_digest_emails(now=MORNING) == {"sent": 2 * mail.BATCH_SIZE + 2, "failed": 1, "retrying": 1}
    assert calls == [MORNING] * 3

    calls.clear()
    assert jobs.send_digest_emails(now=MORNING, batches=1) == {"sent": mail.BATCH_SIZE}
    sched.stop()
    assert jobs.send_digest_emails(now=MORNING) == {} and len(calls) == 1
