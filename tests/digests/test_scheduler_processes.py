"""SPEC §6: several scheduler processes against one PostgreSQL database compile each digest once,
and when the lease holder is killed another takes over.

Real processes on the test database, with a two-second lease: two ``flask --app tracker
scheduler`` processes, then gunicorn with two workers preloading the app (each worker runs the
embedded scheduler, the master none).
"""
import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from tracker.core import lease
from tracker.core.jobs import LEASE
from tracker.core.time import local, today, utcnow
from tracker.digests.models import Digest
from tracker.events.models import Event

pytestmark = pytest.mark.postgresql_only

ROOT = Path(__file__).resolve().parents[2]
TTL = 2
UNITS = 3  # the conftest tree: the province and two communes


def _env(app, tmp_path, **extra):
    return {**os.environ, "TRACKER_ENV": "production", "TRACKER_SECRET_KEY": app.config["SECRET_KEY"],
            "TRACKER_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "TRACKER_INSTANCE_PATH": str(tmp_path),
            "TRACKER_SCHEDULER_LEASE_TTL": str(TTL), **extra}


class Processes:
    """Child processes in process groups of their own, killed at the end whatever happens."""

    def __init__(self, tmp_path):
        self.tmp_path, self.started = tmp_path, []

    def start(self, command, env):
        with open(self.tmp_path / f"process-{len(self.started)}.log", "wb") as log:
            process = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True, stdout=log, stderr=log)
        self.started.append(process)
        return process

    def kill(self, process, sig=signal.SIGKILL):
        os.killpg(process.pid, sig)
        process.wait(timeout=15)

    def kill_all(self):
        for process in self.started:
            if process.poll() is None:
                self.kill(process)

    def logs(self):
        return "\n".join(path.read_text(errors="replace")[-3000:] for path in sorted(self.tmp_path.glob("process-*.log")))


@pytest.fixture
def processes(tmp_path):
    processes = Processes(tmp_path)
    yield processes
    processes.kill_all()


@pytest.fixture
def running_campaign(create_campaign):
    """A campaign that started two days ago (three digest days so far), its digest time far from now."""
    return _campaign_started(create_campaign, days_ago=2, name="Đang chạy")


def _campaign_started(create_campaign, *, days_ago, name):
    day = today("Asia/Ho_Chi_Minh")
    digest_time = (local(utcnow(), "Asia/Ho_Chi_Minh") + timedelta(hours=12)).time().replace(second=0, microsecond=0)
    return create_campaign(name=name, start_date=day - timedelta(days=days_ago), deadline=day + timedelta(days=30),
                           digest_time=digest_time)


def _wait_for(condition, timeout, processes, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    pytest.fail(f"timed out waiting for {what}\n{processes.logs()}")


def _digests(db, campaign):
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count(Digest.id)).where(Digest.campaign_id == campaign.id))


def _compiled_per_digest(db):
    events = db.session.scalars(sa.select(Event).where(Event.type == "digest.compiled")).all()
    return Counter((event.campaign_id, event.payload["unit"], event.payload["date"]) for event in events)


def _holder_pid():
    holder = lease.current_holder(LEASE)
    return int(holder.split(":")[1]) if holder else None


def test_two_scheduler_processes_compile_each_digest_once_and_the_survivor_takes_over(
        app, db, running_campaign, create_campaign, processes, tmp_path):
    command = [sys.executable, "-m", "flask", "--app", "tracker", "scheduler"]
    schedulers = [processes.start(command, _env(app, tmp_path)) for _ in range(2)]
    _wait_for(lambda: _digests(db, running_campaign) == 3 * UNITS, 30, processes, "the missed days")
    time.sleep(TTL)  # the standby has had time to compile them again, were it to
    assert set(_compiled_per_digest(db).values()) == {1} and sum(_compiled_per_digest(db).values()) == 3 * UNITS

    holder = next(process for process in schedulers if process.pid == _holder_pid())
    survivor = next(process for process in schedulers if process is not holder)
    processes.kill(holder)
    killed_at = time.monotonic()
    later = _campaign_started(create_campaign, days_ago=1, name="Thêm sau khi tắt")
    _wait_for(lambda: _digests(db, later) == 2 * UNITS, 15, processes, "the survivor to take over")
    assert time.monotonic() - killed_at < TTL + 10
    assert _holder_pid() == survivor.pid
    assert set(_compiled_per_digest(db).values()) == {1} and sum(_compiled_per_digest(db).values()) == 5 * UNITS

    # Stopped politely, the survivor gives the lease up at once.
    processes.kill(survivor, signal.SIGTERM)
    assert lease.current_holder(LEASE) is None


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_gunicorn_workers_each_run_the_embedded_scheduler_and_one_acts(app, db, running_campaign, processes, tmp_path):
    command = [sys.executable, "-m", "gunicorn", "--preload", "-w", "2", "-b", f"127.0.0.1:{_free_port()}", "wsgi:app"]
    master = processes.start(command, _env(app, tmp_path, TRACKER_SCHEDULER="embedded"))
    _wait_for(lambda: _digests(db, running_campaign) == 3 * UNITS, 30, processes, "the embedded schedulers")
    first = _holder_pid()
    assert first is not None and first != master.pid
    assert os.getppid() != first and _parent_of(first) == master.pid

    os.kill(first, signal.SIGKILL)
    _wait_for(lambda: _holder_pid() not in (None, first), TTL + 10, processes, "another worker to take over")
    assert _parent_of(_holder_pid()) == master.pid
    time.sleep(1)
    assert set(_compiled_per_digest(db).values()) == {1} and sum(_compiled_per_digest(db).values()) == 3 * UNITS

    # A graceful shutdown (SIGTERM to the master) lets the worker holding the lease give it up.
    processes.kill(master, signal.SIGTERM)
    assert lease.current_holder(LEASE) is None


def _parent_of(pid):
    """Return the parent process id of ``pid`` (Linux ``/proc``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[1])
