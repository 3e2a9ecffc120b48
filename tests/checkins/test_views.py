"""The training page's actions: check in by a typed code or a hardware scanner's token, void a check-in
(POST, answer next to the box, redirect)."""
import re
import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa

from tracker.cards.tokens import make_token
from tracker.checkins.models import CheckIn, CheckInSource
from tracker.checkins.operations import check_in
from tracker.core.time import utcnow
from tracker.trainings.models import TrainingStatus


@pytest.fixture
def checked_in(db, users, open_training, dummy_participant):
    """The dummy participant, checked in at the open training by the volunteer."""
    scan = {"code": dummy_participant.code, "scan_id": uuid.uuid4(), "scanned_at": utcnow()}
    answer = check_in(open_training, scan, user=users["volunteer"])
    db.session.commit()
    return answer.checkin


def _checkins(db):
    return db.session.scalars(sa.select(CheckIn).order_by(CheckIn.id)).all()


def _post_code(client, training, code):
    return client.post(f"/trainings/{training.id}/check-in", data={"code": code}, follow_redirects=True)


# Check in by code ----------------------------------------------------------------------------

@pytest.mark.parametrize("role", ["coordinator", "volunteer"])
def test_a_typed_code_checks_the_person_in(client, db, users, login, open_training, dummy_participant,
                                          count_events, role):
    login(users[role])
    response = client.post(f"/trainings/{open_training.id}/check-in", data={"code": dummy_participant.code.lower()})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/trainings/{open_training.id}#checkin"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Checked in: Nguyễn Thị Hoa" in page and "code typed in" in page
    [checkin] = _checkins(db)
    assert checkin.source == CheckInSource.manual and checkin.volunteer_id == users[role].id
    assert utcnow() - checkin.scanned_at < timedelta(minutes=1)
    assert count_events("checkin.recorded") == 1


def _box(page):
    """The check-in box's block (the answer and the form) and what the page shows before it."""
    start = page.index('<div class="checkin-box" id="checkin">')
    return page[start:page.index("</div>", page.index('class="code-checkin-row"', start)) + 6], page[:start]


def test_the_answer_is_shown_next_to_the_box_and_the_box_takes_the_next_code(client, users, login, open_training,
                                                                              dummy_participant):
    login(users["volunteer"])
    page = _post_code(client, open_training, dummy_participant.code).get_data(as_text=True)
    box, before = _box(page)
    # The answer sits inside the block the redirect scrolls to, just above the input, and only there.
    assert re.search(r'<p class="flash success checkin-answer" role="status">Checked in: Nguyễn Thị Hoa</p>\s*'
                     r'<form class="code-checkin"', box)
    assert "Checked in: Nguyễn Thị Hoa" not in before and page.count("Checked in: Nguyễn Thị Hoa") == 1
    assert re.search(r'<input id="f-code" name="code"[^>]* autofocus data-refocus>', box)
    assert '<script src="/static/js/attendance.js" defer></script>' in page
    # A plain visit does not grab the focus (a phone would open its keyboard over the page).
    again = client.get(f"/trainings/{open_training.id}").get_data(as_text=True)
    assert "autofocus" not in again and "checkin-answer" not in again


def test_a_refusal_is_shown_next_to_the_box_too(client, users, login, open_training):
    login(users["coordinator"])
    box, before = _box(_post_code(client, open_training, "ABC").get_data(as_text=True))
    assert 'class="flash error checkin-answer"' in box and "This is not a participant code" in box
    assert "This is not a participant code" not in before and "autofocus data-refocus" in box


def test_the_script_focusing_the_box_is_served(client):
    with client.get("/static/js/attendance.js") as script:
        assert script.status_code == 200 and b"data-refocus" in script.data and b"data-opens-in" in script.data


