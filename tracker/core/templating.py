"""What templates get besides their view's values: permission checks, labels and local time.

Instants are stored in UTC; templates show them in the campaign's time zone through the
filters here (``|local_time(tz)``, ``|local_datetime(tz)``), formatted the local way by
Flask-Babel.
"""
from flask import current_app
from flask_babel import format_date, format_datetime, format_decimal, format_time, get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user

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
LABELS = {"status": STATUS_LABELS, "role": ROLE_LABELS, "level": LEVEL_LABELS}


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


def _template_globals():
    return {
        "can": can,
        "current_user": current_user,
        "current_locale": str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"]),
    }


def init_templating(app):
    """Register the filters and the context processor on ``app``."""
    app.jinja_env.filters.update(
        local_datetime=local_datetime,
        local_time=local_time,
        local_day=local_day,
        day=day,
        number=number,
        label=label,
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.context_processor(_template_globals)
