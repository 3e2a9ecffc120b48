"""``flask --app tracker demo`` seeds a realistic province through the domain operations."""
import functools
import unicodedata
from datetime import timedelta

import pytest
import sqlalchemy as sa
from werkzeug.security import generate_password_hash

from tracker import demo_data
from tracker.auth.operations import authenticate
from tracker.campaigns.models import Campaign, Target
from tracker.campaigns.queries import campaign_today, countdown
from tracker.checkins.models import CheckIn
from tracker.core.time import utcnow
from tracker.events.models import Event
from tracker.geo.models import Unit, UnitLevel
from tracker.outcomes.models import Indicator, Outcome
from tracker.participants.models import Participant
from tracker.trainings.models import Training, TrainingStatus


@pytest.fixture
def seeded(runner, monkeypatch):
    """Run the demo command once; return its result."""
    # Hashing is slow on purpose; a cheap method keeps these tests fast and still verifiable.
    cheap_hash = functools.partial(generate_password_hash, method="pbkdf2:sha256:1000")
    monkeypatch.setattr("tracker.auth.models.generate_password_hash", cheap_hash)
    # The whole demo registers thousands of people; a few trainings' worth proves the same code.
    monkeypatch.setattr("tracker.demo_people.TRAININGS_WITH_PEOPLE", 12)
    monkeypatch.setattr("tracker.demo_people.PEOPLE_PER_VILLAGE", (6, 10))
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    return result


def count(db, model, *where):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def test_demo_seeds_a_province_with_communes_and_villages(db, seeded):
    province = db.session.scalar(sa.select(Unit).where(Unit.code == "66"))
    assert province.name == "Tỉnh Đắk Lắk"
    communes = db.session.scalars(sa.select(Unit).where(Unit.level == UnitLevel.commune)).all()
    assert len(communes) >= 20
    assert all(commune.parent_id == province.id and len(commune.code) == 5 for commune in communes)
    villages = db.session.scalars(sa.select(Unit).where(Unit.level == UnitLevel.village)).all()
    assert all(6 <= count(db, Unit, Unit.parent_id == commune.id) <= 15 for commune in communes)
    names = {village.name for village in villages}
    assert {"Buôn Ko Tam", "Thôn Tân Lập", "Buôn Ea Bông", "Tổ dân phố 5"} <= names
    assert all(unicodedata.is_normalized("NFC", unit.name) for unit in [*communes, *villages])
    assert all(300 <= village.population <= 2500 for village in villages)
    ea_kao = next(commune for commune in communes if commune.name == "Xã Ea Kao")
    assert ea_kao.population == sum(v.population for v in villages if v.parent_id == ea_kao.id)


def test_demo_campaign_is_on_day_40_with_targets(db, seeded):
    campaign = db.session.scalar(sa.select(Campaign))
    assert campaign.name == demo_data.CAMPAIGN_NAME
    assert countdown(campaign, campaign_today(campaign)) == {
        "day_number": 40, "days_total": 103, "days_left": 64}
    targets = db.session.scalars(sa.select(Target).where(Target.campaign_id == campaign.id)).all()
    assert len(targets) == count(db, Unit, Unit.level != UnitLevel.province)
    assert all(target.rate == 0.7 and target.target > 0 for target in targets)


def test_demo_users_sign_in_with_the_printed_passwords(db, seeded):
    lines = seeded.output.splitlines()
    for username, role, _unit, _name in demo_data.ACCOUNTS:
        password = demo_data.PASSWORDS[role]
        assert any(line.split()[:3] == [username, password, role] for line in lines if line.strip())
        user = authenticate(username, password)
        assert user is not None and user.role.value == role
    assert "http://127.0.0.1:5000/login" in seeded.output


def test_demo_trainings_span_past_and_future_with_their_events(db, seeded):
    now = utcnow()
    trainings = count(db, Training)
    assert trainings >= 200
    assert count(db, Training, Training.starts_at < now) > 0
    assert count(db, Training, Training.starts_at > now) > 0
    cancelled = count(db, Training, Training.status == TrainingStatus.cancelled)
    assert 0 < cancelled < 20
    assert count(db, Event, Event.type == "training.scheduled") == trainings
    assert count(db, Event, Event.type == "training.cancelled") == cancelled
    for type_ in ("unit.imported", "campaign.created", "campaign.targets_set"):
        assert count(db, Event, Event.type == type_) == 1
    assert count(db, Event, Event.type == "user.created") == len(demo_data.ACCOUNTS)


def test_demo_refuses_a_second_run_and_changes_nothing(db, runner, seeded):
    before = [count(db, model) for model in (Unit, Training, Event)]
    result = runner.invoke(args=["demo"])
    assert result.exit_code != 0
    assert "--reset" in result.output
    result = runner.invoke(args=["demo", "--if-empty"])
    assert result.exit_code == 0
    assert "already seeded" in result.output
    db.session.expire_all()
    assert [count(db, model) for model in (Unit, Training, Event)] == before


def test_demo_reset_wipes_the_database_and_seeds_it_again(db, runner, seeded):
    runner.invoke(args=["users", "create", "extra.user", "--role", "volunteer", "--unit", "66001",
                        "--password-stdin"], input="another-password\n")
    before = [count(db, model) for model in (Unit, Training, Event)]
    db.session.remove()
    result = runner.invoke(args=["demo", "--reset"])
    assert result.exit_code == 0, result.output
    assert authenticate("extra.user", "another-password") is None
    assert [count(db, model) for model in (Unit, Training, Event)] == [before[0], before[1], before[2] - 1]


def test_demo_people_are_checked_in_at_trainings_that_began(db, seeded):
    participants, checkins = count(db, Participant), count(db, CheckIn)
    assert participants > 0 and checkins > 0
    assert f"{participants:,}" in seeded.output and f"{checkins:,}" in seeded.output
    assert count(db, Event, Event.type == "participant.registered") == participants
    assert count(db, Event, Event.type == "checkin.recorded") == checkins
    held = db.session.scalars(sa.select(Training).where(Training.status == TrainingStatus.held)).all()
    assert held and all(training.starts_at < utcnow() for training in held)
    with_checkins = db.session.scalars(sa.select(CheckIn.training_id).distinct()).all()
    assert sorted(with_checkins) == sorted(training.id for training in held)
    # Every check-in lies in its training's window, as the scanner's rules require.
    for checkin in db.session.scalars(sa.select(CheckIn)):
        assert checkin.training.starts_at - timedelta(hours=1) <= checkin.scanned_at <= checkin.training.ends_at + timedelta(hours=2)
    names = db.session.scalars(sa.select(Participant.full_name)).all()
    assert all(unicodedata.is_normalized("NFC", name) for name in names)
    assert count(db, Indicator) == 4 and count(db, Outcome) > 0
