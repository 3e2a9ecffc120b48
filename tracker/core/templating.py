"""What templates get besides their view's values: permission checks, labels and local time.

Instants are stored in UTC; templates show them in the campaign's time zone through the
filters here (``|local_time(tz)``, ``|local_datetime(tz)``), formatted the local way by
Flask-Babel.
"""
import itertools
import re
from datetime import datetime

from flask import current_app
from flask_babel import (
    format_date,
    format_datetime,
    format_decimal,
    format_time,
    get_locale,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup, escape

from tracker.auth.access import can
from tracker.core import time as clock

STATUS_LABELS = {"planned": _l("Planned"), "held": _l("Held"), "cancelled": _l("Cancelled")}
ROLE_LABELS = {
    "admin": _l("Administrator"),
    "committee": _l("Committee member"),
    "coordinator": _l("Commune coordinator"),
    "volunteer": _l("Volunteer"),
}
LEVEL_LABELS = {"province": _l("Province"), "commune": _l("Commune"), "village": _l("Village")}
EVENT_LABELS = {
    "unit.imported": _l("Units imported"),
    "campaign.created": _l("Campaign created"),
    "campaign.updated": _l("Campaign changed"),
    "campaign.targets_set": _l("Targets set"),
    "training.scheduled": _l("Training planned"),
    "training.updated": _l("Training changed"),
    "training.cancelled": _l("Training cancelled"),
    "training.held": _l("Training held"),
    "participant.registered": _l("Participant registered"),
    "participant.viewed": _l("Participant's page read"),
    "participant.exported": _l("Participant's data exported"),
    "participant.consent_withdrawn": _l("Participant withdrew consent"),
    "participant.merged": _l("Participant records merged"),
    "participant.duplicate_dismissed": _l("Marked not the same person"),
    "cards.printed": _l("Cards printed"),
    "checkin.recorded": _l("Checked in"),
    "checkin.voided": _l("Check-in voided"),
    "outcome.recorded": _l("Outcome recorded"),
    "outcome.undone": _l("Outcome taken back"),
    "campaign.indicators_updated": _l("Indicators changed"),
    "indicator.targets_set": _l("Indicator targets set"),
    "user.created": _l("User created"),
    "user.deactivated": _l("User deactivated"),
    "user.reactivated": _l("User reactivated"),
    "user.updated": _l("User changed"),
    "user.password_reset": _l("Password reset link made"),
    "user.password_changed": _l("Password changed"),
    "enrolment.opened": _l("Volunteer enrolment link opened"),
    "enrolment.closed": _l("Volunteer enrolment link closed"),
    "volunteer.enrolled": _l("Volunteer enrolled"),
    "volunteer.revoked": _l("Volunteer's access revoked"),
    "digest.compiled": _l("Digest compiled"),
    "digest_recipient.added": _l("Digest recipient added"),
    "digest_recipient.deactivated": _l("Digest recipient paused"),
    "digest_recipient.reactivated": _l("Digest recipient resumed"),
    "digest_recipient.removed": _l("Digest recipient removed"),
    "digest_recipient.subscribed": _l("Subscribed to the digest"),
    "digest_recipient.unsubscribed": _l("Unsubscribed from the digest"),
    "scan.held": _l("Scan held for review"),
    "scan.held_accepted": _l("Held scan accepted"),
    "scan.held_discarded": _l("Held scan discarded"),
    "webhook.subscribed": _l("Webhook subscribed"),
    "webhook.disabled": _l("Webhook disabled"),
    "webhook.enabled": _l("Webhook enabled"),
    "webhook.resent": _l("Webhook delivery sent again"),
}
#: Names of the fields that event payloads carry, for the audit trail.
FIELD_LABELS = {
    "village": _l("Village"), "title": _l("Title"), "topic": _l("Topic"), "starts_at": _l("Starts"),
    "ends_at": _l("Ends"), "place": _l("Place"), "trainer": _l("Trainer"), "capacity": _l("Capacity"),
    "reason": _l("Reason"), "previous_status": _l("Status"), "name": _l("Name"), "start_date": _l("Start date"),
    "deadline": _l("Deadline (last day)"), "target": _l("Target"), "created": _l("Created"),
    "updated": _l("Updated"), "rows": _l("Rows"), "username": _l("Username"), "role": _l("Role"),
    "unit": _l("Unit"), "units": _l("Units"), "rate": _l("Rate"), "changed": _l("Changed"),
    "code": _l("Code"), "participant": _l("Participant"), "training_id": _l("Training"),
    "source": _l("Source"), "offline": _l("Offline"), "shown": _l("Scanner showed"),
    "scanned_at": _l("Scanned"), "checkin_id": _l("Check-in"), "first_checkin_id": _l("First check-in"),
    "imported": _l("Imported"), "count": _l("Count"),
    "date": _l("Date"), "reached": _l("Reached"), "days_left": _l("Days left"),
    "recipient_id": _l("Recipient"), "user_id": _l("User"),
    "delivery_id": _l("Delivery"), "event_id": _l("Event"),
    "enrolment_id": _l("Enrolment link"), "access_days": _l("Days of access"), "access_until": _l("Access until"),
}
LABELS = {"status": STATUS_LABELS, "role": ROLE_LABELS, "level": LEVEL_LABELS, "event": EVENT_LABELS,
          "field": FIELD_LABELS}
#: Longest payload summary shown in lists.
SUMMARY_LENGTH = 240


def _zone(tz_name):
    return tz_name or current_app.config["BABEL_DEFAULT_TIMEZONE"]


def local_datetime(instant, tz_name=None, format="short"):
    """Format an aware instant as a local date and time in ``tz_name``."""
    if instant is None:
        return ""
    return format_datetime(clock.local(instant, _zone(tz_name)), format, rebase=False)


def local_time(instant, tz_name=None):
    """Format an aware instant as local ``HH:mm`` in ``tz_name``."""
    if instant is None:
        return ""
    return format_time(clock.local(instant, _zone(tz_name)), "HH:mm", rebase=False)


def local_day(instant, tz_name=None):
    """Return the local calendar date of an aware instant in ``tz_name``."""
    return clock.local_date(instant, _zone(tz_name))


def day(value, format="medium"):
    """Format a calendar date the local way (``short``, ``medium``, ``full`` or a pattern)."""
    return "" if value is None else format_date(value, format)


def number(value, places=0):
    """Format a number with the locale's grouping; empty for None."""
    if value is None:
        return ""
    pattern = "#,##0" + ("." + "0" * places if places else "")
    return format_decimal(value, pattern)


def label(value, kind):
    """Return the translated label of an enum value (``status``, ``role`` or ``level``)."""
    key = getattr(value, "value", value)
    return LABELS[kind].get(key, key)


def payload_summary(payload, tz_name=None):
    """Summarise an event payload in one line: changes as ``key: before → after``."""
    def show(value):
        if isinstance(value, str) and len(value) >= 20 and value[4:5] == "-" and "T" in value:
            try:
                return local_datetime(datetime.fromisoformat(value), tz_name)
            except ValueError:
                return value
        if isinstance(value, bool):
            return _("yes") if value else _("no")
        return "—" if value in (None, "") else str(value)

    payload = payload or {}
    if isinstance(payload.get("changes"), dict):
        parts = [f"{label(key, 'field')}: {show(change[0])} → {show(change[1])}"
                 for key, change in payload["changes"].items() if isinstance(change, list) and len(change) == 2]
    else:
        parts = [f"{label(key, 'field')}: {show(value)}" for key, value in payload.items()
                 if not isinstance(value, (dict, list))]
    text = "; ".join(parts)
    return text if len(text) <= SUMMARY_LENGTH else text[: SUMMARY_LENGTH - 1] + "…"


def options(items, value=None, text=None, group=None, labels=None):
    """Turn objects into ``[(value, text)]`` for a select; with ``group``, ``[(label, [...])]``.

    Attributes may be dotted (``parent.name``); without ``value`` the items are plain strings.
    With ``labels`` (a kind of :func:`label`) the text is the value's translated label.
    Grouping keeps the items' order, so sort them by the group first.
    """
    def pick(item, attr):
        for part in attr.split(".") if attr else ():
            item = getattr(item, part)
        return item

    pairs = [(pick(item, value), label(pick(item, value), labels) if labels else pick(item, text or value),
              pick(item, group)) for item in items]
    if group is None:
        return [(key, label) for key, label, _group in pairs]
    return [(name, [(key, label) for key, label, _group in rows])
            for name, rows in itertools.groupby(pairs, key=lambda pair: pair[2])]


_HEADER = re.compile(r"<th\b[^>]*>(.*?)</th>", re.S)
_ROW = re.compile(r"<tr\b.*?</tr>", re.S)


def label_cells(html):
    """Give each body cell of a table its column's header as ``data-label``, shown above it on a phone."""
    head, end, body = str(html).partition("</thead>")
    labels = [escape(Markup(text).striptags()) for text in _HEADER.findall(head)]

    def label_row(row):
        cells = iter(labels)
        return re.sub(r"<td\b", lambda _cell: (f'<td data-label="{label}"' if (label := next(cells, "")) else "<td"),
                      row.group(0))
    return Markup(head + end + _ROW.sub(label_row, body))


def _request_values():
    return {"current_locale": str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"])}


def init_templating(app):
    """Register the filters and the context processor on ``app``."""
    app.jinja_env.filters.update(
        local_datetime=local_datetime,
        local_time=local_time,
        local_day=local_day,
        day=day,
        number=number,
        label=label,
        options=options,
        payload_summary=payload_summary,
        label_cells=label_cells,
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    # Globals, not context values: imported macros see them too.
    app.jinja_env.globals.update(can=can, current_user=current_user)
    app.context_processor(_request_values)
