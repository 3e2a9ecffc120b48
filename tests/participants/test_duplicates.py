"""Likely duplicates: reviewed per area, merged without a training counted twice, or marked two people."""
import uuid
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from tests.checkins.scans import DURING, new_scan
from tracker.checkins.models import CheckIn, CheckInSource
from tracker.checkins.operations import check_in
from tracker.core.errors import AppError, NotFound
from tracker.digests.figures import build_payload
from tracker.events.models import Event
from tracker.outcomes.models import Indicator, Outcome
from tracker.participants.duplicates import dismiss_duplicate, likely_duplicates, merge_participants
from tracker.participants.models import Participant


@pytest.fixture
def twins(create_participant, tree):
    """Two records of one person (same name, birth year, village) and a namesake elsewhere."""
    first = create_participant("Nguyễn Thị Hoa", birth_year=1980)
    second = create_participant("Nguyen Thi Hoa", birth_year=1980)  # typed without diacritics
    create_participant("Nguyễn Thị Hoa", birth_year=1980, village=tree["other_village"])
    create_participant("Nguyễn Thị Hoa", birth_year=1981)
    return first, second


def _checkin(db, training, person, at, **extra):
    checkin = CheckIn(training=training, participant=person, scan_id=uuid.uuid4(), scanned_at=at,
                      source=CheckInSource.camera, **extra)
    db.session.add(checkin)
    db.session.commit()
    return checkin


def test_pairs_are_listed_in_the_users_area_only(db, twins, users):
    first, second = twins
    assert [(a.id, b.id) for a, b in likely_duplicates(users["coordinator"])] == [(first.id, second.id)]
    assert likely_duplicates(users["other_coordinator"]) == []
    assert len(likely_duplicates(users["admin"])) == 1


def test_a_merge_moves_checkins_without_counting_a_training_twice(db, twins, users, create_training, dummy_campaign):
    first, second = twins
    shared = create_training()
    other_day = create_training(starts_at=DURING + timedelta(days=1), ends_at=DURING + timedelta(days=1, hours=1))
    kept_scan = _checkin(db, shared, first, DURING + timedelta(minutes=10))
    early = _checkin(db, shared, second, DURING)  # the same person scanned twice under two records
    moved = _checkin(db, other_day, second, DURING + timedelta(days=1, minutes=5))
    indicator = Indicator(campaign=dummy_campaign, key="vneid", name="VNeID mức 2", position=0)
    db.session.add(indicator)
    db.session.flush()
    db.session.add_all([Outcome(participant=first, indicator=indicator, recorded_at=DURING + timedelta(hours=1)),
                        Outcome(participant=second, indicator=indicator, recorded_at=DURING)])
    db.session.commit()
    before = build_payload(dummy_campaign, first.village.parent.parent, date(2025, 8, 25))
    assert before["reached"] == 2  # two records: counted as two people so far
    merge_participants(first, second, user=users["coordinator"])
    db.session.commit()
    db.session.expire_all()
    counting = db.session.scalars(sa.select(CheckIn).where(CheckIn.voided_at.is_(None))).all()
    assert sorted((c.training_id, c.participant_id, c.id) for c in counting) == sorted(
        [(shared.id, first.id, early.id), (other_day.id, first.id, moved.id)])
    voided = db.session.get(CheckIn, kept_scan.id)
    assert voided.voided_at is not None and voided.void_reason == f"merged: the same person as {first.code}"
    after = build_payload(dummy_campaign, first.village.parent.parent, date(2025, 8, 25))
    assert after["reached"] == 1 and after["checkins_yesterday"] == 0
    assert [(o.participant_id, o.recorded_at) for o in db.session.scalars(sa.select(Outcome))] == [(first.id, DURING)]
    kept_record = db.session.get(Participant, second.id)
    assert kept_record.merged_into_id == first.id and kept_record.full_name == "Nguyen Thi Hoa"  # kept, marked
    event = db.session.scalar(sa.select(Event).where(Event.type == "participant.merged"))
    assert event.payload == {"kept_id": first.id, "kept": first.code, "merged_id": second.id, "merged": second.code,
                             "checkins_moved": 2, "checkins_voided": 1}
    assert likely_duplicates(users["coordinator"]) == []


def test_a_merged_records_card_checks_in_the_kept_person(db, twins, users, create_training):
    first, second = twins
    merge_participants(first, second, user=users["coordinator"])
    db.session.commit()
    answer = check_in(create_training(), new_scan(second), user=users["volunteer"], now=DURING)
    assert answer.checkin.participant_id == first.id and answer.participant["code"] == first.code


def test_not_the_same_person_stops_the_flag(db, twins, users, count_events):
    first, second = twins
    dismiss_duplicate(second, first, user=users["coordinator"])
    dismiss_duplicate(first, second, user=users["coordinator"])  # once is enough
    db.session.commit()
    assert likely_duplicates(users["coordinator"]) == []
    assert count_events("participant.duplicate_dismissed") == 1


def test_only_the_area_may_decide(db, twins, users):
    first, second = twins
    with pytest.raises(NotFound):
        merge_participants(first, second, user=users["other_coordinator"])
    with pytest.raises(AppError):
        merge_participants(first, first, user=users["coordinator"])
    merge_participants(first, second, user=users["coordinator"])
    with pytest.raises(AppError):  # merged already
        merge_participants(first, second, user=users["coordinator"])


def test_the_pages(client, login, users, twins, db):
    first, second = twins
    login(users["coordinator"])
    page = client.get("/participants/duplicates").get_data(as_text=True)
    assert first.code in page and second.code in page and "Not the same person" in page
    response = client.post("/participants/duplicates/merge", data={"kept": first.id, "other": second.id})
    assert response.status_code == 302
    assert "No likely duplicates." in client.get("/participants/duplicates").get_data(as_text=True)
    merged = client.get(f"/participants/{second.id}").get_data(as_text=True)
    assert "This record was merged" in merged and f"/participants/{first.id}" in merged
    listed = client.get("/participants").get_data(as_text=True)
    assert first.code in listed and second.code not in listed
    assert client.post("/participants/duplicates/merge", data={"kept": "x"}).status_code == 302


def test_registration_warns_before_saving_a_likely_duplicate(client, login, users, twins, db, tree):
    login(users["coordinator"])
    form = {"full_name": "nguyễn thị hoa", "birth_year": "1980", "gender": "female", "ethnicity": "Kinh",
            "village": tree["village"].code, "consent": "yes"}
    warned = client.post("/participants/new", data=form)
    page = warned.get_data(as_text=True)
    assert warned.status_code == 409 and "This person may be registered already" in page
    assert f'/participants/{twins[0].id}"' in page and "Register anyway" in page
    count = db.session.scalar(sa.select(sa.func.count(Participant.id)))
    saved = client.post("/participants/new", data=form | {"confirm_duplicate": "1"})
    assert saved.status_code == 302 and db.session.scalar(sa.select(sa.func.count(Participant.id))) == count + 1
