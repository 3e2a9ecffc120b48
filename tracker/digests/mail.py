"""E-mailing the digest: one row per digest and recipient, sent over SMTP, retried with back-off.

``queue_digest_emails`` adds the rows, ``send_due_emails`` sends those that are due. Neither
commits: the job (or the view) that calls them does, once, at the end. Each row moves from
``queued`` to ``sent``, or after ``TRACKER_MAIL_MAX_ATTEMPTS`` failed attempts to ``failed``, with
its last error kept for the admins' e-mail page; nothing is given up without a trace.
"""
import logging
import random
import smtplib
import ssl
from collections import Counter
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from tracker.auth.access import ensure_can, scope_filter
from tracker.campaigns.queries import campaign_today
from tracker.core.db import dialect_insert
from tracker.core.errors import Conflict, NotFound
from tracker.core.time import utcnow
from tracker.digests.mail_message import build_message
from tracker.digests.models import Digest, DigestEmail, EmailStatus
from tracker.digests.recipients import active_recipients
from tracker.extensions import db
from tracker.geo.models import Unit

log = logging.getLogger(__name__)

#: E-mails sent per call of ``send_due_emails``: also the most a crash can send twice (see there).
BATCH_SIZE = 20
#: Wait after the 1st, 2nd, … failed attempt, in seconds (the last one repeats), ± ``JITTER``.
BACKOFF = (60, 5 * 60, 30 * 60, 2 * 3600, 6 * 3600)
JITTER = 0.1
#: Longest error text kept (the column's size).
ERROR_LENGTH = 1000


def is_mail_configured():
    """Tell whether an SMTP server is set (``TRACKER_SMTP_HOST``); without one e-mails stay queued."""
    return bool(current_app.config.get("TRACKER_SMTP_HOST"))


# Queueing ------------------------------------------------------------------------------------

def queue_digest_emails(digests, *, now=None):
    """Queue one e-mail per digest and active recipient of its unit; return how many were added.

    Only digests dated today (in the campaign's time zone) are mailed: a server catching up on
    missed days stores their digests without flooding inboxes with stale ones. A (digest,
    recipient) pair is queued once, ever: the insert skips pairs that exist, also when two
    processes queue at the same moment (the unique constraint decides, ``ON CONFLICT DO NOTHING``).
    """
    now = now or utcnow()
    digests = [digest for digest in digests if digest.date >= campaign_today(digest.campaign, now=now)]
    recipients = active_recipients({digest.unit_id for digest in digests}) if digests else []
    rows = [{"digest_id": digest.id, "recipient_id": recipient.id, "email": address, "status": EmailStatus.queued,
             "attempts": 0, "next_attempt_at": now, "created_at": now}
            for digest in digests for recipient, address in recipients if recipient.unit_id == digest.unit_id]
    return _insert_new(rows) if rows else 0


def _insert_new(rows):
    stmt = dialect_insert(db.session, DigestEmail.__table__).values(rows).on_conflict_do_nothing(
        index_elements=["digest_id", "recipient_id"]).returning(DigestEmail.__table__.c.id)
    return len(db.session.execute(stmt).all())


# Sending -------------------------------------------------------------------------------------

def send_due_emails(*, now=None, limit=BATCH_SIZE):
    """Send up to ``limit`` queued e-mails that are due; return the count of each outcome.

    The caller commits after it returns. SMTP cannot be exactly once: a crash after a message
    left but before that commit sends it again on the next run. Small batches bound that to
    ``limit`` messages, and a job may call this again after each commit to drain a long queue.
    On PostgreSQL the rows are taken ``FOR UPDATE SKIP LOCKED``, so two senders never take the
    same e-mail; on SQLite the scheduler's lease keeps one sender.
    """
    if not is_mail_configured():
        return {"sent": 0, "retrying": 0, "failed": 0}
    now = now or utcnow()
    rows = db.session.scalars(
        sa.select(DigestEmail).where(DigestEmail.status == EmailStatus.queued, DigestEmail.next_attempt_at <= now)
        .order_by(DigestEmail.next_attempt_at, DigestEmail.id).limit(limit)
        .with_for_update(skip_locked=True, of=DigestEmail)
    ).all()
    return deliver(rows, now=now)


def deliver(rows, *, now):
    """Send each of ``rows`` over one SMTP connection and record its outcome (flushed, not committed)."""
    outcomes = Counter({"sent": 0, "retrying": 0, "failed": 0})
    with Mailer(current_app.config) as mailer:
        for row in rows:
            outcomes[_deliver_one(row, mailer, now)] += 1
    db.session.flush()
    return dict(outcomes)


def _deliver_one(row, mailer, now):
    row.attempts += 1
    try:
        if not _still_wanted(row):
            raise LookupError(_("The recipient no longer receives this digest."))
        mailer.send(build_message(row, now=now))
    except (smtplib.SMTPException, OSError, LookupError) as error:
        return _record_failure(row, error, now)
    except Exception as error:  # a bug rendering one e-mail must not hold up the others, nor vanish
        log.exception("digest e-mail %s could not be built", row.id)
        return _record_failure(row, error, now)
    row.status, row.sent_at, row.next_attempt_at, row.last_error = EmailStatus.sent, now, None, None
    log.info("digest e-mail %s sent (digest %s, recipient %s)", row.id, row.digest_id, row.recipient_id)
    return "sent"


def _still_wanted(row):
    recipient = row.recipient
    return recipient.is_active and (recipient.user is None or recipient.user.is_active)


