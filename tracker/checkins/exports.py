"""Check-ins as a spreadsheet: a training's roster, or every check-in at the trainings of a unit.

The roster reads through the training page's own query (:func:`~tracker.checkins.queries.roster_select`,
voided check-ins included as the page shows them), a unit's check-ins through
:func:`~tracker.checkins.queries.unit_checkins_select`; both as plain columns fetched in batches,
so that a whole province (1.5 million check-ins) streams in flat memory.
"""
from flask_babel import gettext as _

from tracker.checkins.models import CheckIn, CheckInSource
from tracker.checkins.queries import ROSTER_ORDER, roster_select, unit_checkins_select
from tracker.core.exports import Sheet, local_naive, stream_rows
from tracker.geo.models import Unit
from tracker.participants.models import Participant
from tracker.trainings.models import Training

#: A unit's check-ins, training by training, each training's in scan order.
UNIT_ORDER = (Training.starts_at, Training.id, *ROSTER_ORDER)
_COLUMNS = (Training.id, Training.title, Training.starts_at, Unit.code, Unit.name, Participant.code,
            Participant.full_name, CheckIn.scanned_at, CheckIn.recorded_at, CheckIn.source, CheckIn.is_offline,
            CheckIn.voided_at, CheckIn.void_reason)


def roster_sheet(training):
    """Return the sheet of ``training``'s check-ins as its page lists them (voided ones marked)."""
    stmt = (roster_select(training, include_voided=True)
            .join(Training, Training.id == CheckIn.training_id).join(Unit, Unit.id == Training.village_id)
            .join(Participant, Participant.id == CheckIn.participant_id)
            .with_only_columns(*_COLUMNS).order_by(*ROSTER_ORDER))
    return _sheet(stmt, training.campaign.timezone)


def unit_checkins_sheet(user, campaign, unit):
    """Return the sheet of the check-ins at ``campaign``'s trainings held in ``unit`` that ``user`` may see."""
    stmt = (unit_checkins_select(user, campaign, unit)
            .join(Participant, Participant.id == CheckIn.participant_id)
            .with_only_columns(*_COLUMNS).order_by(*UNIT_ORDER))
    return _sheet(stmt, campaign.timezone)


def _sheet(stmt, tz_name):
    headers = [_("Training id"), _("Training"), _("Training starts"), _("Village code"), _("Village"),
               _("Participant code"), _("Participant"), _("Scanned at"), _("Recorded at"), _("Source"),
               _("Offline"), _("Voided"), _("Voided at"), _("Reason for voiding")]
    words = {"source": {CheckInSource.camera: _("scanned by camera"), CheckInSource.manual: _("code typed in"),
                        CheckInSource.sync: _("sent later")},
             True: _("yes"), False: _("no")}
    return Sheet(_("Check-ins"), headers, _rows(stmt, words, tz_name),
                 widths=[10, 30, 17, 12, 24, 12, 28, 17, 17, 14, 10, 8, 17, 28])


def _rows(stmt, words, tz_name):
    for (training_id, title, starts_at, village_code, village, code, name, scanned_at, recorded_at, source,
         is_offline, voided_at, void_reason) in stream_rows(stmt):
        yield [training_id, title, local_naive(starts_at, tz_name), village_code, village, code, name,
               local_naive(scanned_at, tz_name), local_naive(recorded_at, tz_name),
               words["source"].get(source, source), words[bool(is_offline)], words[voided_at is not None],
               local_naive(voided_at, tz_name), void_reason]
