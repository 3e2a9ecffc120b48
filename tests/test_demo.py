"""``flask --app tracker demo`` seeds a realistic province through the domain operations."""
import functools
import math
import re
import unicodedata
from datetime import date, time, timedelta

import pytest
import sqlalchemy as sa
from werkzeug.security import generate_password_hash

from tracker.auth.models import User
from tracker.auth.operations import authenticate
from tracker.campaigns.models import Campaign, Target
from tracker.campaigns.queries import campaign_today, countdown
from tracker.checkins.models import CheckIn
from tracker.core.time import combine_local, utcnow
from tracker.demo import data as demo_data
from tracker.demo.scan import demo_communes, describe, ensure_open_trainings, open_training_in
from tracker.demo.seed import LATE_BY_DAYS
from tracker.digests.figures import build_payload_at
from tracker.events.models import Event
from tracker.geo.models import Unit, UnitLevel
from tracker.outcomes.models import Indicator, Outcome
from tracker.participants.models import Gender, Participant
from tracker.participants.operations import register_participant
from tracker.trainings.models import Training, TrainingStatus
from tracker.trainings.operations import cancel_training


@pytest.fixture
def small_demo(monkeypatch):
    """Make the demo quick to seed."""
    # Hashing is slow on purpose; a cheap method keeps these tests fast and still verifiable.
    cheap_hash = functools.partial(generate_password_hash, method="pbkdf2:sha256:1000")
    monkeypatch.setattr("tracker.auth.models.generate_password_hash", cheap_hash)
    # The whole demo registers thousands of people; a few trainings' worth proves the same code.
    monkeypatch.setattr("tracker.demo.people.TRAININGS_WITH_PEOPLE", 12)
    monkeypatch.setattr("tracker.demo.people.PEOPLE_PER_VILLAGE", (6, 10))


@pytest.fixture
def seeded(runner, small_demo):
    """Run the demo command once; return its result."""
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    return result


@pytest.fixture
def users_by_name(db, seeded):
    """The demo's accounts by username."""
    return {user.username: user for user in db.session.scalars(sa.select(User))}


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
    assert len({target.rate for target in targets}) == 1 and all(target.target > 0 for target in targets)


def test_the_demo_reads_like_a_drive_slightly_behind_its_pace(db, seeded):
    """At 70 % of the population the demo's few thousand people made "2.5 %, 1,700 days late"."""
    campaign = db.session.scalar(sa.select(Campaign))
    figures = build_payload_at(campaign, campaign.unit, utcnow())
    late = (date.fromisoformat(figures["projected_completion_date"]) - campaign.deadline).days
    # The rate is rounded up to 0.01 % and each commune's target up to a person: that many more
    # people, at the demo's pace, is how much later than LATE_BY_DAYS the projection may land.
    slack = campaign.unit.population / 10_000 + len(figures["ranking"])
    assert figures["on_track"] is False
    assert LATE_BY_DAYS - 1 <= late <= LATE_BY_DAYS + 1 + math.ceil(slack / figures["pace_7d"]), (late, figures)
    assert 0 < figures["reached_percent"] < 100 and figures["required_daily_pace"] > figures["pace_7d"] > 0
    [rate] = set(db.session.scalars(sa.select(Target.rate).where(Target.campaign_id == campaign.id)))
    assert f"= {rate:.2%} dân số" in seeded.output
    percents = [row["percent"] for row in figures["ranking"]]
    assert len(percents) >= 20 and max(percents) > min(percents)  # an emulation table, not a tie
    assert figures["indicators"] and all(0 < indicator["target"] < figures["target"] / 2
                                         for indicator in figures["indicators"])


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


# A training open for check-in now in each demo commune (the quick start's step) ---------------

def _at_three_in_the_morning(db):
    """Today 03:00 in the demo's time zone: no seeded training takes check-ins then (slots run 07:30–21:00)."""
    campaign = db.session.scalar(sa.select(Campaign))
    return combine_local(campaign_today(campaign), time(3, 0), campaign.timezone)


def test_the_open_step_plans_one_training_per_demo_commune_when_missing(db, seeded, count_events):
    now = _at_three_in_the_morning(db)
    before = count_events("training.scheduled")
    lines = ensure_open_trainings(now=now)
    db.session.commit()
    assert [line["commune"].name for line in lines] == ["Xã Ea Kao", "Xã Buôn Đôn"]
    assert all(line["created"] and line["error"] is None for line in lines)
    assert count_events("training.scheduled") == before + 2
    for line in lines:
        training, commune = line["training"], line["commune"]
        assert training.village.parent_id == commune.id and training.village_id == line["village"].id
        assert training.status == TrainingStatus.planned
        assert training.starts_at == now and training.ends_at == now + timedelta(hours=3)
        # Planned by the commune's own coordinator, as the event log shows.
        event = db.session.scalar(sa.select(Event).where(Event.type == "training.scheduled",
                                                         Event.subject_id == str(training.id)))
        assert event.actor.username in {"eakao.dieuphoi", "buondon.dieuphoi"} and event.actor.unit_id == commune.id
        # The cards to scan are those of the commune's village with the most people.
        most = max(count(db, Participant, Participant.village_id == village.id)
                   for village in db.session.scalars(sa.select(Unit).where(Unit.parent_id == commune.id)))
        assert count(db, Participant, Participant.village_id == line["village"].id) == most
        assert open_training_in(commune, now + timedelta(hours=1)).id == training.id