def _record_failure(row, error, now):
    row.last_error = describe_error(error)[:ERROR_LENGTH]
    # The log says which row and what kind of failure; the server's text may quote the address.
    kind = f"{type(error).__name__} {getattr(error, 'smtp_code', '')}".strip()
    if row.attempts >= current_app.config["TRACKER_MAIL_MAX_ATTEMPTS"]:
        row.status, row.next_attempt_at = EmailStatus.failed, None
        log.error("digest e-mail %s failed for good after %d attempts: %s", row.id, row.attempts, kind)
        return "failed"
    row.next_attempt_at = now + retry_delay(row.attempts)
    log.warning("digest e-mail %s attempt %d failed, retrying: %s", row.id, row.attempts, kind)
    return "retrying"


def retry_delay(attempts):
    """Return the wait after ``attempts`` failed attempts: 1 min, 5 min, 30 min, 2 h, then 6 h, ±10 %."""
    base = BACKOFF[min(attempts, len(BACKOFF)) - 1]
    return timedelta(seconds=base * random.uniform(1 - JITTER, 1 + JITTER))


def describe_error(error):
    """Return the error text an admin needs: the SMTP reply (code and text), else the exception."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        replies = [f"{code} {_decode(text)}" for code, text in error.recipients.values()]
        return "SMTPRecipientsRefused: " + "; ".join(replies)
    if isinstance(error, smtplib.SMTPResponseException):
        return f"{type(error).__name__}: {error.smtp_code} {_decode(error.smtp_error)}"
    return f"{type(error).__name__}: {error}"


def _decode(text):
    return text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)


class Mailer:
    """One SMTP connection for a batch, opened on first use and again after the server drops it.

    When connecting fails, the rest of the batch fails with the same error at once instead of
    waiting out the timeout once per e-mail.
    """

    def __init__(self, config):
        self.config, self.smtp, self.broken = config, None, None

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def send(self, message):
        """Send ``message`` (its From and To are the envelope)."""
        if self.broken is not None:
            raise self.broken
        if self.smtp is None:
            self.smtp = self._connect()
        try:
            self.smtp.send_message(message)
        except smtplib.SMTPServerDisconnected:
            self.smtp = None
            raise

    def _connect(self):
        config, context = self.config, ssl.create_default_context()
        host, port, timeout = config["TRACKER_SMTP_HOST"], config["TRACKER_SMTP_PORT"], config["TRACKER_SMTP_TIMEOUT"]
        smtp = None
        try:
            if config["TRACKER_SMTP_SECURITY"] == "ssl":
                smtp = smtplib.SMTP_SSL(host, port, timeout=timeout, context=context)
            else:
                smtp = smtplib.SMTP(host, port, timeout=timeout)
                if config["TRACKER_SMTP_SECURITY"] == "starttls":
                    smtp.starttls(context=context)
            if config.get("TRACKER_SMTP_USER"):
                smtp.login(config["TRACKER_SMTP_USER"], config.get("TRACKER_SMTP_PASSWORD") or "")
        except (smtplib.SMTPException, OSError) as error:
            if smtp is not None:
                smtp.close()
            self.broken = error
            raise
        return smtp

    def close(self):
        """Say goodbye to the server (or just drop the connection if it is gone)."""
        if self.smtp is None:
            return
        try:
            self.smtp.quit()
        except (smtplib.SMTPException, OSError):
            self.smtp.close()
        self.smtp = None


# The admins' e-mail page ---------------------------------------------------------------------

def list_emails(user, *, status=None, limit=200):
    """Return the newest e-mails of digests in ``user``'s area (of one ``status``, if given)."""
    stmt = (sa.select(DigestEmail).join(Digest, Digest.id == DigestEmail.digest_id).join(Unit, Unit.id == Digest.unit_id)
            .where(scope_filter(user, Unit))
            .options(sa.orm.selectinload(DigestEmail.digest).selectinload(Digest.unit),
                     sa.orm.selectinload(DigestEmail.digest).selectinload(Digest.campaign))
            .order_by(DigestEmail.created_at.desc(), DigestEmail.id.desc()).limit(limit))
    if status is not None:
        stmt = stmt.where(DigestEmail.status == status)
    return db.session.scalars(stmt).all()


def count_emails(user):
    """Return ``{status: count}`` of the e-mails of digests in ``user``'s area."""
    rows = db.session.execute(
        sa.select(DigestEmail.status, sa.func.count(DigestEmail.id))
        .join(Digest, Digest.id == DigestEmail.digest_id).join(Unit, Unit.id == Digest.unit_id)
        .where(scope_filter(user, Unit)).group_by(DigestEmail.status)
    ).all()
    return {status: 0 for status in EmailStatus} | dict(rows)


def get_email_for(user, email_id):
    """Return the e-mail if ``user`` may manage its unit's recipients (404 out of scope, 403 by role)."""
    email = db.session.get(DigestEmail, email_id, with_for_update=True)
    if email is None:
        raise NotFound(_("Not found."))
    ensure_can(user, "digests.recipients", email.digest.unit)
    return email


def retry_email(email, *, user, now=None):
    """Give a failed (or waiting) e-mail one more attempt now; send it at once if e-mail is set up."""
    ensure_can(user, "digests.recipients", email.digest.unit)
    if email.status == EmailStatus.sent:
        raise Conflict(_("This e-mail was sent already; it is never sent twice."))
    now = now or utcnow()
    email.status, email.next_attempt_at = EmailStatus.queued, now
    if is_mail_configured():
        deliver([email], now=now)
    db.session.flush()
    return email
