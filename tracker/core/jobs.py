"""Running plain job functions on a schedule (APScheduler 3), inside an app context.

A job is a function of no arguments that does its work in the current database session; the
wrapper commits after it, rolls back and logs on failure. Jobs never start under ``TESTING``.
"""
import logging
import os
from dataclasses import dataclass, field

import click
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from flask import current_app
from flask.cli import with_appcontext

from tracker.core.time import DEFAULT_TIMEZONE
from tracker.extensions import db

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    """A function to run on a cron schedule (fields as APScheduler's ``CronTrigger``)."""

    name: str
    func: object
    cron: dict = field(default_factory=dict)
    timezone: str = DEFAULT_TIMEZONE


def run_job(app, job):
    """Run ``job`` in an app context: commit on success, roll back and log on failure."""
    with app.app_context():
        try:
            result = job.func()
            db.session.commit()
            log.info("job %s done: %s", job.name, result)
            return result
        except Exception:
            db.session.rollback()
            log.exception("job %s failed", job.name)
            return None
        finally:
            db.session.remove()


def build_scheduler(app, jobs, scheduler_class=BackgroundScheduler):
    """Return a scheduler with every job added (not started)."""
    scheduler = scheduler_class(timezone=DEFAULT_TIMEZONE)
    for job in jobs:
        trigger = CronTrigger(timezone=job.timezone, **job.cron)
        scheduler.add_job(run_job, trigger, args=(app, job), id=job.name, name=job.name,
                          coalesce=True, max_instances=1, misfire_grace_time=3600)
    return scheduler


def init_scheduler(app, jobs):
    """Keep the job list on the app; start the embedded scheduler if configured."""
    app.extensions["tracker.jobs"] = jobs
    if app.testing or app.config["TRACKER_SCHEDULER"] != "embedded":
        return
    # The reloader runs the app twice; only the serving child schedules.
    if app.debug and os.environ.get("WERKZEUG_RUN_MAIN") != "true":
        return
    scheduler = build_scheduler(app, jobs)
    scheduler.start()
    app.extensions["tracker.scheduler"] = scheduler
    log.info("embedded scheduler started with %d jobs", len(jobs))


@click.command("scheduler")
@with_appcontext
def scheduler_command():
    """Run the scheduler alone, in the foreground."""
    app = current_app._get_current_object()
    jobs = app.extensions["tracker.jobs"]
    scheduler = build_scheduler(app, jobs, BlockingScheduler)
    click.echo(f"Scheduler running {len(jobs)} job(s); Ctrl+C to stop.")
    for job in scheduler.get_jobs():
        click.echo(f"  {job.name}: {job.trigger}")
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        click.echo("Scheduler stopped.")
