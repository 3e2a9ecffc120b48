"""Progress per unit as a spreadsheet: the units under a unit with target, reached, percent and rank.

Computed by the digest's own functions (:func:`tracker.digests.reach.ranking` on a
:class:`~tracker.digests.reach.Frame`), so the file shows the figures the digest and the
dashboard show for the same moment. With a day, the moment is the end of that local day:
progress "on D" counts every check-in scanned before 00:00 on D + 1, exactly what the digest
dated D + 1 counts. Without one it is now, as the dashboard computes it (``Frame.at``): today so
far, which tomorrow's digest will show if nothing else comes in.
"""
from datetime import timedelta

import sqlalchemy as sa
from flask_babel import gettext as _

from tracker.campaigns.queries import unit_target
from tracker.core.exports import Sheet
from tracker.core.time import utcnow
from tracker.digests import reach
from tracker.digests.numbers import percent
from tracker.extensions import db


def progress_frame(campaign, unit, day=None, *, now=None):
    """Return the digest frame of ``unit`` at the end of local ``day``, or as of ``now`` without a day."""
    if day is None:
        return reach.Frame.at(campaign, unit, now or utcnow())
    return reach.Frame.of(campaign, unit, day + timedelta(days=1))


def unit_reached(frame):
    """Return the distinct people of the frame's unit reached before its moment (the digest's ``reached``)."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(reach.first_reaches(frame)))


def progress_sheet(frame):
    """Return the sheet of the frame's child units, ranked as in the digest, and the unit's own total last."""
    reach.allow_large_aggregates()
    rows = [[row["code"], row["name"], row["target"], row["reached"], row["percent"], row["rank"],
             row["rank_change"]] for row in reach.ranking(frame)]
    target, reached = unit_target(frame.campaign, frame.unit), unit_reached(frame)
    rows.append([frame.unit.code, _("Total: %(unit)s", unit=frame.unit.name), target, reached,
                 percent(reached, target), None, None])
    headers = [_("Code"), _("Name"), _("Target"), _("Reached"), _("Reached (%)"), _("Rank"),
               _("Change since yesterday")]
    return Sheet(_("Progress"), headers, rows, widths=[12, 32, 10, 12, 14, 8, 14])
