"""The figures of the digest (SPEC §6), assembled from SQL aggregates. See docs/digest.md.

Every view of the digest (page, PDF, chat text, CSV, XLSX, e-mail, API) shows this payload, and
the dashboard calls the same function for "now": one number, one code path.
"""
from datetime import timedelta

from tracker.campaigns.queries import countdown, unit_target
from tracker.digests import activity, reach
from tracker.digests.numbers import ceil_div, percent, rounded
from tracker.outcomes.queries import reached_by_indicator

#: Days over which the recent pace is measured.
PACE_DAYS = 7


def build_payload(campaign, unit, day):
    """Return the digest payload of ``unit`` for ``day`` (as of 00:00 local on ``day``)."""
    return payload_of(reach.Frame.of(campaign, unit, day))


def build_payload_at(campaign, unit, moment):
    """Return the same figures as of any instant (the dashboard's "now"): see ``reach.Frame.at``."""
    return payload_of(reach.Frame.at(campaign, unit, moment))


def payload_of(frame):
    """Return the payload of ``frame``: the one function behind the digest and the dashboard."""
    campaign, unit, day = frame.campaign, frame.unit, frame.day
    reach.allow_large_aggregates()
    series = daily_series(frame)
    target = unit_target(campaign, unit)
    figures = countdown(campaign, day) | {"target": target} | progress(frame, series, target)
    upcoming_total, upcoming = activity.upcoming(frame)
    stale_total, stale = activity.stale(frame)
    return {
        "campaign": {"id": campaign.id, "name": campaign.name},
        "unit": {"code": unit.code, "name": unit.name, "level": str(unit.level)},
        "date": day.isoformat(),
        "as_of": frame.as_of.isoformat(),
        "start_date": campaign.start_date.isoformat(),
        "deadline": campaign.deadline.isoformat(),
        **figures,
        **activity.training_counts(frame),
        **pace(frame, series, figures),
        **activity.villages(frame),
        "ranking": reach.ranking(frame),
        "breakdown": reach.breakdown(frame),
        "indicators": reached_by_indicator(campaign, unit, before=frame.as_of),
        "upcoming_total": upcoming_total, "upcoming": upcoming,
        "stale_total": stale_total, "stale": stale,
        "series": series,
    }


def daily_series(frame):
    """Return one row per day from the start to the day before the frame: new and cumulative reached."""
    found = {found_day: (new, total) for found_day, new, total in reach.reach_by_day(frame)}
    series, total = [], 0
    start = frame.campaign.start_date
    for offset in range(max(0, (frame.day - start).days)):  # at most the campaign's days, never people
        current = start + timedelta(days=offset)
        new, total = found.get(current, (0, total))
        series.append({"date": current.isoformat(), "new_reached": new, "reached": total})
    return series


def progress(frame, series, target):
    """Return reached, its percent of ``target`` and the people first reached yesterday."""
    reached = series[-1]["reached"] if series else 0
    yesterday = series[-1]["new_reached"] if series else 0
    return {"reached": reached, "reached_percent": percent(reached, target), "new_reached_yesterday": yesterday}


def pace(frame, series, figures):
    """Return the required daily pace, the 7-day pace, the projected completion date and on-track."""
    target, reached, days_left = figures["target"], figures["reached"], figures["days_left"]
    window = min(PACE_DAYS, len(series))
    recent = sum(row["new_reached"] for row in series[len(series) - window:]) if window else 0
    remaining = max(0, (target or 0) - reached)
    projected = None
    if target is not None and recent:
        # With the unrounded pace (recent / window): D + ceil(remaining / pace) − 1.
        projected = frame.day + timedelta(days=ceil_div(remaining * window, recent) - 1)
    return {
        "required_daily_pace": _required(remaining, target, days_left),
        "pace_7d": rounded(recent, window, 2) if window else 0.0,
        "projected_completion_date": projected.isoformat() if projected else None,
        "on_track": None if target is None else (reached >= target or (
            projected is not None and projected <= frame.campaign.deadline)),
    }


def _required(remaining, target, days_left):
    if target is None or days_left == 0:
        return None
    return ceil_div(remaining, days_left)
