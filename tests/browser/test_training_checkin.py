"""The training page's check-in box in headless Chromium on a 360 px phone: after each check-in the
answer is on screen next to the box and the cursor is back in it, so that codes can be typed, or
cards read by a hardware QR scanner (which types the token and Enter), one after another."""
import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.browser.conftest import VIEWPORT
from tests.browser.phone import overflow_problems
from tracker.cards.tokens import make_token
from tracker.checkins.models import CheckIn, CheckInSource
from tracker.core.time import utcnow

#: Where the answer is and whether the box holds the cursor, as the person at the door sees it.
SEEN_JS = """() => {
  const answer = document.querySelector(".checkin-answer");
  const box = answer && answer.getBoundingClientRect();
  return {answer: answer ? answer.textContent.trim() : null, kind: answer ? answer.className : null,
          on_screen: !!box && box.top >= 0 && box.bottom <= window.innerHeight,
          focused: document.activeElement && document.activeElement.id};
}"""


@pytest.fixture
def crowded(db, open_training, create_participant):
    """The open training with a long roster already (the box must not scroll away from it), and two newcomers."""
    open_training.capacity = 80
    db.session.commit()
    for number in range(30):
        person = create_participant(f"Người đã đến {number}")
        db.session.add(CheckIn(training=open_training, participant=person, scan_id=uuid.uuid4(),
                               scanned_at=utcnow() - timedelta(minutes=number), source=CheckInSource.camera))
    db.session.commit()
    return {"training": open_training, "hoa": create_participant("Nguyễn Thị Hoa"),
            "bong": create_participant("Y Bông Êban")}


def _scan(page, text):
    """Type ``text`` into the box and press Enter, as a person or a keyboard-wedge scanner does."""
    page.keyboard.type(text)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    try:  # the page puts the cursor back once it has loaded and scrolled to the box
        page.wait_for_function("() => document.activeElement && document.activeElement.id === 'f-code'",
                               timeout=2000)
    except PlaywrightTimeout:
        pass  # SEEN_JS reports what has the focus instead
    return page.evaluate(SEEN_JS)


def test_codes_and_scanned_tokens_follow_one_another_with_the_answer_in_view(db, new_page, users, crowded):
    training = crowded["training"]
    page = new_page(users["volunteer"])
    page.goto(f"/trainings/{training.id}")
    page.click("#f-code")
    seen = _scan(page, crowded["hoa"].code)
    assert page.url.endswith(f"/trainings/{training.id}#checkin")
    assert "Nguyễn Thị Hoa" in seen["answer"] and "success" in seen["kind"]
    assert seen["on_screen"] and seen["focused"] == "f-code"
    # The next card, read by a hardware scanner straight into the box that kept the cursor.
    seen = _scan(page, make_token(crowded["bong"].code))
    assert "Y Bông Êban" in seen["answer"] and seen["on_screen"] and seen["focused"] == "f-code"
    # A forged card is refused in the same place, and the box is ready for the next one.
    seen = _scan(page, f"PD1.{crowded['hoa'].code}.AAAAAAAAAAAAAAAA")
    assert "error" in seen["kind"] and seen["on_screen"] and seen["focused"] == "f-code"
    assert overflow_problems(page) == []
    db.session.expire_all()
    sources = dict(db.session.execute(sa.select(CheckIn.participant_id, CheckIn.source)
                                      .where(CheckIn.participant_id.in_([crowded["hoa"].id, crowded["bong"].id]))).all())
    assert sources == {crowded["hoa"].id: CheckInSource.manual, crowded["bong"].id: CheckInSource.camera}


def test_a_training_not_yet_open_shows_a_disabled_box_and_the_scanner_qr(db, new_page, users, create_training,
                                                                        open_training):
    starts = utcnow() + timedelta(hours=3)
    training = create_training(campaign=open_training.campaign, starts_at=starts, ends_at=starts + timedelta(hours=2))
    page = new_page(users["coordinator"])
    page.goto(f"/trainings/{training.id}")
    assert "Mở điểm danh lúc" in page.inner_text("#checkin")
    assert page.is_disabled("#f-code") and page.is_disabled("#checkin button[type=submit]")
    page.click(".scanner-link summary")
    qr = page.locator(".scanner-qr svg").bounding_box()
    assert qr["width"] >= 150 and qr["x"] + qr["width"] <= VIEWPORT["width"]
    assert overflow_problems(page) == []