def test_the_open_step_changes_nothing_when_each_commune_has_one(db, seeded, count_events):
    now = _at_three_in_the_morning(db)
    first = ensure_open_trainings(now=now)
    db.session.commit()
    trainings, events = count(db, Training), count_events()
    again = ensure_open_trainings(now=now + timedelta(minutes=40))
    assert [line["training"].id for line in again] == [line["training"].id for line in first]
    assert not any(line["created"] for line in again)
    assert count(db, Training) == trainings and count_events() == events


def test_a_cancelled_training_does_not_count_as_open(db, seeded, users_by_name):
    now = _at_three_in_the_morning(db)
    ea_kao, buon_don = ensure_open_trainings(now=now)
    cancel_training(ea_kao["training"], reason="Mưa lớn", user=users_by_name["eakao.dieuphoi"])
    again = ensure_open_trainings(now=now)
    assert [line["created"] for line in again] == [True, False]
    assert again[0]["training"].id != ea_kao["training"].id and again[1]["training"].id == buon_don["training"].id


def test_the_quick_starts_step_leaves_each_demo_commune_a_training_open_now(db, runner, seeded, client,
                                                                           users_by_name):
    # A few people in a village of Ea Kao (the small test demo may have registered none there).
    ea_kao = next(commune for commune in demo_communes() if commune.name == "Xã Ea Kao")
    village = db.session.scalars(sa.select(Unit).where(Unit.parent_id == ea_kao.id).order_by(Unit.code)).all()[-1]
    for name in ("H'Zơ Niê", "Y Blô Êban", "Trần Thị Lan"):
        register_participant({"full_name": name, "birth_year": 1980, "gender": Gender.female, "ethnicity": "Ê Đê",
                              "village": village, "consent": True, "phone": None}, user=users_by_name["admin"])
    db.session.commit()
    result = runner.invoke(args=["demo", "--if-empty", "--ensure-open-trainings"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    trainings, events = count(db, Training), count(db, Event)
    for commune in demo_communes():
        training = open_training_in(commune, utcnow())
        assert training is not None
        assert f"http://127.0.0.1:5000/scan?training={training.id}" in result.output
    again = runner.invoke(args=["demo", "--if-empty", "--ensure-open-trainings"])
    assert again.exit_code == 0 and "already there" in again.output and "planned now" not in again.output
    db.session.expire_all()
    assert count(db, Training) == trainings and count(db, Event) == events
    # The card sheet printed for each commune holds cards a coordinator can print or show.
    client.post("/login", data={"username": "eakao.dieuphoi", "password": demo_data.PASSWORDS["coordinator"]})
    sheets = re.findall(r"http://127\.0\.0\.1:5000/participants/cards\?village=(\d+)", result.output)
    assert len(sheets) == 2
    page = client.get(f"/participants/cards?village={sheets[0]}").get_data(as_text=True)
    people = count(db, Participant, Participant.village_id == Unit.id, Unit.code == sheets[0])
    assert people >= 3 and page.count('class="qr-card"') == people


def test_a_fresh_demo_with_the_step_has_open_trainings(db, runner, small_demo):
    result = runner.invoke(args=["demo", "--ensure-open-trainings"])
    assert result.exit_code == 0, result.output
    assert "demo data seeded" in result.output
    assert "try the scanner" in result.output and result.output.count("/scan?training=") == 2
    assert all(open_training_in(commune, utcnow()) is not None for commune in demo_communes())


def test_the_open_step_says_why_when_the_demo_campaign_is_over(db, seeded, count_events):
    campaign = db.session.scalar(sa.select(Campaign))
    campaign.deadline = campaign_today(campaign) - timedelta(days=1)
    db.session.commit()
    trainings, events = count(db, Training), count_events()
    lines = ensure_open_trainings(now=_at_three_in_the_morning(db))
    assert [line["training"] for line in lines] == [None, None]
    assert all("The training must take place between" in line["error"] for line in lines)
    assert "demo --reset" in "\n".join(describe(lines))
    assert count(db, Training) == trainings and count_events() == events
