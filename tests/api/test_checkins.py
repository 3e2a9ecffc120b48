import io
import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa
from PIL import Image

from tests.checkins.scans import DURING, scan_body
from tracker.cards.tokens import make_token
from tracker.checkins.models import CheckIn
from tracker.core.time import utcnow
from tracker.participants.models import Participant
from tracker.trainings.models import TrainingStatus


def _url(training):
    return f"/api/v1/trainings/{training.id}/checkins"


def _count(db, model=CheckIn):
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count(model.id)))


def test_a_scan_answers_checked_in_with_the_person(users, api_as, dummy_training, dummy_participant, db):
    response = api_as(users["volunteer"]).post(_url(dummy_training), json=scan_body(dummy_participant))
    assert response.status_code == 201, response.json
    assert response.json == {
        "id": db.session.scalar(sa.select(CheckIn.id)),
        "result": "checked_in",
        "participant": {"id": dummy_participant.id, "code": dummy_participant.code, "full_name": "Nguyễn Thị Hoa",
                        "village": "6600101", "village_name": "Buôn Ko Tam"},
        "checked_in_at": "2025-08-20T01:30:00+00:00",
        "message": "Checked in at 08:30",
    }
    db.session.expire_all()
    assert dummy_training.status == TrainingStatus.held


def test_a_check_in_at_a_held_training_sends_four_statements(users, api_as, dummy_training, create_participant,
                                                              statements):
    api = api_as(users["volunteer"])
    api.post(f"/api/v1/trainings/{dummy_training.id}/checkins", json=scan_body(create_participant()))
    url, body = f"/api/v1/trainings/{dummy_training.id}/checkins", scan_body(create_participant("Trần Văn Nam"))
    with statements() as sent:
        response = api.post(url, json=body)
    assert response.status_code == 201 and response.json["participant"]["full_name"] == "Trần Văn Nam"
    # The token with its user, the training and the person at once, the check-in (ON CONFLICT DO NOTHING), its event.
    assert len(sent) == 4, sent
    assert not any("SAVEPOINT" in statement.upper() for statement in sent)


def test_a_second_scan_answers_already_checked_in(users, api_as, dummy_training, dummy_participant, db, count_events):
    api = api_as(users["volunteer"])
    api.post(_url(dummy_training), json=scan_body(dummy_participant))
    body = scan_body(dummy_participant, code=dummy_participant.code.lower(), scanned_at="2025-08-20T09:05:00+07:00")
    del body["qr"]
    response = api.post(_url(dummy_training), json=body)
    assert response.status_code == 200
    assert response.json["result"] == "already_checked_in"
    assert response.json["checked_in_at"] == "2025-08-20T01:30:00+00:00"
    assert response.json["message"] == "Already checked in at 08:30"
    assert _count(db) == 1 and count_events("checkin.recorded") == 1


def test_replaying_a_scan_answers_as_the_first_time(users, api_as, dummy_training, dummy_participant, db,
                                                    count_events):
    api, body = api_as(users["volunteer"]), scan_body(dummy_participant)
    first = api.post(_url(dummy_training), json=body)
    again = api.post(_url(dummy_training), json=body)
    assert (again.status_code, again.json) == (201, first.json)
    other = api.post(_url(dummy_training), json=body | {"qr": make_token("ABCDEFGH")})
    assert (other.status_code, other.json["error"]["code"]) == (409, "conflict")
    assert _count(db) == 1 and count_events() == 2


@pytest.mark.parametrize(("change", "code"), [
    ({"scanned_at": "2025-08-20T06:59:59+07:00"}, "outside_window"),
    ({"scanned_at": "2025-08-20T12:00:01+07:00"}, "outside_window"),
    ({"qr": "PD1.ABCDEFGH.AAAAAAAAAAAAAAAA"}, "invalid_qr"),
    ({"qr": "hello"}, "invalid_qr"),
    ({"qr": "PD1."}, "invalid_qr"),
])
def test_refusals_are_422_with_a_code_and_a_message(users, api_as, dummy_training, dummy_participant, db,
                                                    change, code, count_events):
    response = api_as(users["volunteer"]).post(_url(dummy_training), json=scan_body(dummy_participant) | change)
    assert response.status_code == 422
    error = response.json["error"]
    assert error["code"] == code and error["message"] and isinstance(error["fields"], dict)
    assert _count(db) == 0 and count_events() == 0


def test_one_character_changed_and_lower_case_tokens_are_refused(users, api_as, dummy_training, dummy_participant):
    api, token = api_as(users["volunteer"]), make_token(dummy_participant.code)
    changed = token[:-1] + ("B" if token[-1] == "A" else "A")
    for text in (changed, token.lower()):
        response = api.post(_url(dummy_training), json=scan_body(dummy_participant, qr=text))
        assert response.status_code == 422 and response.json["error"]["code"] == "invalid_qr"
        assert "qr" in response.json["error"]["fields"]


