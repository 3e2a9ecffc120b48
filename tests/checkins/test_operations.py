import uuid
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from tests.checkins.scans import DURING, new_scan
from tests.conftest import ICT
from tracker.cards.tokens import make_token
from tracker.checkins import operations
from tracker.checkins.models import CheckIn, CheckInSource
from tracker.checkins.operations import ScanResult
from tracker.core.errors import AppError, Conflict, Forbidden, InvalidInput
from tracker.events.models import Event
from tracker.outcomes.models import Indicator, Outcome
from tracker.trainings.models import TrainingStatus

NOW = datetime(2025, 8, 20, 9, 0, tzinfo=ICT)


@pytest.fixture
def check_in(users):
    """Check a scan in as the volunteer, the clock pinned during the dummy training."""
    def _check_in(training, scan, *, user=None, now=NOW, **kwargs):
        return operations.check_in(training, scan, user=user or users["volunteer"], now=now, **kwargs)
    return _check_in


def _count(db, model=CheckIn):
    return db.session.scalar(sa.select(sa.func.count(model.id)))


def _refusal(check_in, training, scan, **kwargs):
    with pytest.raises(AppError) as refused:
        check_in(training, scan, **kwargs)
    return refused.value


def test_first_scan_checks_in_records_the_event_and_marks_the_training_held(
        db, check_in, dummy_training, dummy_participant, users, count_events):
    scan = new_scan(dummy_participant, shown="accepted")
    answer = check_in(dummy_training, scan)
    assert (answer.result, answer.status) == (ScanResult.checked_in, 201)
    assert answer.checkin.participant is dummy_participant and answer.checked_in_at == DURING
    checkin = db.session.scalar(sa.select(CheckIn))
    assert (checkin.scan_id, checkin.source, checkin.is_offline, checkin.shown) == (
        scan["scan_id"], CheckInSource.camera, False, "accepted")
    assert checkin.volunteer_id == users["volunteer"].id and checkin.recorded_at is not None
    event = db.session.scalar(sa.select(Event).where(Event.type == "checkin.recorded"))
    assert event.payload == {"training_id": dummy_training.id, "participant": dummy_participant.code,
                             "source": "camera", "offline": False, "shown": "accepted",
                             "scanned_at": "2025-08-20T01:30:00+00:00"}
    assert (event.subject_id, event.unit_id, event.campaign_id) == (
        str(checkin.id), dummy_training.village_id, dummy_training.campaign_id)
    db.session.expire_all()
    assert dummy_training.status == TrainingStatus.held
    assert count_events("training.held") == 1 and count_events() == 2


def test_a_second_scan_answers_already_checked_in_at_the_first_time(db, check_in, dummy_training,
                                                                      dummy_participant, count_events):
    check_in(dummy_training, new_scan(dummy_participant))
    later = check_in(dummy_training, new_scan(dummy_participant, at=DURING + timedelta(minutes=20)))
    assert (later.result, later.status) == (ScanResult.already_checked_in, 200)
    assert later.checked_in_at == DURING and later.message == "Already checked in at 08:30"
    assert _count(db) == 1 and count_events("checkin.recorded") == 1 and count_events("training.held") == 1


def test_replaying_a_scan_id_gives_the_first_answer(db, check_in, dummy_training, dummy_participant, count_events):
    scan = new_scan(dummy_participant)
    first = check_in(dummy_training, scan)
    again = check_in(dummy_training, scan | {"scanned_at": DURING + timedelta(minutes=5)})
    assert (again.result, again.status, again.checked_in_at) == (ScanResult.checked_in, 201, first.checked_in_at)
    assert again.checkin.id == first.checkin.id
    assert _count(db) == 1 and count_events() == 2


def test_a_replay_is_answered_the_same_after_the_training_is_cancelled(check_in, dummy_training, dummy_participant):
    scan = new_scan(dummy_participant)
    check_in(dummy_training, scan)
    dummy_training.status = TrainingStatus.cancelled
    assert check_in(dummy_training, scan).result == ScanResult.checked_in
    assert _refusal(check_in, dummy_training, new_scan(dummy_participant)).code == "training_cancelled"


def test_a_scan_id_used_for_another_person_or_training_conflicts(check_in, create_training, dummy_training,
                                                                 dummy_participant, create_participant):
    scan = new_scan(dummy_participant)
    check_in(dummy_training, scan)
    other = create_participant("Y Bhim Niê")
    with pytest.raises(Conflict):
        check_in(dummy_training, new_scan(other, scan_id=scan["scan_id"]))
    with pytest.raises(Conflict):
        check_in(create_training(title="Khác"), scan)


@pytest.mark.parametrize(("at", "accepted"), [
    (datetime(2025, 8, 20, 7, 0, tzinfo=ICT), True),
    (datetime(2025, 8, 20, 6, 59, 59, tzinfo=ICT), False),
    (datetime(2025, 8, 20, 12, 0, tzinfo=ICT), True),
    (datetime(2025, 8, 20, 12, 0, 1, tzinfo=ICT), False),
    (datetime(2024, 8, 20, 8, 30, tzinfo=ICT), False),
])
def test_window_opens_an_hour_before_and_closes_two_hours_after(db, check_in, dummy_training, dummy_participant,
                                                                 at, accepted, count_events):
    scan = new_scan(dummy_participant, at=at)
    if accepted:
        assert check_in(dummy_training, scan, now=at).result == ScanResult.checked_in
        return
    refused = _refusal(check_in, dummy_training, scan, now=at)
    assert (refused.code, refused.status) == ("outside_window", 422)
    assert "20/08/2025 07:00" in refused.message and "20/08/2025 12:00" in refused.message
    assert _count(db) == 0 and count_events() == 0


