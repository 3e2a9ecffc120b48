"""The trainings list as a spreadsheet: the trainings the list page shows for the same filters.

Read through the list's own query (:func:`~tracker.trainings.queries.trainings_for`), in its
order, as plain columns in batches, each with its number of check-ins counted in SQL.
"""
import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import aliased

from tracker.checkins.models import CheckIn
from tracker.core.exports import Sheet, local_naive, stream_rows
from tracker.core.templating import STATUS_LABELS
from tracker.core.time import DEFAULT_TIMEZONE
from tracker.geo.models import Unit
from tracker.trainings.models import Training
from tracker.trainings.queries import TRAINING_ORDER, trainings_for


def checkin_count():
    """Return a correlated count of a training's check-ins that count (voided ones do not)."""
    return (sa.select(sa.func.count(CheckIn.id))
            .where(CheckIn.training_id == Training.id, CheckIn.voided_at.is_(None))
            .correlate(Training).scalar_subquery())


def trainings_sheet(user, *, campaign, unit=None, day=None, status=None):
    """Return the sheet of the trainings ``user``'s list shows for these filters; times in the campaign's zone.

    Without a campaign (the API's list may span several), times are in the default zone.
    """
    commune = aliased(Unit)
    stmt = (trainings_for(user, campaign=campaign, unit=unit, day=day, status=status)
            .join(commune, commune.id == Unit.parent_id)
            .with_only_columns(Training.id, Training.starts_at, Training.ends_at, Training.title, Training.topic,
                               Training.status, Unit.code, Unit.name, commune.code, commune.name, Training.place,
                               Training.trainer, Training.capacity, checkin_count(), Training.cancel_reason)
            .order_by(*TRAINING_ORDER))
    headers = [_("Id"), _("Starts"), _("Ends"), _("Title"), _("Topic"), _("Status"), _("Village code"),
               _("Village"), _("Commune code"), _("Commune"), _("Place"), _("Trainer"), _("Capacity"),
               _("Check-ins"), _("Reason for cancelling")]
    statuses = {key: str(label) for key, label in STATUS_LABELS.items()}
    zone = campaign.timezone if campaign is not None else DEFAULT_TIMEZONE
    return Sheet(_("Trainings"), headers, _rows(stmt, statuses, zone),
                 widths=[8, 17, 17, 32, 20, 12, 12, 24, 12, 24, 24, 20, 10, 10, 24])


def _rows(stmt, statuses, tz_name):
    for (id_, starts_at, ends_at, title, topic, status, village_code, village, commune_code, commune, place,
         trainer, capacity, checkins, cancel_reason) in stream_rows(stmt):
        yield [id_, local_naive(starts_at, tz_name), local_naive(ends_at, tz_name), title, topic,
               statuses.get(status, status), village_code, village, commune_code, commune, place, trainer,
               capacity, checkins, cancel_reason]
