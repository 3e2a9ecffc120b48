"""People's rights over their data (Decree 13/2023/NĐ-CP): withdrawing consent, a copy of one's data,
and a record of who read a person's page. See docs/privacy.md.

Withdrawing consent erases what identifies the person — name, phone, exact birth year, ethnic
group — and keeps what the drive's counts need, so every figure stays true: the record (its id and
public code) with its check-ins and outcomes, its home village and gender, a birth year in the
middle of its age band, and "ethnic minority or not". The person then counts as an anonymous
participant of that village, gender and age band.
"""
import re
from datetime import UTC

import sqlalchemy as sa
from flask_babel import gettext as _

from tracker.auth.access import ensure_can
from tracker.checkins.models import CheckIn, HeldKind, HeldScan
from tracker.core.errors import Conflict
from tracker.core.time import DEFAULT_TIMEZONE, today, utcnow
from tracker.events import operations as events
from tracker.extensions import db
from tracker.outcomes.models import Outcome
from tracker.participants.models import AGE_BANDS, MAJORITY_ETHNICITY
from tracker.participants.names import fold_name

#: What an anonymised person is called (the same for all: it says nothing about them).
ANONYMOUS_NAME = "Ẩn danh"
#: The ethnic group an anonymised person of a minority is stored with: the count of minorities stays true.
ANONYMOUS_MINORITY = "Dân tộc thiểu số"
#: Age in the middle of each band (the digest's bands): a year either way never changes the band.
BAND_MIDDLE = {"60+": 70, "40-59": 50, "25-39": 32, "15-24": 20, "under_15": 10}
#: What replaces the person's name in free text written about them (a void's reason).
ERASED = "[…]"


def age_band(birth_year, year):
    """Return the digest's age band of someone born in ``birth_year``, in ``year``."""
    return next((key for key, youngest in AGE_BANDS if birth_year <= year - youngest), "under_15")


def withdraw_consent(participant, *, user, now=None):
    """Erase the person's identifying data, keeping their counts true; record who did it."""
    ensure_can(user, "participants.register", participant.village)
    if participant.is_anonymised:
        raise Conflict(_("This person's data was already erased."))
    now = now or utcnow()
    name = participant.full_name
    year = today(DEFAULT_TIMEZONE, now=now).year
    participant.birth_year = year - BAND_MIDDLE[age_band(participant.birth_year, year)]
    participant.ethnicity = MAJORITY_ETHNICITY if not participant.is_ethnic_minority else ANONYMOUS_MINORITY
    participant.full_name, participant.search_name = ANONYMOUS_NAME, fold_name(ANONYMOUS_NAME)
    participant.phone = None
    participant.consent, participant.consent_withdrawn_at = False, now
    _erase_elsewhere(participant, name)
    db.session.flush()
    events.record("participant.consent_withdrawn", participant, {"code": participant.code}, user=user,
                  unit=participant.village)
    return participant


def _erase_elsewhere(participant, name):
    """Erase the person's name where people wrote it: a walk-in handed over for review, a void's reason."""
    checkin_ids = sa.select(CheckIn.id).where(CheckIn.participant_id == participant.id)
    for held in db.session.scalars(sa.select(HeldScan).where(HeldScan.kind == HeldKind.walk_in,
                                                             HeldScan.checkin_id.in_(checkin_ids))):
        held.payload = {**held.payload, "details": {}}
    pattern = re.compile(re.escape(name), re.IGNORECASE)
    for checkin in db.session.scalars(sa.select(CheckIn).where(CheckIn.participant_id == participant.id,
                                                               CheckIn.void_reason.is_not(None))):
        checkin.void_reason = pattern.sub(ERASED, checkin.void_reason)


def personal_data(participant, *, user, now=None):
    """Return everything stored about the person, for them (a coordinator exports it on request); log it."""
    ensure_can(user, "participants.read", participant.village)
    checkins = db.session.scalars(
        sa.select(CheckIn).where(CheckIn.participant_id == participant.id).order_by(CheckIn.scanned_at)).all()
    outcomes = db.session.scalars(
        sa.select(Outcome).where(Outcome.participant_id == participant.id).order_by(Outcome.recorded_at)).all()
    data = {
        "exported_at": _instant(now or utcnow()),
        "person": {
            "code": participant.code, "full_name": participant.full_name, "birth_year": participant.birth_year,
            "gender": participant.gender.value, "ethnicity": participant.ethnicity, "phone": participant.phone,
            "village": {"code": participant.village.code, "name": participant.village.name},
            "registered_at": _instant(participant.created_at), "consent": participant.consent,
            "consent_at": _instant(participant.consent_at),
            "consent_withdrawn_at": _instant(participant.consent_withdrawn_at),
            "card_printed_at": _instant(participant.card_printed_at),
        },
        "checkins": [{"training": checkin.training.title, "village": checkin.training.village.name,
                      "scanned_at": _instant(checkin.scanned_at), "source": checkin.source.value,
                      "offline": checkin.is_offline, "voided": checkin.is_voided} for checkin in checkins],
        "outcomes": [{"indicator": outcome.indicator.name, "recorded_at": _instant(outcome.recorded_at)}
                     for outcome in outcomes],
    }
    events.record("participant.exported", participant, {"code": participant.code}, user=user,
                  unit=participant.village)
    return data


def record_view(participant, *, user):
    """Log that ``user`` read the person's page (who read whose data is a right of the person to know)."""
    events.record("participant.viewed", participant, {"code": participant.code}, user=user, unit=participant.village)


def _instant(value):
    return value.astimezone(UTC).isoformat() if value is not None else None
