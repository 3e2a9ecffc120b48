"""The delivery job's wiring: registered under the scheduler's lease, woken by commits, known event types."""
import ast
import threading
import time
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

from tracker.core.templating import EVENT_LABELS
from tracker.core.time import utcnow
from tracker.events.webhooks import jobs
from tracker.events.webhooks.schemas import known_event_types

PACKAGE = Path(__file__).resolve().parents[2] / "tracker"


def test_the_delivery_job_is_scheduled_every_10_seconds_and_on_taking_the_lease(app):
    job = {job.name: job for job in app.extensions["tracker.jobs"]}["webhook-delivery"]
    assert job.func is jobs.run_deliveries and job.on_lease and job.cron == {"second": "*/10"}
    # A run ends before the next one is due (APScheduler would skip it with a warning).
    assert jobs.LOOP_SECONDS + jobs.SWEEP_SECONDS <= 10


def test_a_commit_wakes_the_delivery_loop_at_once(app, db, receiver, subscribe, emit, monkeypatch):
    """The loop sleeps far longer than the test waits: only the after-commit signal can wake it."""
    subscribe("checkin.recorded")
    passes, finished = [], {}
    deliver_due = jobs.deliver_due

    def counted(**kwargs):
        passes.append(time.monotonic())
        return deliver_due(**kwargs)

    monkeypatch.setattr(jobs, "deliver_due", counted)

    def loop():
        with app.app_context():
            finished.update(jobs.run_deliveries(seconds=6, sweep=60))

    jobs._wake.clear()
    thread = threading.Thread(target=loop)
    thread.start()
    try:
        time.sleep(0.3)
        assert len(passes) == 1 and receiver.requests == []
        [event_id] = emit("checkin.recorded", 1, settle=False)
        committed = time.monotonic()
        while len(passes) < 2 and time.monotonic() - committed < 3:
            time.sleep(0.01)
        assert len(passes) >= 2 and passes[1] - committed < 0.5
        if db.engine.dialect.name == "sqlite":
            # (On PostgreSQL the event also waits for the server-wide horizon, which other databases'
            # open transactions may hold back; the 2 s sweep picks it up then.)
            while not receiver.requests and time.monotonic() - committed < 3:
                time.sleep(0.01)
            assert receiver.event_ids() == [event_id]
    finally:
        thread.join()
    if db.engine.dialect.name == "sqlite":
        assert finished == {"delivered": 1}


def test_the_loop_stops_when_the_lease_is_lost_or_the_scheduler_stops(app, monkeypatch):
    lost, stopped = _Runner(held=False), _Runner(held=True)
    stopped.stopped = True
    for runner in (lost, stopped):
        monkeypatch.setitem(app.extensions, "tracker.scheduler", runner)
        started = time.monotonic()
        assert jobs.run_deliveries(seconds=30) == {}
        assert time.monotonic() - started < 1


class _Scheduler:
    def __init__(self, next_run_time=None):
        self.modified, self.next_run_time = [], next_run_time

    def modify_job(self, name, **changes):
        self.modified.append(name)

    def get_job(self, name):
        return SimpleNamespace(next_run_time=self.next_run_time) if self.next_run_time else None


class _Runner:
    def __init__(self, held):
        self.held, self.stopped, self.scheduler = held, False, _Scheduler()


def test_a_commit_between_runs_starts_the_job_now_in_the_lease_holder(app, monkeypatch):
    holder, stand_by = _Runner(held=True), _Runner(held=False)
    for runner in (holder, stand_by):
        monkeypatch.setitem(app.extensions, "tracker.scheduler", runner)
        jobs.wake(app, event_ids=[1])
    assert holder.scheduler.modified == ["webhook-delivery"] and stand_by.scheduler.modified == []
    # While the loop runs, the signal only wakes it.
    jobs._looping.set()
    try:
        monkeypatch.setitem(app.extensions, "tracker.scheduler", holder)
        jobs.wake(app, event_ids=[2])
    finally:
        jobs._looping.clear()
    assert holder.scheduler.modified == ["webhook-delivery"] and jobs._wake.is_set()


def test_a_run_ends_a_second_before_the_next_is_due(app, monkeypatch):
    """Else APScheduler skips the next run with a warning (a run woken early is off the 10 s grid)."""
    now = utcnow()
    runner = _Runner(held=True)
    monkeypatch.setitem(app.extensions, "tracker.scheduler", runner)
    for next_run, deadline in ((now + timedelta(seconds=3), now + timedelta(seconds=2)),
                               (now + timedelta(seconds=30), now + timedelta(seconds=8))):
        runner.scheduler = _Scheduler(next_run_time=next_run)
        assert jobs._loop_deadline(8, now=now) == deadline
    # A run whose next one is already due stops after one pass instead of looping its 8 seconds.
    runner.scheduler = _Scheduler(next_run_time=utcnow())
    started = time.monotonic()
    jobs.run_deliveries(seconds=8, sweep=0.5)
    assert time.monotonic() - started < 5


def _recorded_types():
    """Every event type named in a ``record(...)`` call of the app's code."""
    found = set()
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", None)) in {"record", "_record"}:
                if node.args:
                    found |= {leaf.value for leaf in ast.walk(node.args[0])
                              if isinstance(leaf, ast.Constant) and isinstance(leaf.value, str) and "." in leaf.value}
    return found


def test_every_event_the_app_records_can_be_subscribed_to():
    """The known types (for validation and the form's boxes) are the labelled ones: none missing."""
    recorded = _recorded_types()
    assert {"checkin.recorded", "webhook.disabled", "user.deactivated"} <= recorded
    assert recorded - set(known_event_types()) == set(), "add a label to EVENT_LABELS in tracker/core/templating.py"
    assert known_event_types() == list(EVENT_LABELS)
