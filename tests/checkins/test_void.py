"""Voiding check-ins: coordinators at any time, the scanning volunteer within UNDO_WINDOW of their scan."""
from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests.checkins.scans import new_scan, scan_body
from tracker.checkins.models import CheckIn
from tracker.checkins.operations import UNDO_WINDOW, check_in, void_checkin
from tracker.checkins.queries import active_checkin
from tracker.core.errors import Forbidden, NotFound
from tracker.core.time import utcnow
from tracker.events.models import Event

REFUSAL = "Only the volunteer who scanned may undo, within 5 minutes; ask a coordinator."


@pytest.fixture
def scanned(db, users, dummy_training, dummy_participant):
    """A check-in the volunteer recorded; returns it and the instant the server stored it."""
    checkin = check_in(dummy_training, new_scan(dummy_participant), user=users["volunteer"]).checkin
    db.session.commit()
    return checkin, checkin.recorded_at


def _voided_events(db):
    return db.session.scalars(sa.select(Event).where(Event.type == "checkin.voided")).all()


def test_the_volunteer_who_scanned_undoes_within_the_window(db, users, scanned, dummy_training, dummy_participant):
    checkin, recorded_at = scanned
    void_checkin(checkin, reason="Quét nhầm", user=users["volunteer"], now=recorded_at + UNDO_WINDOW)
    db.session.commit()
    db.session.expire_all()
    assert checkin.is_voided and checkin.voided_by_id == users["volunteer"].id
    assert checkin.voided_at == recorded_at + UNDO_WINDOW
    assert active_checkin(dummy_training, dummy_participant) is None
    assert db.session.scalar(sa.select(sa.func.count(CheckIn.id))) == 1  # the record stays
    [event] = _voided_events(db)
    assert event.actor_id == users["volunteer"].id and event.payload["reason"] == "Quét nhầm"


def test_past_the_window_the_volunteer_is_refused_and_nothing_changes(db, users, scanned):
    checkin, recorded_at = scanned
    with pytest.raises(Forbidden) as refused:
        void_checkin(checkin, reason="Quét nhầm", user=users["volunteer"],
                     now=recorded_at + UNDO_WINDOW + timedelta(seconds=1))
    assert refused.value.message == REFUSAL
    db.session.rollback()
    db.session.expire_all()
    assert not checkin.is_voided and _voided_events(db) == []


def test_another_volunteer_may_not_undo_even_at_once(db, users, scanned, create_user, tree):
    checkin, recorded_at = scanned
    colleague = create_user("volunteer", tree["commune"], "vol-66001-b")
    with pytest.raises(Forbidden) as refused:
        void_checkin(checkin, reason="Quét nhầm", user=colleague, now=recorded_at)
    assert refused.value.message == REFUSAL


def test_a_volunteer_out_of_scope_gets_not_found(db, scanned, create_user, tree):
    checkin, recorded_at = scanned
    stranger = create_user("volunteer", tree["other_commune"], "vol-66002")
    with pytest.raises(NotFound):
        void_checkin(checkin, reason="Quét nhầm", user=stranger, now=recorded_at)


@pytest.mark.parametrize("role", ["coordinator", "admin"])
def test_coordinators_and_admins_void_at_any_time(db, users, scanned, role):
    checkin, recorded_at = scanned
    void_checkin(checkin, reason="Nhập sai", user=users[role], now=recorded_at + timedelta(days=3))
    db.session.commit()
    db.session.expire_all()
    assert checkin.is_voided and checkin.voided_by_id == users[role].id and len(_voided_events(db)) == 1


def test_a_committee_member_may_not_void(db, users, scanned):
    checkin, recorded_at = scanned
    with pytest.raises(Forbidden) as refused:
        void_checkin(checkin, reason="Nhập sai", user=users["commune_committee"], now=recorded_at)
    assert refused.value.message != REFUSAL


# Through the API, by the clock: the answer says why.

def test_a_volunteer_may_not_undo_anothers_scan_nor_an_old_one(users, api_as, dummy_training, dummy_participant,
                                                               create_participant, create_user, tree, db):
    volunteer, colleague = users["volunteer"], create_user("volunteer", tree["commune"], "vol-66001-b")
    url = f"/api/v1/trainings/{dummy_training.id}/checkins"
    theirs = api_as(colleague).post(url, json=scan_body(dummy_participant)).json["id"]
    response = api_as(volunteer).post(f"/api/v1/checkins/{theirs}/void", json={"reason": "Quét nhầm"})
    assert (response.status_code, response.json["error"]["message"]) == (403, REFUSAL)
    old = api_as(volunteer).post(url, json=scan_body(create_participant("Y Bih"))).json["id"]
    db.session.execute(sa.update(CheckIn).where(CheckIn.id == old).values(recorded_at=utcnow() - timedelta(minutes=6)))
    db.session.commit()
    response = api_as(volunteer).post(f"/api/v1/checkins/{old}/void", json={"reason": "Quét nhầm"})
    assert (response.status_code, response.json["error"]["message"]) == (403, REFUSAL)
    assert api_as(users["coordinator"]).post(f"/api/v1/checkins/{old}/void", json={"reason": "Nhập sai"}).status_code == 200
    db.session.expire_all()
    assert [checkin.is_voided for checkin in db.session.scalars(sa.select(CheckIn).order_by(CheckIn.id))] == [False, True]
