"""``POST /api/v1/checkins/sync``: offline scans settled one by one, idempotent in any order."""
import random

import pytest
import sqlalchemy as sa

from tests.checkins.scans import scan_body
from tracker.checkins.models import CheckIn
from tracker.events.models import Event
from tracker.outcomes.models import Indicator
from tracker.trainings.models import TrainingStatus

SYNC = "/api/v1/checkins/sync"


def _item(training, participant, **change):
    return scan_body(participant, training_id=training.id, **change)


def _rows(db):
    db.session.expire_all()
    return db.session.scalars(sa.select(CheckIn).order_by(CheckIn.id)).all()


def test_each_scan_is_settled_on_its_own(users, api_as, dummy_training, create_participant, db):
    hoa, nam = create_participant(), create_participant("Trần Văn Nam")
    items = [_item(dummy_training, hoa, shown="accepted"), _item(dummy_training, hoa, qr="PD1.X"),
             {"scan_id": "not-a-uuid", "training_id": dummy_training.id, "qr": "x", "scanned_at": "x"}, "text",
             _item(dummy_training, nam, shown="pending", scanned_at="2025-08-20T09:00:00+07:00"),
             _item(dummy_training, hoa, scanned_at="2025-08-20T09:10:00+07:00"),
             _item(dummy_training, nam, scanned_at="2025-08-21T09:00:00+07:00"),
             scan_body(hoa, training_id=999999)]
    response = api_as(users["volunteer"]).post(SYNC, json={"scans": items})
    assert response.status_code == 200, response.json
    results = response.json["results"]
    assert [(result["status"], result["result"]) for result in results] == [
        (201, "checked_in"), (422, "refused"), (422, "refused"), (422, "refused"), (201, "checked_in"),
        (200, "already_checked_in"), (422, "refused"), (404, "refused")]
    assert [result["scan_id"] for result in results] == [
        item["scan_id"] if isinstance(item, dict) else None for item in items]
    assert results[1]["error"]["code"] == "invalid_qr" and results[6]["error"]["code"] == "outside_window"
    assert set(results[2]["error"]["fields"]) >= {"scan_id", "scanned_at"}
    assert results[5]["checked_in_at"] == "2025-08-20T01:30:00+00:00"
    rows = _rows(db)
    assert [(row.participant_id, row.source, row.is_offline, row.shown) for row in rows] == [
        (hoa.id, "sync", True, "accepted"), (nam.id, "sync", True, "pending")]


def test_a_refused_scan_does_not_undo_the_training_being_held(users, api_as, dummy_training, create_participant,
                                                              db, dummy_campaign, count_events):
    db.session.add(Indicator(campaign=dummy_campaign, key="vneid_level2", name="VNeID"))
    db.session.commit()
    hoa, nam = create_participant(), create_participant("Trần Văn Nam")
    items = [_item(dummy_training, hoa, outcomes=["flying"]),
             _item(dummy_training, nam, scanned_at="2025-08-20T09:00:00+07:00", outcomes=["vneid_level2"])]
    results = api_as(users["volunteer"]).post(SYNC, json={"scans": items}).json["results"]
    assert [result["status"] for result in results] == [422, 201]
    db.session.expire_all()
    assert dummy_training.status == TrainingStatus.held
    assert count_events("training.held") == 1 and count_events("checkin.recorded") == 1
    assert count_events("outcome.recorded") == 1


@pytest.mark.parametrize(("body", "status"), [
    ({}, 422), ({"scans": "x"}, 422), ({"scans": None}, 422), ([], 422), ({"scans": [{}] * 501}, 422)])
def test_a_malformed_envelope_fails_the_request(users, api_as, body, status):
    response = api_as(users["volunteer"]).post(SYNC, json=body)
    assert response.status_code == status
    assert response.json["error"]["message"]


def test_only_those_who_scan_may_sync(users, api_as, dummy_training, dummy_participant, create_training, tree):
    assert api_as(users["committee"]).post(SYNC, json={"scans": []}).status_code == 403
    elsewhere = create_training(village=tree["other_village"])
    results = api_as(users["volunteer"]).post(SYNC, json={"scans": [_item(elsewhere, dummy_participant)]}).json
    assert results["results"][0]["status"] == 404


def test_a_batch_sent_three_times_in_any_order_stores_exactly_the_right_rows(users, api_as, batch, db):
    items, winners = batch
    assert len(items) == 500
    api, rng, answers = api_as(users["volunteer"]), random.Random(7), []
    for _send in range(3):
        order = list(range(len(items)))
        rng.shuffle(order)
        response = api.post(SYNC, json={"scans": [items[index] for index in order]})
        assert response.status_code == 200
        by_index = dict(zip(order, response.json["results"]))
        answers.append([by_index[index] for index in range(len(items))])
    assert answers[0] == answers[1] == answers[2]
    rows = _rows(db)
    assert len(rows) == len(winners)
    assert {(row.training_id, row.participant_id): str(row.scan_id) for row in rows} == winners
    statuses = {}
    for answer in answers[0]:
        statuses[answer["status"]] = statuses.get(answer["status"], 0) + 1
        if answer["status"] == 201:
            assert answer["scan_id"] in winners.values()
    assert set(statuses) == {200, 201, 404, 422}
    assert db.session.scalar(sa.select(sa.func.count(Event.id)).where(Event.type == "checkin.recorded")) == len(rows)
    assert all(row.source == "sync" and row.is_offline for row in rows)


def test_a_batch_inserts_its_check_ins_in_one_statement_and_its_events_together(
        users, api_as, dummy_training, create_participant, db, statements):
    people = [create_participant(f"Người {number}") for number in range(40)]
    items = [_item(dummy_training, person, scanned_at=f"2025-08-20T09:{number:02d}:00+07:00")
             for number, person in enumerate(people)]
    api = api_as(users["volunteer"])
    with statements() as sent:
        response = api.post(SYNC, json={"scans": items})
    assert [result["status"] for result in response.json["results"]] == [201] * 40
    inserts = [statement for statement in sent if statement.lstrip().upper().startswith("INSERT INTO EVENTS")]
    assert len([statement for statement in sent if statement.lstrip().upper().startswith("INSERT INTO CHECKINS")]) == 1
    events = db.session.scalars(sa.select(Event).where(Event.type == "checkin.recorded").order_by(Event.id)).all()
    assert [event.payload["participant"] for event in events] == [person.code for person in people]
    assert not any("SAVEPOINT" in statement.upper() for statement in sent)
    if db.engine.dialect.name == "postgresql":
        # The token, the people at once, the training, the 40 check-ins, the training held, the 41 events.
        assert len(inserts) == 1 and len(sent) == 3 + 1 + 1 + 1, sent
        assert len({event.txid for event in events}) == 1 and events[0].txid is not None  # the column's default
    else:  # SQLite returns no ids of a multi-row INSERT in order: SQLAlchemy inserts the events one by one
        assert len(inserts) == 41 and len(sent) == 3 + 1 + 1 + 41, sent