def test_unknown_participant_and_cancelled_training(users, api_as, create_training, dummy_participant):
    api, training = api_as(users["coordinator"]), create_training()
    body = scan_body(dummy_participant, code="ZZZZ2222")
    del body["qr"]
    assert api.post(_url(training), json=body).json["error"]["code"] == "unknown_participant"
    cancelled = create_training(status=TrainingStatus.cancelled)
    response = api.post(_url(cancelled), json=scan_body(dummy_participant))
    assert (response.status_code, response.json["error"]["code"]) == (422, "training_cancelled")


def test_a_clock_ahead_of_the_server_is_refused(users, api_as, create_training, dummy_participant):
    now = utcnow()
    training = create_training(starts_at=now - timedelta(minutes=30), ends_at=now + timedelta(hours=1))
    api = api_as(users["volunteer"])
    ahead = api.post(_url(training), json=scan_body(dummy_participant, at=now + timedelta(minutes=6)))
    assert ahead.status_code == 422 and ahead.json["error"]["code"] == "clock_ahead"
    assert api.post(_url(training), json=scan_body(dummy_participant, at=now)).status_code == 201


@pytest.mark.parametrize(("role", "status"), [
    ("admin", 201), ("coordinator", 201), ("volunteer", 201), ("other_coordinator", 404),
    ("committee", 403), ("commune_committee", 403)])
def test_who_may_check_in(users, api_as, dummy_training, dummy_participant, db, role, status):
    response = api_as(users[role]).post(_url(dummy_training), json=scan_body(dummy_participant))
    assert response.status_code == status, response.json
    assert _count(db) == (1 if status == 201 else 0)


def test_a_volunteer_cannot_check_in_at_another_commune(users, api_as, create_training, tree, dummy_participant):
    training = create_training(village=tree["other_village"])
    assert api_as(users["volunteer"]).post(_url(training), json=scan_body(dummy_participant)).status_code == 404
    assert api_as(users["volunteer"]).post("/api/v1/trainings/999999/checkins",
                                           json=scan_body(dummy_participant)).status_code == 404


@pytest.mark.parametrize("change", [
    {"scan_id": "nope"}, {"scan_id": None}, {"scanned_at": "2025-08-20T08:30:00"}, {"scanned_at": "tomorrow"},
    {"scanned_at": "9999-12-31T23:59:59-14:00"}, {"scanned_at": "0001-01-01T00:00:00+14:00"},
    {"scanned_at": 12}, {"qr": 12}, {"qr": None}, {"qr": "x" * 5000}, {"code": "ABCD2345"},
    {"outcomes": "vneid"}, {"outcomes": [1]}, {"outcomes": ["x"] * 51}, {"source": "sync"}, {"source": "fax"},
    {"shown": "maybe"}, {"extra": 1},
])
def test_bad_input_is_a_4xx_never_a_500(users, api_as, dummy_training, dummy_participant, db, change):
    response = api_as(users["volunteer"]).post(_url(dummy_training), json=scan_body(dummy_participant) | change)
    assert 400 <= response.status_code < 500, response.json
    assert response.json["error"]["message"]
    assert _count(db) == 0


@pytest.mark.parametrize("body", [b"", b"[1, 2]", b"{", b'"text"', b"null"])
def test_malformed_bodies_are_refused(users, api_as, dummy_training, body):
    response = api_as(users["volunteer"]).post(_url(dummy_training), data=body, content_type="application/json")
    assert 400 <= response.status_code < 500


def test_neither_qr_nor_code_is_named(users, api_as, dummy_training, dummy_participant):
    body = scan_body(dummy_participant)
    del body["qr"]
    response = api_as(users["volunteer"]).post(_url(dummy_training), json=body)
    assert response.status_code == 422 and "qr" in response.json["error"]["fields"]


def test_a_card_read_by_an_independent_decoder_checks_in(users, api_as, dummy_training, dummy_participant):
    import zxingcpp

    from tracker.cards.render import render_qr_png

    png = render_qr_png(make_token(dummy_participant.code), box_size=4)
    decoded = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    assert len(decoded) == 1 and decoded[0].format == zxingcpp.BarcodeFormat.QRCode
    response = api_as(users["volunteer"]).post(_url(dummy_training),
                                               json=scan_body(dummy_participant, qr=decoded[0].text))
    assert response.status_code == 201 and response.json["participant"]["code"] == dummy_participant.code


# The roster and voids --------------------------------------------------------------------------

