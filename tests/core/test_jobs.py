import os
import subprocess
import sys
import threading
import time
from datetime import timedelta

import click
import pytest
import sqlalchemy as sa

from tracker import create_app
from tracker.auth.models import ApiToken
from tracker.auth.operations import issue_token
from tracker.config import Config
from tracker.core import lease
from tracker.core.jobs import LEASE, Job, Runner, has_lease, is_embedded_here, run_job
from tracker.core.time import utcnow
from tracker.extensions import db as _db


@pytest.fixture
def sched(app):
    """A scheduler runner of this process, not started, and its lease given up afterwards."""
    sched = Runner(app)
    yield sched
    sched.stop()


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


def test_jobs_use_cron_triggers_in_their_time_zone_and_never_pile_up(app, db):
    runner = Runner(app, [Job("daily", lambda: None, cron={"hour": "6", "minute": "0"}),
                          Job("elsewhere", lambda: None, cron={"hour": "7"}, timezone="Europe/Paris")])
    job = runner.scheduler.get_job("daily")
    assert str(job.trigger.timezone) == "Asia/Ho_Chi_Minh"
    assert "hour='6'" in str(job.trigger) and "minute='0'" in str(job.trigger)
    assert str(runner.scheduler.get_job("elsewhere").trigger.timezone) == "Europe/Paris"
    assert (job.coalesce, job.max_instances, job.misfire_grace_time) == (True, 1, 3600)


def test_a_job_does_not_run_while_another_process_holds_the_lease(sched, db):
    calls = []
    job = Job("count", lambda: calls.append(1) or len(calls))
    assert lease.acquire(LEASE, "other-host:1:abcd", 60)
    assert sched.run(job) is None and calls == []
    assert not sched.holds_lease() and not sched.held
    assert lease.release(LEASE, "other-host:1:abcd")
    assert sched.run(job) == 1 and calls == [1]
    assert lease.current_holder(LEASE) == sched.holder


def test_running_a_job_renews_the_lease(sched, db):
    assert sched.holds_lease()
    first = db.session.get(lease.Lease, LEASE).expires_at
    time.sleep(0.01)
    sched.run(Job("noop", lambda: None))
    db.session.expire_all()
    assert db.session.get(lease.Lease, LEASE).expires_at > first


def test_on_lease_jobs_run_at_start_and_again_when_this_process_takes_the_lease_over(app, db):
    runner = Runner(app, [Job("sync", lambda: None, cron={"minute": "*/30"}, on_lease=True),
                          Job("hourly", lambda: None, cron={"minute": "17"})])
    runner.scheduler.start(paused=True)
    try:
        soon = utcnow() + timedelta(seconds=1)
        assert runner.scheduler.get_job("sync").next_run_time <= soon
        assert runner.scheduler.get_job("hourly").next_run_time > soon
        assert lease.acquire(LEASE, "other-host:1:abcd", 60)
        assert not runner.holds_lease()
        runner.scheduler.modify_job("sync", next_run_time=utcnow() + timedelta(hours=1))
        assert lease.release(LEASE, "other-host:1:abcd")
        assert runner.holds_lease()
        assert runner.scheduler.get_job("sync").next_run_time <= utcnow() + timedelta(seconds=1)
        assert runner.scheduler.get_job("hourly").next_run_time > soon
    finally:
        runner.stop()


def test_a_stopped_runner_gives_the_lease_up_and_acts_no_more(sched, db):
    assert sched.holds_lease()
    sched.stop()
    assert lease.current_holder(LEASE) is None
    assert not sched.holds_lease() and sched.run(Job("noop", lambda: 1)) is None


def test_replace_jobs_adds_reschedules_and_drops_jobs_of_its_prefix_only(sched):
    keep = Job("purge", lambda: None, cron={"minute": "17"})
    sched.schedule(keep)
    sched.replace_jobs("campaign-", [Job("campaign-1", print, cron={"hour": 6}, args=(1,)),
                                      Job("campaign-2", print, cron={"hour": 7}, args=(2,))])
    sched.replace_jobs("campaign-", [Job("campaign-2", print, cron={"hour": 8}, args=(2,)),
                                      Job("campaign-3", print, cron={"hour": 6}, args=(3,))])
    jobs = sched.jobs()
    assert set(jobs) == {"purge", "campaign-2", "campaign-3"}
    assert jobs["campaign-2"].cron == {"hour": 8}
    assert "hour='8'" in str(sched.scheduler.get_job("campaign-2").trigger)


def test_jobs_run_by_hand_act_without_a_lease(app, db, monkeypatch):
    assert "tracker.scheduler" not in app.extensions and has_lease()
    runner = Runner(app)
    monkeypatch.setitem(app.extensions, "tracker.scheduler", runner)
    assert lease.acquire(LEASE, "other-host:1:abcd", 60)
    assert not has_lease()


