"""Live counts in headless Chromium: an open training page and an open scanner follow check-ins made
elsewhere (through the API, by another volunteer) within a few seconds, without reloading."""
import time

import pytest

from tests.checkins.scans import scan_body
from tracker.core.time import utcnow

#: The page polls every 4 s (the scanner every 5 s, with ±10 % jitter): a few seconds, then some slack.
WITHIN_MS = 12_000


@pytest.fixture
def people(create_participant, tree):
    return [create_participant("Nguyễn Thị Hoa", village=tree["village"]),
            create_participant("Y Bông Êban", village=tree["village2"])]


def _scan_elsewhere(api_as, user, training, person):
    """Check ``person`` in through the API, as another volunteer's phone does."""
    response = api_as(user).post(f"/api/v1/trainings/{training.id}/checkins", json=scan_body(person, at=utcnow()))
    assert response.status_code == 201, response.json


def _watch_polls(page, path):
    statuses = []
    page.on("response", lambda response: statuses.append(response.status) if response.url.endswith(path) else None)
    return statuses


def test_an_open_training_page_shows_a_check_in_made_through_the_api(new_page, api_as, users, open_training, people):
    page = new_page(users["coordinator"])
    polls = _watch_polls(page, f"/trainings/{open_training.id}/live")
    page.goto(f"/trainings/{open_training.id}")
    page.evaluate("() => { window.__notReloaded = true; }")
    assert page.inner_text(".attendance-count strong") == "0"
    assert page.inner_text(".page-head .badge") == "Đã lên lịch"
    _scan_elsewhere(api_as, users["volunteer"], open_training, people[0])
    started = time.monotonic()
    page.wait_for_function("() => document.querySelector('.attendance-count strong').textContent.trim() === '1'",
                           timeout=WITHIN_MS)
    print(f"\nthe check-in reached the open page in {time.monotonic() - started:.1f} s")
    assert page.locator(".roster .roster-name").all_inner_texts() == ["Nguyễn Thị Hoa"]
    assert page.inner_text(".page-head .badge") == "Đã tổ chức" and "held" in page.get_attribute(".page-head .badge", "class")
    assert page.evaluate("() => window.__notReloaded") is True
    # Nothing new since: the next polls are bodiless 304s.
    page.wait_for_timeout(9_000)
    assert 200 in polls and polls[-1] == 304, polls


def test_a_void_form_being_filled_in_is_not_swept_away_by_an_update(new_page, db, api_as, users, open_training,
                                                                    people):
    _scan_elsewhere(api_as, users["volunteer"], open_training, people[0])
    page = new_page(users["coordinator"])
    page.goto(f"/trainings/{open_training.id}")
    page.click(".roster-void-form summary")
    page.fill(".roster-void-form input[name=reason]", "Quét nhầm người")
    _scan_elsewhere(api_as, users["volunteer"], open_training, people[1])
    # Only the new row comes (placed in scan order); the row being filled in keeps what was typed.
    page.locator(".roster .roster-name").nth(1).wait_for(timeout=WITHIN_MS)
    assert page.locator(".roster .roster-name").all_inner_texts() == ["Nguyễn Thị Hoa", "Y Bông Êban"]
    assert page.input_value(".roster-void-form input[name=reason]") == "Quét nhầm người"
    assert page.text_content(".attendance-count strong").strip() == "2"
    # Someone else voids that very check-in: its row waits while the form is open, then catches up.
    [checkin] = api_as(users["admin"]).get(f"/api/v1/trainings/{open_training.id}/checkins").json["items"][:1]
    assert api_as(users["admin"]).post(f"/api/v1/checkins/{checkin['id']}/void", json={"reason": "Trùng"}).status_code == 200
    page.wait_for_function("() => document.querySelector('.attendance-count strong').textContent.trim() === '1'",
                           timeout=WITHIN_MS)
    assert page.input_value(".roster-void-form input[name=reason]") == "Quét nhầm người"
    assert page.locator(".roster li.voided").count() == 0
    page.click(".roster-void-form summary")  # closed: the row catches up
    page.locator(".roster li.voided").wait_for(timeout=WITHIN_MS)
    assert page.locator(".roster li.voided .roster-name").inner_text() == "Nguyễn Thị Hoa"


def test_the_scanner_count_follows_another_volunteers_check_ins(new_page, api_as, users, create_user, tree,
                                                                open_training, people):
    page = new_page(users["volunteer"])
    page.goto(f"/scan?training={open_training.id}")
    page.wait_for_selector("body[data-roster=fresh]")
    assert page.inner_text("#count") == "0"
    other = create_user("volunteer", tree["commune"])
    _scan_elsewhere(api_as, other, open_training, people[0])
    page.wait_for_function("() => document.getElementById('count').textContent === '1'", timeout=WITHIN_MS)
    # This phone's own scan adds to it at once, and the count stays right when the server's list catches up.
    page.fill("#manual-code", people[1].code)
    page.press("#manual-code", "Enter")
    page.wait_for_selector("#recent li.accepted")
    assert page.inner_text("#count") == "2"
    page.wait_for_timeout(6_000)
    assert page.inner_text("#count") == "2"
