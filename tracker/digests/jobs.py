"""Scheduled jobs of the digest: compile every campaign's digests at its digest time, catch up.

``sync_digests`` runs every minute (and at once when this process takes the scheduler lease):
it gives every campaign not yet over a daily job at its ``digest_time`` in its time zone, so
campaigns created or changed later are picked up without a restart, and it compiles every digest
missing from the start date to today, one committed day at a time. The daily job compiles the
digest dated today and queues its e-mails; digests of past days that are caught up send none.
Today's digests compiled before the digest time (the sync's early compile) count as unfinished
once that time has passed: a daily run that was missed, or killed part-way, is made up by the
next sync, which compiles and mails them.
"""
import logging
import threading
from collections import Counter
from datetime import timedelta

import sqlalchemy as sa

from tracker.campaigns.models import Campaign
from tracker.campaigns.queries import campaign_today
from tracker.core.jobs import Job, has_lease, replace_jobs
from tracker.core.time import combine_local, utcnow
from tracker.digests import mail, operations
from tracker.extensions import db

log = logging.getLogger(__name__)

PREFIX = "digest-campaign-"
#: The sync and the daily jobs run in threads of their own: one compiles at a time, so both never
#: write the same day's digests at once.
_compiling = threading.Lock()
#: Most e-mail batches one run sends (the next run, a minute later, goes on).
MAIL_BATCHES = 50


def sync_digests(*, now=None):
    """Schedule a daily job per running campaign and compile the digests missing so far."""
    campaigns = db.session.scalars(sa.select(Campaign).order_by(Campaign.id)).all()
    replace_jobs(PREFIX, [daily_job(campaign) for campaign in campaigns if not is_over(campaign, now=now)])
    compiled = 0
    for campaign in campaigns:
        try:
            with _compiling:
                compiled += catch_up(campaign, now=now)
        except Exception:
            # One campaign that fails to compile must not keep the others from theirs.
            db.session.rollback()
            log.exception("catching up the digests of campaign %s failed", campaign.id)
    return compiled


def is_over(campaign, *, now=None):
    """Tell whether ``campaign`` has had its last digest day (the day after the deadline)."""
    return campaign_today(campaign, now=now) > campaign.deadline + timedelta(days=1)


def daily_job(campaign):
    """Return the job that compiles ``campaign``'s digests every day at its digest time."""
    at = campaign.digest_time
    return Job(f"{PREFIX}{campaign.id}", compile_daily_digests, cron={"hour": at.hour, "minute": at.minute},
               timezone=campaign.timezone, args=(campaign.id,))


def catch_up(campaign, *, before=None, now=None):
    """Compile every missing digest day of ``campaign`` (before ``before``, if given); return the
    number of digests made.

    Stops when this process loses the scheduler lease. Today's digest queues its e-mails only
    once today's digest time has passed (the daily job was missed); past days send none.
    """
    compiled = 0
    for day in unfinished_days(campaign, now=now):
        if (before and day >= before) or not has_lease():
            break
        is_mailed = day == campaign_today(campaign, now=now) and is_digest_time_past(campaign, now=now)
        compiled += compile_day(campaign, day, mail=is_mailed, now=now)
    return compiled


def unfinished_days(campaign, *, now=None):
    """Return the days with a digest missing, and today when its digest time has passed since one of
    today's digests was compiled (the daily run did not happen, or stopped part-way)."""
    days = operations.missing_days(campaign, now=now)
    day = campaign_today(campaign, now=now)
    if day in days or operations.last_day(campaign, now=now) != day or not is_digest_time_past(campaign, now=now):
        return days
    if operations.has_digest_compiled_before(campaign, day, digest_instant(campaign, day)):
        days.append(day)
    return days


def compile_day(campaign, day, *, mail=False, now=None):
    """Compile the day's digest of the province and of every commune, committing each one.

    A transaction per digest keeps every write short: a crash loses at most the digest being
    compiled, and readers of the event feed (which waits for older open transactions) never wait
    on a whole province's compile.
    """
    compiled = 0
    for unit in operations.digest_units(campaign):
        if not has_lease():
            break
        digest = operations.compile_digest(campaign, unit, day, now=now)
        if mail:
            queue_emails([digest], now=now)
        db.session.commit()
        compiled += 1
    return compiled


def is_digest_time_past(campaign, *, now=None):
    """Tell whether today's digest time of ``campaign`` has come."""
    return (now or utcnow()) >= digest_instant(campaign, campaign_today(campaign, now=now))


def digest_instant(campaign, day):
    """Return the instant of ``campaign``'s digest time on ``day``."""
    return combine_local(day, campaign.digest_time, campaign.timezone)


def compile_daily_digests(campaign_id, *, now=None):
    """Compile today's digests of a campaign (after any missing day) and queue their e-mails."""
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None or not _is_digest_day(campaign, now=now):
        return 0
    day = campaign_today(campaign, now=now)
    with _compiling:
        compiled = catch_up(campaign, before=day, now=now)
        return compiled + compile_day(campaign, day, mail=True, now=now)


def _is_digest_day(campaign, *, now=None):
    day = campaign_today(campaign, now=now)
    return campaign.start_date <= day <= campaign.deadline + timedelta(days=1)


def queue_emails(digests, *, now=None):
    """Queue the e-mails of freshly compiled ``digests`` to their units' recipients."""
    return mail.queue_digest_emails(digests, now=now)


def send_digest_emails(*, now=None, batches=MAIL_BATCHES):
    """Send the due digest e-mails (new ones and retries) batch by batch, committing each batch.

    A crash re-sends at most the batch it was in; losing the lease stops after the current batch.
    """
    total = Counter()
    for _batch in range(batches):
        if not has_lease():
            break
        outcome = mail.send_due_emails(now=now)
        db.session.commit()
        total.update(outcome)
        if sum(outcome.values()) < mail.BATCH_SIZE:
            break
    return dict(total)