def test_the_list_pages_through_check_ins_voided_included(users, api_as, dummy_training, create_participant):
    api = api_as(users["coordinator"])
    people = [create_participant(f"Người {number}") for number in range(5)]
    ids = [api.post(_url(dummy_training), json=scan_body(person)).status_code for person in people]
    assert ids == [201] * 5
    seen, url = [], _url(dummy_training) + "?limit=2"
    while url:
        page = api.get(url).json
        seen += page["items"]
        url = page["next"]
    assert [item["participant"]["code"] for item in seen] == [person.code for person in people]
    first = seen[0]
    assert set(first) >= {"id", "participant", "checked_in_at", "scanned_at", "source", "offline", "voided"}
    assert (first["source"], first["offline"], first["voided"]) == ("camera", False, False)
    assert first["checked_in_at"] == first["scanned_at"] == "2025-08-20T01:30:00+00:00"


@pytest.mark.parametrize(("role", "status"), [
    ("admin", 200), ("coordinator", 200), ("volunteer", 200), ("other_coordinator", 404), ("committee", 403)])
def test_who_may_read_the_list(users, api_as, dummy_training, role, status):
    assert api_as(users[role]).get(_url(dummy_training)).status_code == status


def test_a_voided_check_in_stops_counting_and_the_person_may_check_in_again(
        users, api_as, dummy_training, dummy_participant, db, count_events):
    api = api_as(users["coordinator"])
    api.post(_url(dummy_training), json=scan_body(dummy_participant))
    checkin_id = db.session.scalar(sa.select(CheckIn.id))
    response = api.post(f"/api/v1/checkins/{checkin_id}/void", json={"reason": "Quét nhầm người"})
    assert response.status_code == 200, response.json
    assert response.json["voided"] is True and response.json["void_reason"] == "Quét nhầm người"
    assert count_events("checkin.voided") == 1
    again = api.post(f"/api/v1/checkins/{checkin_id}/void", json={"reason": "again"})
    assert again.status_code == 409
    assert api.post(_url(dummy_training), json=scan_body(dummy_participant)).status_code == 201
    assert _count(db) == 2
    voided = [item["voided"] for item in api.get(_url(dummy_training)).json["items"]]
    assert voided == [True, False]


# The volunteer's own scan, just made, is theirs to undo (tests/checkins/test_void.py pins the clock).
@pytest.mark.parametrize(("role", "status"), [
    ("admin", 200), ("coordinator", 200), ("volunteer", 200), ("other_coordinator", 404), ("committee", 403)])
def test_who_may_void(users, api_as, dummy_training, dummy_participant, db, role, status):
    api_as(users["volunteer"]).post(_url(dummy_training), json=scan_body(dummy_participant))
    checkin_id = db.session.scalar(sa.select(CheckIn.id))
    response = api_as(users[role]).post(f"/api/v1/checkins/{checkin_id}/void", json={"reason": "Nhập sai"})
    assert response.status_code == status


def test_the_scanning_volunteer_undoes_by_the_id_the_scan_answered(users, api_as, dummy_training, dummy_participant,
                                                                   db, count_events):
    api = api_as(users["volunteer"])
    answer = api.post(_url(dummy_training), json=scan_body(dummy_participant)).json
    assert answer["id"] == db.session.scalar(sa.select(CheckIn.id))
    response = api.post(f"/api/v1/checkins/{answer['id']}/void", json={"reason": "Quét nhầm"})
    assert response.status_code == 200, response.json
    assert response.json["voided"] is True and count_events("checkin.voided") == 1
    listed = api.get(_url(dummy_training)).json["items"]
    assert [(item["id"], item["voided"]) for item in listed] == [(answer["id"], True)]
    again = api.post(_url(dummy_training), json=scan_body(dummy_participant))
    assert again.status_code == 201 and again.json["id"] != answer["id"]


def test_each_synced_scan_answers_the_id_of_its_check_in(users, api_as, dummy_training, dummy_participant, db):
    api = api_as(users["volunteer"])
    scans = [scan_body(dummy_participant, training_id=dummy_training.id, at=DURING + timedelta(minutes=n))
             for n in range(2)]
    scans.append({"scan_id": "broken", "training_id": dummy_training.id, "code": "x", "scanned_at": "no"})
    results = api.post("/api/v1/checkins/sync", json={"scans": scans}).json["results"]
    checkin_id = db.session.scalar(sa.select(CheckIn.id))
    assert [(result["result"], result.get("id")) for result in results] == [
        ("checked_in", checkin_id), ("already_checked_in", checkin_id), ("refused", None)]


