"""Scans held for review: a revoked volunteer's phone hands its unsent scans over; a coordinator decides."""
import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests.checkins.scans import DURING, scan_body
from tracker.auth.enrolments.operations import enrol_volunteer, open_enrolment, revoke_volunteer
from tracker.auth.models import User
from tracker.checkins.held import accept_held, discard_held, hold_items
from tracker.checkins.models import CheckIn, CheckInSource, HeldScan, HeldStatus, Shown
from tracker.core.errors import AppError, Forbidden, NotFound
from tracker.events.models import Event
from tracker.outcomes.models import Indicator, Outcome
from tracker.participants.models import Participant

JSON = {"Accept": "application/json"}
NOW = DURING + timedelta(days=1)  # the volunteer's access ended after the training


@pytest.fixture
def volunteer(db, users, tree):
    """An enrolled volunteer of commune 66001 whose access the coordinator revoked."""
    _token, enrolment = open_enrolment(tree["commune"], 3, user=users["coordinator"])
    volunteer = enrol_volunteer(enrolment, {"full_name": "Y Bhim Niê"})
    revoke_volunteer(volunteer, user=users["coordinator"])
    db.session.commit()
    return volunteer


def _hold(db, volunteer, *items):
    results = hold_items(list(items), volunteer=volunteer, reason="revoked", now=NOW)
    db.session.commit()
    return results


def _held(db):
    db.session.expire_all()
    return db.session.scalars(sa.select(HeldScan).order_by(HeldScan.id)).all()


def _checkins(db):
    return db.session.scalars(sa.select(CheckIn)).all()


# Handing over ----------------------------------------------------------------------------------

def test_handed_over_scans_are_kept_once_and_nothing_counts_yet(db, volunteer, dummy_training, dummy_participant):
    item = scan_body(dummy_participant, training_id=dummy_training.id, shown="accepted")
    assert _hold(db, volunteer, item) == [{"scan_id": item["scan_id"], "status": "held"}]
    assert _hold(db, volunteer, dict(item)) == [{"scan_id": item["scan_id"], "status": "held"}]  # sent again
    [held] = _held(db)
    assert (held.status, held.reason, held.volunteer_id, held.training_id) == (
        HeldStatus.held, "revoked", volunteer.id, dummy_training.id)
    assert held.payload == {"qr": item["qr"], "shown": "accepted"}
    assert _checkins(db) == []
    event = db.session.scalar(sa.select(Event).where(Event.type == "scan.held"))
    assert event.actor_id == volunteer.id and event.unit_id == dummy_training.village_id
    assert event.payload == {"kind": "scan", "training_id": dummy_training.id, "reason": "revoked"}


def test_a_scan_the_server_already_recorded_is_answered_recorded(db, volunteer, users, dummy_training,
                                                                 dummy_participant):
    item = scan_body(dummy_participant, training_id=dummy_training.id)
    db.session.add(CheckIn(training=dummy_training, participant=dummy_participant, scan_id=uuid.UUID(item["scan_id"]),
                           scanned_at=DURING, volunteer_id=volunteer.id, source=CheckInSource.camera))
    db.session.commit()
    assert _hold(db, volunteer, item) == [{"scan_id": item["scan_id"], "status": "recorded"}]
    assert _held(db) == []


def test_each_item_is_refused_on_its_own_and_others_are_kept(db, volunteer, dummy_training, create_training, tree,
                                                             dummy_participant):
    elsewhere = create_training(village=tree["other_village"])
    good = scan_body(dummy_participant, training_id=dummy_training.id)
    outside = scan_body(dummy_participant, training_id=elsewhere.id)
    broken = {"scan_id": "not-a-uuid", "training_id": dummy_training.id, "scanned_at": "yesterday"}
    results = _hold(db, volunteer, broken, outside, good, "not an object")
    assert [result["status"] for result in results] == ["refused", "refused", "held", "refused"]
    assert results[0]["scan_id"] == "not-a-uuid" and set(results[0]["error"]["fields"]) == {"scan_id", "scanned_at"}
    assert results[1]["error"]["code"] == "not_found"
    assert results[3]["scan_id"] is None
    assert [str(held.scan_id) for held in _held(db)] == [good["scan_id"]]


# Deciding --------------------------------------------------------------------------------------

