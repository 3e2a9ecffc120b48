"""The one home of time: the clock, time zones and local calendar days."""
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

UTC = UTC
DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"


def utcnow():
    """Return the current instant, aware, in UTC."""
    return datetime.now(UTC)


def get_zone(name):
    """Return the ``ZoneInfo`` for ``name``; raise ``ValueError`` for an unknown zone."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone: {name}") from exc


def is_valid_zone(name):
    """Tell whether ``name`` is a time zone this machine knows."""
    return name in available_timezones()


def today(tz_name, *, now=None):
    """Return the local calendar date in ``tz_name`` at ``now``."""
    return local(now or utcnow(), tz_name).date()


def local(instant, tz_name):
    """Convert an aware instant to local time in ``tz_name``."""
    return instant.astimezone(get_zone(tz_name))


def local_date(instant, tz_name):
    """Return the local calendar date of an aware instant."""
    return local(instant, tz_name).date()


def day_bounds(day, tz_name):
    """Return the UTC instants ``[start, end)`` of local calendar ``day``."""
    zone = get_zone(tz_name)
    start = datetime.combine(day, time.min, tzinfo=zone)
    end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone)
    return start.astimezone(UTC), end.astimezone(UTC)


def fixed_utc_offset(tz_name, first, last):
    """Return the zone's UTC offset in seconds if it is the same on every day ``first``…``last``, else None.

    Day buckets in SQL are plain arithmetic on epoch seconds when the offset is fixed (Asia/Ho_Chi_Minh
    has no daylight saving); a zone that changes offset inside the range needs the bounds of each day.
    """
    zone = get_zone(tz_name)
    offsets = {datetime.combine(first + timedelta(days=n), time(12), tzinfo=zone).utcoffset()
               for n in range((last - first).days + 1)}
    offsets |= {datetime.combine(day, time.min, tzinfo=zone).utcoffset() for day in (first, last)}
    return int(offsets.pop().total_seconds()) if len(offsets) == 1 else None


def epoch_day(day):
    """Return the number of days from 1970-01-01 to ``day``."""
    return (day - EPOCH_DAY).days


def from_epoch_day(number):
    """Return the calendar date ``number`` days after 1970-01-01."""
    return EPOCH_DAY + timedelta(days=number)


EPOCH_DAY = date(1970, 1, 1)


def combine_local(day, at, tz_name):
    """Return the aware instant of local ``day`` at wall-clock ``at`` in ``tz_name``."""
    return datetime.combine(day, at, tzinfo=get_zone(tz_name)).astimezone(UTC)


def parse_date(text):
    """Parse an ISO ``YYYY-MM-DD`` date; raise ``ValueError`` otherwise."""
    return date.fromisoformat(text)