@pytest.mark.parametrize(("ahead", "accepted"), [
    (timedelta(minutes=5), True), (timedelta(minutes=5, seconds=1), False), (timedelta(days=3000), False)])
def test_a_clock_more_than_five_minutes_ahead_is_refused(db, check_in, dummy_training, dummy_participant,
                                                         ahead, accepted):
    scan = new_scan(dummy_participant, at=NOW + ahead)
    if accepted:
        assert check_in(dummy_training, scan).result == ScanResult.checked_in
        return
    refused = _refusal(check_in, dummy_training, scan)
    assert refused.code == "clock_ahead" and "scanned_at" in refused.fields
    assert _count(db) == 0


def test_a_cancelled_training_takes_no_check_ins(db, check_in, create_training, dummy_participant):
    training = create_training(status=TrainingStatus.cancelled)
    refused = _refusal(check_in, training, new_scan(dummy_participant))
    assert refused.code == "training_cancelled" and "cancelled" in refused.message
    assert _count(db) == 0


def _altered(token):
    """Change one character of the signature."""
    last = token[-1]
    return token[:-1] + ("A" if last != "A" else "B")


@pytest.mark.parametrize(("card", "reason"), [
    (_altered, "altered"),
    (lambda token: token.lower(), "lowercase"),
    (lambda token: token[:-3], "truncated"),
    (lambda token: "https://example.com/" + token, "foreign"),
    (lambda token: token.replace(".", "-"), "malformed"),
])
def test_a_forged_or_damaged_card_is_refused(db, check_in, dummy_training, dummy_participant, card, reason):
    scan = new_scan(dummy_participant, qr=card(make_token(dummy_participant.code)))
    refused = _refusal(check_in, dummy_training, scan)
    assert (refused.code, refused.reason) == ("invalid_qr", reason)
    assert refused.message and refused.fields == {"qr": [refused.message]}
    assert _count(db) == 0


@pytest.mark.parametrize("typed", ["{code}", "{lower}", " {lower4}-{rest} ", "{lower4} {rest}"])
def test_a_typed_code_checks_in_whatever_its_case(check_in, dummy_training, dummy_participant, typed):
    code = dummy_participant.code
    text = typed.format(code=code, lower=code.lower(), lower4=code[:4].lower(), rest=code[4:])
    scan = new_scan(dummy_participant, code=text)
    del scan["qr"]
    answer = check_in(dummy_training, scan)
    assert answer.result == ScanResult.checked_in and answer.checkin.source == CheckInSource.manual


def test_a_malformed_typed_code_is_refused_on_the_code_field(check_in, dummy_training):
    refused = _refusal(check_in, dummy_training, {"code": "ABC", "scan_id": uuid.uuid4(), "scanned_at": DURING})
    assert refused.code == "invalid_qr" and list(refused.fields) == ["code"]


def test_an_unknown_code_is_refused(check_in, dummy_training, dummy_participant, db):
    scan = new_scan(dummy_participant)
    db.session.delete(dummy_participant)
    db.session.flush()
    refused = _refusal(check_in, dummy_training, scan)
    assert (refused.code, refused.status) == ("unknown_participant", 422)


def test_people_from_another_commune_may_attend(check_in, dummy_training, create_participant, tree):
    visitor = create_participant("Trần Văn Nam", village=tree["other_village"])
    assert check_in(dummy_training, new_scan(visitor)).result == ScanResult.checked_in


def test_a_volunteer_checks_in_only_at_trainings_of_their_commune(check_in, create_training, dummy_participant,
                                                                  tree, users):
    elsewhere = create_training(village=tree["other_village"])
    assert _refusal(check_in, elsewhere, new_scan(dummy_participant)).status == 404
    with pytest.raises(Forbidden):
        check_in(create_training(), new_scan(dummy_participant), user=users["committee"])


def test_a_held_training_stays_held_without_another_event(check_in, create_training, dummy_participant, count_events):
    training = create_training(status=TrainingStatus.held)
    check_in(training, new_scan(dummy_participant))
    assert count_events("training.held") == 0 and count_events("checkin.recorded") == 1


@pytest.fixture
def indicators(db, dummy_campaign):
    items = [Indicator(campaign=dummy_campaign, key=key, name=key, position=position)
             for position, key in enumerate(["vneid_level2", "cashless_payment"])]
    db.session.add_all(items)
    db.session.commit()
    return items


def test_outcomes_ticked_at_check_in_are_stored_with_it(db, check_in, dummy_training, dummy_participant, indicators):
    answer = check_in(dummy_training, new_scan(dummy_participant, outcomes=["vneid_level2"]))
    later = check_in(dummy_training, new_scan(dummy_participant, outcomes=["cashless_payment", "vneid_level2"]))
    assert later.result == ScanResult.already_checked_in
    outcomes = db.session.scalars(sa.select(Outcome).order_by(Outcome.id)).all()
    assert [(outcome.indicator.key, outcome.checkin_id) for outcome in outcomes] == [
        ("vneid_level2", answer.checkin.id), ("cashless_payment", answer.checkin.id)]


def test_an_unknown_outcome_refuses_the_scan(db, check_in, dummy_training, dummy_participant, indicators):
    with pytest.raises(InvalidInput) as refused:
        check_in(dummy_training, new_scan(dummy_participant, outcomes=["flying"]))
    assert "outcomes" in refused.value.fields