def test_an_accepted_scan_counts_as_the_volunteers_offline_scan(db, volunteer, users, dummy_training,
                                                                dummy_participant):
    item = scan_body(dummy_participant, training_id=dummy_training.id, shown="accepted")
    _hold(db, volunteer, item)
    [held] = _held(db)
    accept_held(held, user=users["coordinator"], now=NOW)
    db.session.commit()
    assert held.note is None
    [checkin] = _checkins(db)
    assert (checkin.participant_id, checkin.volunteer_id, checkin.source, checkin.is_offline, checkin.shown,
            str(checkin.scan_id), checkin.scanned_at) == (dummy_participant.id, volunteer.id, CheckInSource.sync, True,
                                                          Shown.accepted, item["scan_id"], DURING)
    [held] = _held(db)
    assert (held.status, held.checkin_id, held.decided_by_id) == (HeldStatus.accepted, checkin.id,
                                                                  users["coordinator"].id)
    decided = db.session.scalar(sa.select(Event).where(Event.type == "scan.held_accepted"))
    assert decided.actor_id == users["coordinator"].id
    assert decided.payload == {"checkin_id": checkin.id, "status": "accepted"}
    with pytest.raises(AppError) as twice:
        accept_held(held, user=users["coordinator"], now=NOW)
    assert twice.value.status == 409


def test_a_scan_the_rules_refuse_is_noted_refused_without_a_checkin(db, volunteer, users, dummy_training,
                                                                    dummy_participant):
    late = dummy_training.ends_at + timedelta(hours=3)
    _hold(db, volunteer, scan_body(dummy_participant, training_id=dummy_training.id, at=late),
          scan_body(dummy_participant, training_id=dummy_training.id, qr="PD1.ABCDEFGH.AAAAAAAAAAAAAAAA"))
    for held in _held(db):
        accept_held(held, user=users["coordinator"], now=NOW)
    db.session.commit()
    assert _checkins(db) == []
    window, forged = _held(db)
    assert window.status == forged.status == HeldStatus.refused
    assert "07:00" in window.note and "12:00" in window.note  # the window, in words
    assert forged.note


def test_a_held_walk_in_registers_the_person_once_accepted(db, volunteer, users, dummy_training, tree):
    details = {"full_name": "H'Hen Niê", "birth_year": 1990, "gender": "female", "ethnicity": "Ê Đê",
               "village": tree["village"].code, "consent": True}
    item = {"kind": "walk_in", "scan_id": str(uuid.uuid4()), "training_id": dummy_training.id,
            "scanned_at": DURING.isoformat(), "details": details, "shown": "pending"}
    _hold(db, volunteer, item)
    assert db.session.scalar(sa.select(sa.func.count(Participant.id))) == 0
    [held] = _held(db)
    accept_held(held, user=users["coordinator"], now=NOW)
    db.session.commit()
    [checkin] = _checkins(db)
    assert checkin.participant.full_name == "H'Hen Niê" and checkin.volunteer_id == volunteer.id


def test_outcomes_ticked_after_a_held_scan_follow_it(db, volunteer, users, dummy_training, dummy_participant):
    db.session.add(Indicator(campaign=dummy_training.campaign, key="vneid", name="VNeID mức 2", position=0))
    db.session.commit()
    scan = scan_body(dummy_participant, training_id=dummy_training.id)
    ticked = {"kind": "outcomes", "scan_id": str(uuid.uuid4()), "training_id": dummy_training.id,
              "scanned_at": DURING.isoformat(), "outcomes": ["vneid"], "for_scan": scan["scan_id"]}
    _hold(db, volunteer, scan, ticked)
    first, second = _held(db)
    with pytest.raises(AppError) as early:  # before their scan: refused at once, and still waiting
        accept_held(second, user=users["coordinator"], now=NOW)
    assert early.value.status == 409 and second.status == HeldStatus.held
    accept_held(first, user=users["coordinator"], now=NOW)
    accept_held(_held(db)[1], user=users["coordinator"], now=NOW)
    db.session.commit()
    assert [held.status for held in _held(db)] == [HeldStatus.accepted, HeldStatus.accepted]
    assert db.session.scalar(sa.select(Outcome.participant_id)) == dummy_participant.id


def test_a_discarded_scan_stays_on_record_and_never_counts(db, volunteer, users, dummy_training, dummy_participant):
    _hold(db, volunteer, scan_body(dummy_participant, training_id=dummy_training.id))
    [held] = _held(db)
    discard_held(held, reason="  Quét thử  ", user=users["coordinator"], now=NOW)
    db.session.commit()
    [held] = _held(db)
    assert (held.status, held.note, held.checkin_id) == (HeldStatus.discarded, "Quét thử", None)
    assert _checkins(db) == []
    assert db.session.scalar(sa.select(sa.func.count()).where(Event.type == "scan.held_discarded")) == 1


