"""HTML pages about sending the digest: recipients by unit and the log of e-mails sent."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from tracker.auth.access import ensure_can, requires
from tracker.core.args import load
from tracker.core.errors import AppError
from tracker.core.views import refused
from tracker.digests import mail, recipients
from tracker.digests.mail_schemas import (
    EmailListArgsSchema,
    RecipientActiveFormSchema,
    RecipientCreateSchema,
    RecipientUnitArgsSchema,
    SubscriptionFormSchema,
)
from tracker.digests.models import EmailStatus
from tracker.extensions import db

bp = Blueprint("digest_mail", __name__)


@bp.get("/digests/recipients")
@requires("digests.recipients")
@login_required
def own_recipients():
    """The recipients of the unit picked (``?unit=CODE``), by default the admin's own."""
    ensure_can(current_user, "digests.recipients")
    code = load(RecipientUnitArgsSchema(), "query")["unit"] or current_user.unit.code
    return redirect(url_for("digest_mail.recipients_page", code=code))


@bp.get("/digests/recipients/<code>")
@requires("digests.recipients")
@login_required
def recipients_page(code):
    """Who receives the digest of a unit, with the forms to add, pause and remove addresses."""
    return _render_recipients(recipients.get_recipient_unit_for(current_user, code))


@bp.post("/digests/recipients/<code>")
@requires("digests.recipients")
@login_required
def add_recipient(code):
    """Add an address to a unit's recipients."""
    unit = recipients.get_recipient_unit_for(current_user, code)
    try:
        recipient = recipients.add_recipient(unit, load(RecipientCreateSchema()), user=current_user)
        db.session.commit()
    except AppError as error:
        return _render_recipients(unit, form=request.form, errors=refused(error), status=422)
    flash(_("%(email)s will receive the digest of %(unit)s.", email=recipient.email, unit=unit.name), "success")
    return redirect(url_for("digest_mail.recipients_page", code=unit.code))


@bp.post("/digests/recipients/<code>/<int:recipient_id>/active")
@requires("digests.recipients")
@login_required
def set_recipient_active(code, recipient_id):
    """Pause or resume sending to one address."""
    recipient = recipients.get_recipient_for(current_user, recipient_id)
    data = load(RecipientActiveFormSchema())
    recipients.set_recipient_active(recipient, data["is_active"], user=current_user)
    db.session.commit()
    if data["is_active"]:
        flash(_("%(email)s receives the digest again.", email=recipient.email), "success")
    else:
        flash(_("%(email)s no longer receives the digest.", email=recipient.email), "success")
    return redirect(url_for("digest_mail.recipients_page", code=recipient.unit.code))


@bp.post("/digests/recipients/<code>/<int:recipient_id>/remove")
@requires("digests.recipients")
@login_required
def remove_recipient(code, recipient_id):
    """Remove an address and its e-mail history."""
    recipient = recipients.get_recipient_for(current_user, recipient_id)
    email, unit_code = recipient.email, recipient.unit.code
    recipients.remove_recipient(recipient, user=current_user)
    db.session.commit()
    flash(_("%(email)s was removed from the recipients.", email=email), "success")
    return redirect(url_for("digest_mail.recipients_page", code=unit_code))


def _render_recipients(unit, *, form=None, errors=None, status=200):
    return render_template(
        "digests/recipients.html", unit=unit, recipients=recipients.list_recipients(unit),
        units=recipients.recipient_units(current_user), form=form or {}, errors=errors or {},
        mail_configured=mail.is_mail_configured(),
    ), status


@bp.get("/digests/subscription")
@requires("digests.subscribe")
@login_required
def subscription_page():
    """Whether the user receives their unit's digest by e-mail, with the button to change it."""
    unit = recipients.get_recipient_unit_for(current_user, current_user.unit.code, "digests.subscribe")
    return render_template("digests/subscription.html", unit=unit,
                           subscription=recipients.get_subscription(current_user, unit),
                           mail_configured=mail.is_mail_configured())


@bp.post("/digests/subscription")
@requires("digests.subscribe")
@login_required
def set_subscription():
    """Subscribe or unsubscribe the user to (from) their own unit's digest."""
    ensure_can(current_user, "digests.subscribe")
    data = load(SubscriptionFormSchema())
    unit = data.get("unit") or current_user.unit
    if data["subscribe"]:
        recipients.subscribe(current_user, unit, language=data["language"])
    else:
        recipients.unsubscribe(current_user, unit)
    db.session.commit()
    if data["subscribe"]:
        flash(_("You will receive the digest of %(unit)s by e-mail.", unit=unit.name), "success")
    else:
        flash(_("You no longer receive the digest of %(unit)s by e-mail.", unit=unit.name), "success")
    target = data["next"]
    return redirect(target if target.startswith("/") and not target.startswith("//")
                    else url_for("digest_mail.subscription_page"))


@bp.get("/digests/emails")
@requires("digests.recipients")
@login_required
def emails_page():
    """Every digest e-mail in the admin's area: queued, sent or failed, with attempts and errors."""
    ensure_can(current_user, "digests.recipients")
    args = load(EmailListArgsSchema(), "query")
    return render_template("digests/emails.html", emails=mail.list_emails(current_user, status=args["status"]),
                           counts=mail.count_emails(current_user), status=args["status"], statuses=list(EmailStatus),
                           mail_configured=mail.is_mail_configured())


@bp.post("/digests/emails/<int:email_id>/retry")
@requires("digests.recipients")
@login_required
def retry_email(email_id):
    """Try a failed e-mail again, now."""
    email = mail.retry_email(mail.get_email_for(current_user, email_id), user=current_user)
    db.session.commit()
    messages = {
        EmailStatus.sent: (_("The e-mail was sent."), "success"),
        EmailStatus.failed: (_("The e-mail failed again: %(error)s", error=email.last_error), "error"),
        EmailStatus.queued: (_("The e-mail waits in the queue for its next attempt."), "info"),
    }
    flash(*messages[email.status])
    return redirect(url_for("digest_mail.emails_page", status=request.args.get("status") or None))
