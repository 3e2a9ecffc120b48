"""Running plain job functions on a schedule (APScheduler 3), inside an app context, under a lease.

A job is a function that does its work in the current database session; the wrapper commits
after it, rolls back and logs on failure. Every process that runs a scheduler (each gunicorn
worker with ``TRACKER_SCHEDULER=embedded``, or ``flask --app tracker scheduler``) schedules every
job in its own memory job store (APScheduler's job stores cannot be shared between processes),
and a job runs only in the process that holds the ``scheduler`` lease in the database
(``tracker.core.lease``); the others stand by and take over when the holder stops renewing it.
Jobs never start under ``TESTING``.
"""
import atexit
import logging
import os
import signal
import sys
import threading
import traceback
from dataclasses import dataclass, field

import click
import sqlalchemy as sa
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from apscheduler.util import undefined
from flask import current_app
from flask.cli import with_appcontext
from flask.helpers import get_debug_flag

from tracker.core import lease
from tracker.core.time import DEFAULT_TIMEZONE, utcnow
from tracker.extensions import db

log = logging.getLogger(__name__)

LEASE = "scheduler"
#: A run missed by up to an hour (a busy or suspended process) still happens, once.
JOB_DEFAULTS = {"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600}


@dataclass(frozen=True)
class Job:
    """A function to run on a cron schedule (fields as APScheduler's ``CronTrigger``)."""

    name: str
    func: object
    cron: dict = field(default_factory=dict)
    timezone: str = DEFAULT_TIMEZONE
    args: tuple = ()
    #: Also run at once when scheduled (at start) and whenever this process takes the lease over.
    on_lease: bool = False


def run_job(app, job):
    """Run ``job`` in an app context: commit on success, roll back and log on failure."""
    with app.app_context():
        try:
            result = job.func(*job.args)
            db.session.commit()
            log.info("job %s done: %s", job.name, result)
            return result
        except Exception:
            db.session.rollback()
            log.exception("job %s failed", job.name)
            return None
        finally:
            db.session.remove()


class Runner:
    """This process's scheduler: the jobs it schedules and the lease it must hold to run them."""

    def __init__(self, app, jobs=(), scheduler_class=BackgroundScheduler):
        self.app, self.holder = app, lease.new_holder()
        self.ttl = app.config["TRACKER_SCHEDULER_LEASE_TTL"]
        #: None until the lease is first checked: the on-lease jobs run at start anyway.
        self.held, self.stopped = None, False
        # Taking the lease and stopping exclude each other: a job's renewal in flight when the process
        # stops must not take the lease back after stop() gave it up.
        self._lease_lock = threading.RLock()
        self.scheduler = scheduler_class(timezone=DEFAULT_TIMEZONE)
        self.scheduler.add_job(self.holds_lease, IntervalTrigger(seconds=max(self.ttl / 3, 0.5)), id="lease",
                               name="lease", next_run_time=utcnow(), **JOB_DEFAULTS)
        for job in jobs:
            self.schedule(job)

    def schedule(self, job):
        """Add ``job``, replacing a job of the same name."""
        trigger = CronTrigger(timezone=job.timezone, **job.cron)
        if self.scheduler.get_job(job.name) is not None:
            self.scheduler.remove_job(job.name)
        first_run = utcnow() if job.on_lease else undefined
        self.scheduler.add_job(self.run, trigger, args=(job,), id=job.name, name=job.name, next_run_time=first_run,
                               **JOB_DEFAULTS)

    def jobs(self):
        """Return the scheduled ``Job``s by name."""
        return {entry.id: entry.args[0] for entry in self.scheduler.get_jobs() if entry.id != "lease"}

    def replace_jobs(self, prefix, jobs):
        """Make the jobs named ``prefix…`` exactly ``jobs``: add the new, reschedule the changed, drop the rest."""
        wanted, scheduled = {job.name: job for job in jobs}, self.jobs()
        for name in scheduled.keys() - wanted.keys():
            if name.startswith(prefix):
                self.scheduler.remove_job(name)
        for name, job in wanted.items():
            if scheduled.get(name) != job:
                self.schedule(job)

    def holds_lease(self):
        """Take or renew the lease; tell whether this process may act now."""
        with self._lease_lock:
            if self.stopped:
                return False
            try:
                with self.app.app_context():
                    held = lease.acquire(LEASE, self.holder, self.ttl)
            except sa.exc.SQLAlchemyError:
                log.exception("scheduler lease could not be renewed by %s", self.holder)
                held = False
        before, self.held = self.held, held
        if held and before is not True:
            log.info("scheduler lease taken by %s", self.holder)
        if held and before is False:
            self._run_on_lease_jobs()
        return held

    def _run_on_lease_jobs(self):
        for name, job in self.jobs().items():
            if job.on_lease:
                self.scheduler.modify_job(name, next_run_time=utcnow())

    def run(self, job):
        """Run ``job`` if this process holds the lease; otherwise stand by."""
        if not self.holds_lease():
            log.debug("job %s left to the lease holder", job.name)
            return None
        return run_job(self.app, job)

    def stop(self):
        """Stop scheduling and give the lease up, so that another process takes over at once."""
        with self._lease_lock:
            if self.stopped:
                return
            self.stopped = True
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        try:
            with self.app.app_context():
                lease.release(LEASE, self.holder)
        except sa.exc.SQLAlchemyError:
            log.exception("scheduler lease could not be released by %s", self.holder)
        log.info("scheduler of %s stopped", self.holder)


def current_runner():
    """Return the scheduler runner of this process, or None (jobs run by hand, tests)."""
    return current_app.extensions.get("tracker.scheduler")


def has_lease():
    """Tell whether the current job may go on: this process holds the lease, or no scheduler runs."""
    runner = current_runner()
    return runner is None or runner.holds_lease()


def replace_jobs(prefix, jobs):
    """Make this process's scheduled jobs named ``prefix…`` exactly ``jobs`` (no scheduler: nothing)."""
    runner = current_runner()
    if runner is not None:
        runner.replace_jobs(prefix, jobs)


def init_scheduler(app, jobs):
    """Keep the job list on the app; start the embedded scheduler in a serving process."""
    app.extensions["tracker.jobs"] = jobs
    if not is_embedded_here(app):
        return
    if _loaded_by_forking_master():
        # gunicorn --preload: threads do not survive fork, so each worker starts its own.
        os.register_at_fork(after_in_child=lambda: start_embedded(app))
        return
    start_embedded(app)


def is_embedded_here(app):
    """Tell whether this process should run the embedded scheduler.

    Not under ``TESTING``, not unless ``TRACKER_SCHEDULER=embedded``, not in CLI commands other
    than ``flask run`` (``db upgrade``, ``demo`` … are short-lived), not in the reloader's watcher
    (only the child it restarts serves).
    """
    if app.testing or app.config["TRACKER_SCHEDULER"] != "embedded":
        return False
    context = click.get_current_context(silent=True)
    if context is None:
        return True
    if context.info_name != "run":
        return False
    reloads = context.params.get("reload")
    reloads = get_debug_flag() if reloads is None else reloads
    return not reloads or os.environ.get("WERKZEUG_RUN_MAIN") == "true"


def _loaded_by_forking_master():
    """Tell whether gunicorn's master is loading the app (``--preload``) to fork its workers later."""
    modules = {frame.f_globals.get("__name__") or "" for frame, _line in traceback.walk_stack(None)}
    in_worker = any(module.startswith("gunicorn.workers") for module in modules)
    return "gunicorn.arbiter" in modules and not in_worker


def start_embedded(app):
    """Start this process's background scheduler (once per process)."""
    runner = app.extensions.get("tracker.scheduler")
    if runner is not None and runner.holder.split(":")[1] == str(os.getpid()):
        return runner
    runner = Runner(app, app.extensions["tracker.jobs"])
    app.extensions["tracker.scheduler"] = runner
    runner.scheduler.start()
    _stop_at_exit(runner)
    log.info("embedded scheduler started by %s with %d jobs", runner.holder, len(runner.jobs()))
    return runner


def _stop_at_exit(runner):
    """Stop ``runner`` when the interpreter exits, before the thread pools close.

    ``concurrent.futures`` closes its pools in a ``threading`` exit hook, which runs before the
    ``atexit`` handlers: a scheduler still running then fails to hand the next due job to its pool
    ("cannot schedule new futures after interpreter shutdown", logged as an error). Hooks run last
    registered first, so one registered here stops the scheduler before its pool closes. The
    ``atexit`` handler stays for a Python without the hook (``stop`` runs once).
    """
    register_before_pools = getattr(threading, "_register_atexit", None)
    if register_before_pools is not None:
        register_before_pools(runner.stop)
    atexit.register(runner.stop)


@click.command("scheduler")
@with_appcontext
def scheduler_command():
    """Run the scheduler alone, in the foreground (it acts while it holds the lease)."""
    app = current_app._get_current_object()
    runner = Runner(app, app.extensions["tracker.jobs"], BlockingScheduler)
    app.extensions["tracker.scheduler"] = runner
    click.echo(f"Scheduler {runner.holder} running {len(runner.jobs())} job(s); Ctrl+C to stop.")
    for entry in runner.scheduler.get_jobs():
        click.echo(f"  {entry.name}: {entry.trigger}")
    signal.signal(signal.SIGTERM, lambda *_args: sys.exit(0))
    try:
        runner.scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        click.echo("Scheduler stopped.")
    finally:
        runner.stop()