@pytest.mark.parametrize("case", [str, str.lower, lambda token: f"  {token}  "])
def test_a_token_typed_by_a_hardware_scanner_checks_the_person_in(client, db, users, login, open_training,
                                                                  dummy_participant, count_events, case):
    login(users["volunteer"])
    page = _post_code(client, open_training, case(make_token(dummy_participant.code))).get_data(as_text=True)
    assert "Checked in: Nguyễn Thị Hoa" in _box(page)[0]
    [checkin] = _checkins(db)
    # The card itself was read and its signature checked: recorded as scanned, not typed.
    assert checkin.source == CheckInSource.camera and checkin.participant_id == dummy_participant.id
    assert count_events("checkin.recorded") == 1


def test_a_scanned_token_after_a_typed_code_answers_already_checked_in(client, db, users, login, open_training,
                                                                      dummy_participant, checked_in):
    login(users["coordinator"])
    page = _post_code(client, open_training, make_token(dummy_participant.code)).get_data(as_text=True)
    assert "Nguyễn Thị Hoa: Already checked in at" in _box(page)[0] and len(_checkins(db)) == 1


@pytest.mark.parametrize(("token", "message"), [
    ("PD1.{code}.AAAAAAAAAAAAAAAA", "This card&#39;s signature does not match: it was altered or forged."),
    ("PD9.{code}.AAAAAAAAAAAAAAAA", "This card was signed with a key this server no longer accepts."),
    ("PD1.{code}.AAAA", "This card code is incomplete. Scan the card again."),
    ("HTTP://EXAMPLE.COM", "This QR code is not a participant card of this tracker."),
])
def test_a_forged_or_broken_token_is_refused_with_the_reason(client, db, users, login, open_training,
                                                            dummy_participant, count_events, token, message):
    login(users["coordinator"])
    page = _post_code(client, open_training, token.format(code=dummy_participant.code)).get_data(as_text=True)
    box, _before = _box(page)
    assert 'class="flash error checkin-answer"' in box and message in box
    assert _checkins(db) == [] and count_events("checkin.recorded") == 0


def test_a_genuine_token_of_nobody_is_refused(client, db, users, login, open_training):
    login(users["coordinator"])
    page = _post_code(client, open_training, make_token("ZNUDUR5J")).get_data(as_text=True)
    assert "No participant has the code ZNUDUR5J" in _box(page)[0] and _checkins(db) == []


def test_a_code_typed_in_groups_with_spaces_is_read(client, db, users, login, open_training, dummy_participant):
    login(users["coordinator"])
    spaced = f"{dummy_participant.code[:4]} {dummy_participant.code[4:]}"
    assert "Checked in: Nguyễn Thị Hoa" in _post_code(client, open_training, spaced).get_data(as_text=True)


def test_a_second_code_answers_already_checked_in(client, db, users, login, open_training, dummy_participant,
                                                 checked_in, count_events):
    login(users["coordinator"])
    page = _post_code(client, open_training, dummy_participant.code).get_data(as_text=True)
    assert "Nguyễn Thị Hoa: Already checked in at" in page
    assert len(_checkins(db)) == 1 and count_events("checkin.recorded") == 1


@pytest.mark.parametrize(("code", "message"), [
    ("", "Type the code printed under the person"),
    ("ABC", "This is not a participant code"),
    ("ZZZZZZZZ", "No participant has the code ZZZZZZZZ"),
    ("x" * 200, "Longer than maximum length"),
    ("<script>", "This is not a participant code"),
])
def test_bad_codes_are_answered_on_the_page(client, db, users, login, open_training, code, message):
    login(users["coordinator"])
    response = _post_code(client, open_training, code)
    assert response.status_code == 200 and message in response.get_data(as_text=True)
    assert _checkins(db) == []


def test_a_cancelled_training_takes_no_check_ins(client, db, users, login, open_training, dummy_participant):
    open_training.status = TrainingStatus.cancelled
    db.session.commit()
    login(users["coordinator"])
    page = _post_code(client, open_training, dummy_participant.code).get_data(as_text=True)
    assert "This training was cancelled: it takes no check-ins." in page and _checkins(db) == []


