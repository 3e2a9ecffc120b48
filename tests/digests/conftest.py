"""Fixtures of the digest tests: the hand-worked ten-day campaign (see worked_example.py) and a
real SMTP server on loopback for the e-mail tests."""
import uuid
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller

from tests.digests.mail_helpers import Collector, free_port, use_smtp
from tests.digests.worked_example import worked  # noqa: F401
from tracker.campaigns.models import Target
from tracker.checkins.models import CheckIn, CheckInSource
from tracker.core.time import DEFAULT_TIMEZONE, today, utcnow


@pytest.fixture
def smtp_server(app, monkeypatch):
    """A real SMTP server on 127.0.0.1 that collects what it receives; the app sends to it."""
    handler = Collector()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    use_smtp(app, monkeypatch, port)
    yield handler
    controller.stop()


@pytest.fixture
def smtp_down(app, monkeypatch):
    """An SMTP setting pointing at a loopback port where no server listens."""
    use_smtp(app, monkeypatch, free_port())


@pytest.fixture
def running(create_campaign, create_training, create_participant, tree, db):
    """A campaign on its 10th day, with two people checked in this morning (one at home, one visiting)."""
    start = today(DEFAULT_TIMEZONE) - timedelta(days=9)
    campaign = create_campaign(start_date=start, deadline=start + timedelta(days=102))
    for unit, target in (("commune", 20), ("other_commune", 4), ("village", 10)):
        db.session.add(Target(campaign=campaign, unit=tree[unit], target=target))
    now = utcnow()
    training = create_training(campaign=campaign, starts_at=now - timedelta(hours=1), ends_at=now + timedelta(hours=1))
    for person in (create_participant("Nguyễn Thị Hoa"), create_participant("Y Dăm", village=tree["other_village"])):
        db.session.add(CheckIn(training=training, participant=person, scan_id=uuid.uuid4(),
                               scanned_at=now - timedelta(minutes=30), source=CheckInSource.camera))
    db.session.commit()
    return campaign