def test_only_coordinators_of_the_commune_and_admins_decide(db, volunteer, users, dummy_training, dummy_participant):
    _hold(db, volunteer, scan_body(dummy_participant, training_id=dummy_training.id))
    [held] = _held(db)
    with pytest.raises(NotFound):
        accept_held(held, user=users["other_coordinator"])
    with pytest.raises(Forbidden):
        discard_held(held, reason="", user=users["volunteer"])
    with pytest.raises(Forbidden):
        accept_held(held, user=users["committee"])
    accept_held(held, user=users["admin"], now=NOW)
    assert held.status == HeldStatus.accepted


# Through the pages: the phone hands over, the coordinator reviews ---------------------------------

def _english(client):
    with client.session_transaction() as session:
        session["lang"] = "en"
    return client


def test_a_revoked_phone_hands_its_scans_over_and_the_coordinator_accepts_them(app, db, users, tree, login,
                                                                               dummy_training, dummy_participant):
    token, _enrolment = open_enrolment(tree["commune"], 3, user=users["coordinator"])
    db.session.commit()
    phone = _english(app.test_client())
    assert phone.post(f"/enrol/{token}", data={"full_name": "Y Bhim Niê", "accept": "yes"}).status_code == 302
    item = scan_body(dummy_participant, training_id=dummy_training.id, shown="accepted")
    holds = phone.post("/scan/held", headers=JSON, json={"items": [item]})
    assert holds.status_code == 409 and holds.json["error"]["code"] == "access_holds"  # send as usual instead
    volunteer = db.session.scalar(sa.select(User).where(User.enrolled_via_id.is_not(None)))
    revoke_volunteer(volunteer, user=users["coordinator"])
    db.session.commit()

    ended = phone.get(f"/scan?training={dummy_training.id}")
    text = ended.get_data(as_text=True)
    assert ended.status_code == 403 and "withdrawn by the coordinator" in text and "/scan/held" in text
    assert "Y Bhim Niê" not in text and dummy_participant.full_name not in text  # no roster, no names
    handed = phone.post("/scan/held", headers=JSON, json={"items": [item, {"scan_id": "x"}]})
    assert handed.status_code == 200 and handed.headers["Cache-Control"] == "no-store"
    assert [result["status"] for result in handed.json["results"]] == ["held", "refused"]
    assert phone.post("/scan/held", headers=JSON, json={"items": "not a list"}).status_code == 422
    assert app.test_client().post("/scan/held", headers=JSON, json={"items": [item]}).status_code == 401

    coordinator = _english(login(users["coordinator"]))
    assert "1 held for review" in coordinator.get("/enrolments").get_data(as_text=True)
    review = coordinator.get("/held-scans").get_data(as_text=True)
    assert dummy_participant.full_name in review and "Y Bhim Niê" in review and "showed it green" in review
    [held] = _held(db)
    accepted = coordinator.post(f"/held-scans/{held.id}/accept")
    assert accepted.status_code == 302 and accepted.location == "/held-scans"
    assert "1 of 1 accepted and counted." in coordinator.get("/held-scans").get_data(as_text=True)
    [checkin] = _checkins(db)
    assert checkin.participant_id == dummy_participant.id and checkin.volunteer_id == volunteer.id
    decided = coordinator.get("/held-scans?status=accepted").get_data(as_text=True)
    assert dummy_participant.full_name in decided and "coord-66001" in decided


def test_a_volunteers_held_scans_are_decided_together_and_out_of_scope_is_404(db, client, login, users, volunteer,
                                                                              dummy_training, create_participant):
    people = [create_participant(full_name=f"Người {n}") for n in range(3)]
    _hold(db, volunteer, *[scan_body(person, training_id=dummy_training.id) for person in people])
    other = _english(login(users["other_coordinator"]))
    [first, *_rest] = _held(db)
    assert other.post(f"/held-scans/{first.id}/accept").status_code == 404
    assert "Người 0" not in other.get("/held-scans").get_data(as_text=True)
    other.post("/logout")
    coordinator = _english(login(users["coordinator"]))
    response = coordinator.post("/held-scans/bulk", data={"volunteer": volunteer.id, "decision": "discard",
                                                          "reason": "Quét thử"})
    assert response.status_code == 302
    assert [(held.status, held.note) for held in _held(db)] == [(HeldStatus.discarded, "Quét thử")] * 3
    assert _checkins(db) == []
    assert coordinator.post("/held-scans/bulk", data={"volunteer": volunteer.id, "decision": "eat"}).status_code == 302
    assert "Must be one of" in coordinator.get("/held-scans").get_data(as_text=True)
