"""The digest e-mail itself: subject, plain-text and HTML bodies in the recipient's language.

Every figure comes from the stored digest's payload, said in the same words as the page and the
chat text (``tracker.digests.wording``).
"""
import logging
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from urllib.parse import urlsplit

from flask import current_app, has_request_context, render_template, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from werkzeug.routing import BuildError

from tracker.core.time import utcnow
from tracker.digests import wording
from tracker.digests.text import digest_text

log = logging.getLogger(__name__)

#: The endpoint of a digest's page, and the units of the ranking the e-mail names at each end.
DIGEST_ENDPOINT = "digests.digest_page"
RANKING_ENDS = 3
#: Villages not reached named by name (the rest are counted).
VILLAGES_NAMED = 5


def build_message(row, *, now=None):
    """Return the ``EmailMessage`` of a queued e-mail: multipart/alternative, text then HTML, UTF-8."""
    digest, recipient = row.digest, row.recipient
    with force_locale(recipient.language or current_app.config["BABEL_DEFAULT_LOCALE"]):
        subject, text, html = render_digest_email(digest)
    message = EmailMessage()
    # Header values are one line each: names typed with a line break must not break the header.
    message["Subject"] = _one_line(subject)
    message["From"] = current_app.config["TRACKER_MAIL_SENDER"]
    message["To"] = Address(display_name=_one_line(recipient.name or ""), addr_spec=row.email)
    message["Date"] = format_datetime(now or utcnow())
    message["Message-ID"] = make_msgid(domain=_sender_domain())
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(text, cte="quoted-printable")
    message.add_alternative(html, subtype="html", cte="quoted-printable")
    return message


def _one_line(text):
    return " ".join(text.split())


def _sender_domain():
    address = parseaddr(current_app.config["TRACKER_MAIL_SENDER"])[1]
    return address.rpartition("@")[2] or "localhost"


def render_digest_email(digest):
    """Return ``(subject, text, html)`` of a digest's e-mail in the current language."""
    payload, link = digest.payload, digest_link(digest)
    context = email_context(payload, link=link)
    return (subject_line(payload), render_template("email/digest.txt", **context),
            render_template("email/digest.html", **context))


def subject_line(payload):
    """Return "Digest <campaign> – <unit> – 20/08/2025: 67 days left" (the countdown first in the body)."""
    return _("Digest %(campaign)s – %(unit)s – %(date)s: %(left)s", campaign=payload["campaign"]["name"],
             unit=payload["unit"]["name"], date=wording.long_date(payload["date"]),
             left=wording.days_left_text(payload))


def email_context(payload, *, link=None):
    """Return what both bodies show: the payload, its sentences, both ends of the ranking, the link."""
    ranked = [row for row in payload.get("ranking") or [] if row.get("rank") is not None]
    split = len(ranked) > 2 * RANKING_ENDS
    villages = payload.get("villages_not_reached") or []
    return {
        "payload": payload, "link": link, "wording": wording,
        "chat_text": digest_text(payload),
        "sentences": [text for text in (wording.pace_text(payload), wording.projection_text(payload),
                                        wording.need_text(payload)) if text],
        "top": ranked[:RANKING_ENDS] if split else ranked,
        "bottom": ranked[-RANKING_ENDS:] if split else [],
        "villages_missing": max(0, payload["villages_total"] - payload["villages_reached"]),
        "villages_named": villages[:VILLAGES_NAMED],
        "villages_more": max(0, len(villages) - VILLAGES_NAMED),
    }


def digest_link(digest):
    """Return the absolute address of the digest's page, or None when the app's address is unknown.

    ``TRACKER_BASE_URL`` wins (jobs have no request to take the host from); else the current
    request's host, else ``SERVER_NAME``.
    """
    values = {"campaign_id": digest.campaign_id, "day": digest.date.isoformat(), "unit": digest.unit.code}
    try:
        return external_url(DIGEST_ENDPOINT, **values)
    except BuildError:
        log.warning("no page to link digest %s to (%s)", digest.id, DIGEST_ENDPOINT)
        return None


def external_url(endpoint, **values):
    """Build an absolute URL for ``endpoint`` inside or outside a request (None if no address is known)."""
    base = current_app.config.get("TRACKER_BASE_URL")
    if base:
        parts = urlsplit(base)
        adapter = current_app.url_map.bind(parts.netloc, script_name=parts.path.rstrip("/") or "/",
                                           url_scheme=parts.scheme or "https")
        return adapter.build(endpoint, values, force_external=True)
    if has_request_context() or current_app.config.get("SERVER_NAME"):
        return url_for(endpoint, _external=True, **values)
    return None
