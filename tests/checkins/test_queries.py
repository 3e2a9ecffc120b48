import uuid
from datetime import timedelta

import pytest

from tests.checkins.scans import DURING, new_scan
from tracker.checkins import operations
from tracker.checkins.queries import checkin_by_scan_id, count_checkins, get_checkin_for, roster
from tracker.core.errors import Forbidden, NotFound


@pytest.fixture
def checked_in(db, users, dummy_training, create_participant):
    """Three people checked in at the dummy training, the last one first; one of them voided."""
    people = [create_participant(name) for name in ("Nguyễn Thị Hoa", "Y Bhim Niê", "H'Hen Niê")]
    answers = [operations.check_in(dummy_training, new_scan(person, at=DURING - timedelta(minutes=index)),
                                   user=users["volunteer"], now=DURING) for index, person in enumerate(people)]
    operations.void_checkin(answers[1].checkin, reason="Quét nhầm", user=users["coordinator"])
    db.session.commit()
    return [answer.checkin for answer in answers]


def test_count_and_roster_leave_voided_check_ins_out(dummy_training, checked_in):
    assert count_checkins(dummy_training) == 2
    assert roster(dummy_training) == [checked_in[2], checked_in[0]]
    assert roster(dummy_training, include_voided=True) == [checked_in[2], checked_in[1], checked_in[0]]
    assert roster(dummy_training)[0].participant.full_name == "H'Hen Niê"


def test_a_check_in_is_found_by_its_scan_id(checked_in):
    assert checkin_by_scan_id(checked_in[1].scan_id) is checked_in[1]
    assert checkin_by_scan_id(uuid.uuid4()) is None


@pytest.mark.parametrize(("role", "error"), [
    ("admin", None), ("coordinator", None), ("volunteer", None), ("other_coordinator", NotFound),
    ("committee", Forbidden)])
def test_a_check_in_is_read_only_in_scope(users, checked_in, role, error):
    if error is None:
        assert get_checkin_for(users[role], checked_in[0].id) is checked_in[0]
        return
    with pytest.raises(error):
        get_checkin_for(users[role], checked_in[0].id)


def test_an_unknown_check_in_is_not_found(users):
    with pytest.raises(NotFound):
        get_checkin_for(users["admin"], 12345)