@pytest.mark.parametrize("body", [{}, {"reason": ""}, {"reason": "   "}, {"reason": "x" * 501}, {"reason": 5}])
def test_a_void_needs_a_reason(users, api_as, dummy_training, dummy_participant, db, body):
    api = api_as(users["coordinator"])
    api.post(_url(dummy_training), json=scan_body(dummy_participant))
    checkin_id = db.session.scalar(sa.select(CheckIn.id))
    assert api.post(f"/api/v1/checkins/{checkin_id}/void", json=body).status_code == 422
    assert api.post("/api/v1/checkins/99999/void", json={"reason": "x"}).status_code == 404


@pytest.mark.parametrize("checkin_id", [2**31, 2**63 - 1, 2**63])
def test_a_check_in_id_of_any_size_is_404_when_unknown(users, api_as, checkin_id):
    # Check-in ids are 64-bit: past 2**31 the route still matches and answers not found.
    response = api_as(users["coordinator"]).post(f"/api/v1/checkins/{checkin_id}/void", json={"reason": "x"})
    assert response.status_code == 404 and response.json["error"]["code"] == "not_found"


# Walk-ins --------------------------------------------------------------------------------------

def _walk_in(**change):
    return {"full_name": "H'Hen Niê", "birth_year": 1990, "gender": "female", "ethnicity": "Ê Đê",
            "village": "6600102", "consent": True, "scan_id": str(uuid.uuid4()),
            "scanned_at": "2025-08-20T08:40:00+07:00"} | change


def test_a_walk_in_is_registered_and_checked_in_at_once(users, api_as, dummy_training, db, count_events):
    api, body = api_as(users["volunteer"]), _walk_in()
    response = api.post(f"/api/v1/trainings/{dummy_training.id}/walk-ins", json=body)
    assert response.status_code == 201, response.json
    participant, checkin = response.json["participant"], response.json["checkin"]
    assert participant["full_name"] == "H'Hen Niê" and participant["qr"] == make_token(participant["code"])
    assert checkin["participant"]["code"] == participant["code"] and checkin["source"] == "manual"
    assert response.json["possible_duplicates"] == []
    assert count_events("participant.registered") == 1 and count_events("checkin.recorded") == 1
    again = api.post(f"/api/v1/trainings/{dummy_training.id}/walk-ins", json=body)
    assert (again.status_code, again.json) == (201, response.json)
    assert _count(db, Participant) == 1 and _count(db) == 1
    twin = api.post(f"/api/v1/trainings/{dummy_training.id}/walk-ins", json=_walk_in())
    assert [item["code"] for item in twin.json["possible_duplicates"]] == [participant["code"]]


def test_a_refused_walk_in_registers_nobody(users, api_as, create_training, db, count_events):
    training = create_training(status=TrainingStatus.cancelled)
    response = api_as(users["volunteer"]).post(f"/api/v1/trainings/{training.id}/walk-ins", json=_walk_in())
    assert response.status_code == 422 and response.json["error"]["code"] == "training_cancelled"
    assert _count(db, Participant) == 0 and count_events() == 0


@pytest.mark.parametrize(("role", "change", "status"), [
    ("committee", {}, 403), ("other_coordinator", {}, 404),
    ("volunteer", {"consent": False}, 422), ("volunteer", {"scan_id": "x"}, 422),
    ("volunteer", {"scanned_at": "2025-08-21T08:40:00+07:00"}, 422), ("volunteer", {"birth_year": "old"}, 422),
])
def test_walk_ins_are_refused_when_they_should_be(users, api_as, dummy_training, db, role, change, status):
    response = api_as(users[role]).post(f"/api/v1/trainings/{dummy_training.id}/walk-ins", json=_walk_in(**change))
    assert response.status_code == status, response.json
    assert _count(db, Participant) == 0


def test_outcomes_are_ticked_at_check_in_and_later(users, api_as, dummy_training, dummy_participant, db,
                                                  dummy_campaign, count_events):
    from tracker.outcomes.models import Indicator, Outcome

    db.session.add(Indicator(campaign=dummy_campaign, key="vneid_level2", name="VNeID mức 2"))
    db.session.add(Indicator(campaign=dummy_campaign, key="cashless_payment", name="Thanh toán"))
    db.session.commit()
    api = api_as(users["volunteer"])
    first = api.post(_url(dummy_training), json=scan_body(dummy_participant, outcomes=["vneid_level2"]))
    later = api.post(_url(dummy_training), json=scan_body(dummy_participant, outcomes=["cashless_payment"]))
    assert (first.status_code, later.status_code) == (201, 200)
    unknown = api.post(_url(dummy_training), json=scan_body(dummy_participant, outcomes=["nope"]))
    assert unknown.status_code == 422 and "outcomes" in unknown.json["error"]["fields"]
    assert _count(db, Outcome) == 2 and count_events("outcome.recorded") == 2