def test_no_scheduler_runs_under_testing(app):
    assert "tracker.scheduler" not in app.extensions
    assert not is_embedded_here(app)


@pytest.mark.parametrize(("command", "params", "env", "expected"), [
    (None, {}, {}, True),                                  # gunicorn, a script
    ("run", {"reload": False}, {}, True),                   # flask run
    ("run", {"reload": True}, {}, False),                   # the reloader's watcher
    ("run", {"reload": True}, {"WERKZEUG_RUN_MAIN": "true"}, True),  # the child it serves from
    ("upgrade", {}, {}, False),                             # flask db upgrade
    ("demo", {}, {}, False),
    ("scheduler", {}, {}, False),                           # runs a scheduler of its own
])
def test_the_embedded_scheduler_runs_only_in_serving_processes(app, monkeypatch, command, params, env, expected):
    monkeypatch.setitem(app.config, "TESTING", False)
    monkeypatch.setitem(app.config, "TRACKER_SCHEDULER", "embedded")
    monkeypatch.delenv("WERKZEUG_RUN_MAIN", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    if command is None:
        assert is_embedded_here(app) is expected
        return
    with click.Context(click.Command(command), info_name=command) as context:
        context.params.update(params)
        assert is_embedded_here(app) is expected
    monkeypatch.setitem(app.config, "TRACKER_SCHEDULER", "off")
    assert not is_embedded_here(app)


def _serving(app, tmp_path):
    """The settings of a serving process on the test database: its embedded scheduler on."""
    return {"TRACKER_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "TRACKER_SCHEDULER": "embedded",
            "TRACKER_SECRET_KEY": "k" * 32, "TRACKER_INSTANCE_PATH": str(tmp_path)}


def test_a_serving_app_starts_its_scheduler_takes_the_lease_and_gives_it_up_on_stop(app, db, monkeypatch, tmp_path):
    for name, value in _serving(app, tmp_path).items():
        monkeypatch.setenv(name, value)
    served = create_app(Config())
    runner = served.extensions["tracker.scheduler"]
    try:
        assert runner.scheduler.running
        assert {"digest-sync", "digest-mail", "purge-expired-tokens"} <= set(runner.jobs())
        deadline = time.monotonic() + 10
        while lease.current_holder(LEASE) != runner.holder and time.monotonic() < deadline:
            time.sleep(0.05)
        assert lease.current_holder(LEASE) == runner.holder
    finally:
        runner.stop()
        with served.app_context():
            _db.engine.dispose()
    assert not runner.scheduler.running and lease.current_holder(LEASE) is None


def test_a_renewal_in_flight_when_the_process_stops_does_not_take_the_lease_back(app, db, monkeypatch):
    """stop() gives the lease up; a renewal that had already started must not write it back after."""
    runner = Runner(app)
    assert runner.holds_lease()
    entered, go_on = threading.Event(), threading.Event()
    acquire = lease.acquire

    def slow_acquire(*args, **kwargs):
        entered.set()
        go_on.wait(5)
        return acquire(*args, **kwargs)

    monkeypatch.setattr(lease, "acquire", slow_acquire)
    renewal = threading.Thread(target=runner.holds_lease)
    renewal.start()
    assert entered.wait(5)
    stopping = threading.Thread(target=runner.stop)
    stopping.start()
    stopping.join(0.5)  # time to give the lease up, were nothing holding stop() back
    go_on.set()
    renewal.join(5)
    stopping.join(5)
    assert runner.stopped and not runner.holds_lease()
    db.session.rollback()
    assert lease.current_holder(LEASE) is None


_EXIT_WITH_A_SCHEDULER = """
import concurrent.futures.thread, sys, threading
from tracker import create_app
from tracker.config import Config
runner = create_app(Config()).extensions["tracker.scheduler"]
close_pools = concurrent.futures.thread._python_exit
def closing_pools():
    print("scheduler stopped before the pools closed:", runner.stopped, flush=True)
    close_pools()
hooks = threading._threading_atexits  # partials, run last registered first
hooks[[hook.func for hook in hooks].index(close_pools)] = closing_pools
sys.exit(0)
"""


def test_a_process_that_exits_stops_its_scheduler_before_the_thread_pools_close(app, db, tmp_path):
    """Else a job falling due at exit is handed to a closed pool: an error logged at every worker stop."""
    env = os.environ | _serving(app, tmp_path)
    done = subprocess.run([sys.executable, "-c", _EXIT_WITH_A_SCHEDULER], env=env, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    assert "scheduler stopped before the pools closed: True" in done.stdout, done.stdout + done.stderr
    assert "Error submitting job" not in done.stderr
    assert lease.current_holder(LEASE) is None  # given up on the way out