def test_a_training_outside_its_window_takes_no_check_ins(client, db, users, login, dummy_training,
                                                         dummy_participant):
    login(users["coordinator"])
    page = _post_code(client, dummy_training, dummy_participant.code).get_data(as_text=True)
    assert "Check-in for this training is open from 20/08/2025 07:00 to 20/08/2025 12:00." in page
    assert _checkins(db) == []


def test_the_committee_may_not_check_in(client, users, login, open_training, dummy_participant):
    login(users["committee"])
    assert client.post(f"/trainings/{open_training.id}/check-in",
                       data={"code": dummy_participant.code}).status_code == 403


def test_check_in_outside_the_scope_is_not_found(client, users, login, open_training, dummy_participant):
    login(users["other_coordinator"])
    assert client.post(f"/trainings/{open_training.id}/check-in",
                       data={"code": dummy_participant.code}).status_code == 404
    assert client.post("/trainings/999999/check-in", data={"code": dummy_participant.code}).status_code == 404


def test_forms_without_a_csrf_token_are_refused(app, client, users, login, open_training, checked_in):
    login(users["coordinator"])
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        assert client.post(f"/trainings/{open_training.id}/check-in", data={"code": "X"}).status_code == 400
        assert client.post(f"/checkins/{checked_in.id}/void", data={"reason": "x"}).status_code == 400
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


# Void ----------------------------------------------------------------------------------------

def test_a_coordinator_voids_a_check_in_from_the_roster(client, db, users, login, open_training, checked_in,
                                                       count_events):
    login(users["coordinator"])
    response = client.post(f"/checkins/{checked_in.id}/void", data={"reason": "  Quét nhầm  "})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/trainings/{open_training.id}#checkin"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "The check-in of Nguyễn Thị Hoa was voided." in page and "Quét nhầm" in page
    db.session.expire_all()
    assert checked_in.is_voided and checked_in.void_reason == "Quét nhầm"
    assert count_events("checkin.voided") == 1


def test_a_voided_person_may_be_checked_in_again_by_code(client, db, users, login, open_training, checked_in,
                                                        dummy_participant):
    login(users["coordinator"])
    client.post(f"/checkins/{checked_in.id}/void", data={"reason": "nhầm"})
    page = _post_code(client, open_training, dummy_participant.code).get_data(as_text=True)
    assert "Checked in: Nguyễn Thị Hoa" in page and len(_checkins(db)) == 2


@pytest.mark.parametrize(("data", "message"), [
    ({}, "Missing data for required field."),
    ({"reason": "   "}, "Say why the check-in is voided."),
    ({"reason": "x" * 501}, "Longer than maximum length 500."),
])
def test_a_void_says_why(client, db, users, login, checked_in, data, message):
    login(users["coordinator"])
    response = client.post(f"/checkins/{checked_in.id}/void", data=data, follow_redirects=True)
    assert response.status_code == 200 and message in response.get_data(as_text=True)
    db.session.expire_all()
    assert not checked_in.is_voided


def test_voiding_twice_is_answered_on_the_page(client, users, login, checked_in):
    login(users["coordinator"])
    client.post(f"/checkins/{checked_in.id}/void", data={"reason": "nhầm"})
    response = client.post(f"/checkins/{checked_in.id}/void", data={"reason": "nhầm"}, follow_redirects=True)
    assert "This check-in is already voided." in response.get_data(as_text=True)


@pytest.mark.parametrize(("role", "status"), [("volunteer", 403), ("committee", 403), ("other_coordinator", 404)])
def test_only_coordinators_and_admins_in_scope_may_void(client, db, users, login, checked_in, role, status):
    login(users[role])
    assert client.post(f"/checkins/{checked_in.id}/void", data={"reason": "x"}).status_code == status
    db.session.expire_all()
    assert not checked_in.is_voided


def test_unknown_check_ins_are_not_found(client, users, login):
    login(users["admin"])
    assert client.post("/checkins/999999/void", data={"reason": "x"}).status_code == 404
    assert client.post("/checkins/abc/void", data={"reason": "x"}).status_code == 404
