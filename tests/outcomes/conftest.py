import uuid

import pytest

from tracker.checkins.models import CheckIn, CheckInSource
from tracker.outcomes.models import Indicator


@pytest.fixture
def create_indicator(db, dummy_campaign):
    def _create_indicator(key, name=None, position=0, campaign=None):
        indicator = Indicator(campaign=campaign or dummy_campaign, key=key, name=name or key, position=position)
        db.session.add(indicator)
        db.session.commit()
        return indicator
    return _create_indicator


@pytest.fixture
def dummy_indicators(create_indicator):
    """Two indicators: ``vneid_level2`` first, then ``cashless_payment``."""
    return [create_indicator("vneid_level2", "VNeID mức 2", 0), create_indicator("cashless_payment", "Thanh toán", 1)]


@pytest.fixture
def create_checkin(db):
    def _create_checkin(training, participant, volunteer=None):
        checkin = CheckIn(training=training, participant=participant, scan_id=uuid.uuid4(),
                          scanned_at=training.starts_at, source=CheckInSource.camera, volunteer_id=volunteer and volunteer.id)
        db.session.add(checkin)
        db.session.commit()
        return checkin
    return _create_checkin
