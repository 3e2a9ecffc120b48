"""Concurrent duplicate scans on PostgreSQL: exactly one check-in, whoever wins the race."""
import threading

import pytest
import sqlalchemy as sa

from tests.checkins.scans import scan_body
from tracker.auth.operations import issue_token
from tracker.checkins.models import CheckIn
from tracker.participants.models import Participant
from tracker.trainings.models import TrainingStatus

SCANNERS = 32


def _post_all(app, token, url, bodies):
    """Send each body from a thread of its own, all released at once; return the responses."""
    barrier, responses = threading.Barrier(len(bodies)), [None] * len(bodies)
    headers = {"Authorization": f"Bearer {token}", "Accept-Language": "en"}

    def scan(index):
        client = app.test_client()
        barrier.wait()
        responses[index] = client.post(url, json=bodies[index], headers=headers)

    threads = [threading.Thread(target=scan, args=(index,)) for index in range(len(bodies))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return responses


@pytest.fixture
def token(db, users):
    token, _record = issue_token(users["volunteer"])
    db.session.commit()
    db.session.close()  # hold no connection or lock while the threads run
    return token


@pytest.mark.postgresql_only
def test_the_same_scan_sent_by_32_threads_is_stored_once(app, db, token, dummy_training, dummy_participant,
                                                         count_events):
    url, body = f"/api/v1/trainings/{dummy_training.id}/checkins", scan_body(dummy_participant)
    db.session.close()
    responses = _post_all(app, token, url, [body] * SCANNERS)
    assert [response.status_code for response in responses] == [201] * SCANNERS, [r.json for r in responses]
    assert len({response.json["checked_in_at"] for response in responses}) == 1
    assert db.session.scalar(sa.select(sa.func.count(CheckIn.id))) == 1
    assert count_events("checkin.recorded") == 1 and count_events("training.held") == 1


@pytest.mark.postgresql_only
def test_32_different_scans_of_one_person_make_one_check_in(app, db, token, dummy_training, dummy_participant,
                                                           count_events):
    url = f"/api/v1/trainings/{dummy_training.id}/checkins"
    bodies = [scan_body(dummy_participant) for _ in range(SCANNERS)]
    db.session.close()
    responses = _post_all(app, token, url, bodies)
    statuses = sorted(response.status_code for response in responses)
    assert statuses == [200] * (SCANNERS - 1) + [201], [r.json for r in responses]
    assert {response.json["result"] for response in responses if response.status_code == 200} == {
        "already_checked_in"}
    assert len({response.json["checked_in_at"] for response in responses}) == 1
    assert db.session.scalar(sa.select(sa.func.count(CheckIn.id))) == 1
    assert count_events("checkin.recorded") == 1


@pytest.mark.postgresql_only
def test_32_people_at_once_flip_the_training_to_held_once(app, db, token, dummy_training, create_participant,
                                                         count_events):
    people = [create_participant(f"Người {number}") for number in range(SCANNERS)]
    url = f"/api/v1/trainings/{dummy_training.id}/checkins"
    bodies = [scan_body(person) for person in people]
    db.session.close()
    responses = _post_all(app, token, url, bodies)
    assert [response.status_code for response in responses] == [201] * SCANNERS, [r.json for r in responses]
    assert db.session.scalar(sa.select(sa.func.count(CheckIn.id))) == SCANNERS
    assert count_events("checkin.recorded") == SCANNERS and count_events("training.held") == 1
    assert db.session.get(type(dummy_training), dummy_training.id).status == TrainingStatus.held


@pytest.mark.postgresql_only
def test_the_same_walk_in_sent_at_once_registers_one_person(app, db, token, dummy_training, count_events):
    url = f"/api/v1/trainings/{dummy_training.id}/walk-ins"
    body = {"full_name": "H'Hen Niê", "birth_year": 1990, "gender": "female", "ethnicity": "Ê Đê",
            "village": "6600102", "consent": True, "scan_id": "7f1d3c9e-5b8a-4c2e-9f0a-1b2c3d4e5f60",
            "scanned_at": "2025-08-20T08:40:00+07:00"}
    db.session.close()
    responses = _post_all(app, token, url, [body] * 8)
    assert [response.status_code for response in responses] == [201] * 8, [r.json for r in responses]
    assert len({response.json["participant"]["code"] for response in responses}) == 1
    assert db.session.scalar(sa.select(sa.func.count(Participant.id))) == 1
    assert count_events("participant.registered") == 1 and count_events("checkin.recorded") == 1
