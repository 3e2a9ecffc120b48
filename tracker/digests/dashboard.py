"""What the dashboard shows: the digest's figures of a unit as of now, with the way down and up.

The figures are the progress snapshot (``progress.progress_now``): the digest's own function, so
the dashboard, the digest, the exports and the public page agree for the same moment.
"""
import marshmallow as ma
from flask import url_for

from tracker.auth.access import can_see, ensure_can
from tracker.campaigns.queries import campaign_today, countdown
from tracker.core.args import DropBlanks
from tracker.digests.chart import burnup_svg, chart_title
from tracker.digests.wording import FORMATS, breakdown_groups, projection_text, said
from tracker.geo.models import UnitLevel
from tracker.geo.queries import ancestors
from tracker.geo.schemas import UnitField


class DashboardArgsSchema(DropBlanks, ma.Schema):
    """``?unit=CODE``: a unit in the reader's area (their own unit when left out)."""

    unit = UnitField()


def dashboard_unit(user, campaign, unit=None):
    """Return the unit to show (the user's own by default) once ``user`` may read its progress (404 out of scope)."""
    unit = unit or user.unit
    ensure_can(user, "progress.read", unit)
    if not unit.is_within(campaign.unit):
        ensure_can(user, "progress.read", campaign.unit)  # 404: the campaign does not cover it
    return unit


def snapshot_etag(snapshot):
    """Return the ETag of the figures as of ``snapshot``: it changes when they are computed again."""
    return f'W/"p{snapshot.id}-{int(snapshot.as_of.timestamp() * 1000)}"'


def progress_view(user, campaign, unit, snapshot):
    """Return the template values of the figures part of the dashboard (also sent to live pages)."""
    payload = snapshot.payload
    today = campaign_today(campaign, now=snapshot.as_of)
    return {
        "campaign": campaign, "unit": unit, "snapshot": snapshot, "payload": payload, "today": today,
        "countdown": countdown(campaign, today), "said": said(payload), "fmt": FORMATS,
        "groups": breakdown_groups(payload),
        "chart": burnup_svg(payload, title=chart_title(), description=projection_text(payload)),
        "links": child_links(user, unit, payload), "crumbs": crumbs(user, unit),
    }


def child_links(user, unit, payload):
    """Return ``{code: url}`` for the ranking's rows the reader may open (communes, then villages)."""
    if unit.level == UnitLevel.village:
        return {}
    return {row["code"]: url_for("campaigns.dashboard", unit=row["code"]) for row in payload.get("ranking") or []}


def crumbs(user, unit):
    """Return the units above ``unit`` that the reader may open, top first (their own unit at most)."""
    return [above for above in ancestors(unit) if can_see(user, above)]
