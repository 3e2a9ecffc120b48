from datetime import timedelta

import sqlalchemy as sa

from tracker.auth.models import ApiToken
from tracker.auth.operations import issue_token
from tracker.core.jobs import Job, build_scheduler, run_job
from tracker.core.time import utcnow


def test_run_job_commits_what_the_job_did(app, db, users):
    issue_token(users["admin"], now=utcnow() - timedelta(days=60))
    db.session.commit()
    job = next(job for job in app.extensions["tracker.jobs"] if job.name == "purge-expired-tokens")
    assert run_job(app, job) == 1
    assert db.session.scalar(sa.select(sa.func.count(ApiToken.id))) == 0


def test_run_job_rolls_back_a_failing_job(app, db, users, caplog):
    def failing():
        issue_token(users["admin"])
        raise RuntimeError("boom")

    assert run_job(app, Job("failing", failing)) is None
    assert db.session.scalar(sa.select(sa.func.count(ApiToken.id))) == 0
    assert "job failing failed" in caplog.text


def test_scheduler_uses_cron_triggers_in_the_local_time_zone(app):
    scheduler = build_scheduler(app, [Job("daily", lambda: None, cron={"hour": "6", "minute": "0"})])
    job = scheduler.get_job("daily")
    assert str(job.trigger.timezone) == "Asia/Ho_Chi_Minh"
    assert "hour='6'" in str(job.trigger) and "minute='0'" in str(job.trigger)


def test_no_scheduler_runs_under_testing(app):
    assert "tracker.scheduler" not in app.extensions
