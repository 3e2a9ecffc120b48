"""The audit trail in headless Chromium at 360 px: rows in words, the filter form, paging, a finger high."""
from datetime import UTC, datetime

from tests.browser.conftest import VIEWPORT, screenshot
from tests.browser.phone import assert_fits_the_phone
from tracker.events import operations as events
from tracker.events import views


def fits(page):
    """Nothing sticks out sideways; every link, button and field of the page is at least 44 px high."""
    assert_fits_the_phone(page)


def _seed(db, users, tree, training, participant):
    users["coordinator"].full_name = "Y Khoa Niê"
    users["volunteer"].full_name = "H'Hen Mlô Niê Kdăm"
    training.title = "Hướng dẫn cài đặt và sử dụng ứng dụng VNeID mức độ 2 cho người cao tuổi"
    tree["village"].name = "Buôn Ko Tam — điểm sinh hoạt cộng đồng số 2 của xã Ea Kao"
    events.record("training.scheduled", training, {"village": tree["village"].code, "title": training.title,
                                                   "starts_at": training.starts_at.isoformat(), "capacity": 40},
                  user=users["coordinator"], unit=tree["village"])
    events.record("checkin.recorded", type("CheckIn", (), {"id": 3})(), {
        "training_id": training.id, "participant": participant.code, "source": "camera", "offline": True,
        "shown": "accepted", "scanned_at": datetime(2026, 12, 1, 3, tzinfo=UTC).isoformat()},
        user=users["volunteer"], unit=tree["village"])
    events.record("training.cancelled", training, {"reason": "Mưa lớn, đường vào buôn bị ngập", "previous_status": "held"},
                  user=users["coordinator"], unit=tree["village"])
    events.record("cards.printed", tree["village2"], {"village": tree["village2"].code, "count": 24},
                  user=users["coordinator"], unit=tree["village2"])
    events.record("cards.printed", tree["other_village"], {"village": tree["other_village"].code, "count": 9},
                  user=users["other_coordinator"], unit=tree["other_village"])
    db.session.commit()


def test_the_audit_trail_reads_in_words_on_a_phone(db, users, tree, dummy_training, dummy_participant, new_page,
                                                     monkeypatch):
    _seed(db, users, tree, dummy_training, dummy_participant)
    monkeypatch.setattr(views, "PAGE_SIZE", 3)
    page = new_page(users["coordinator"])
    page.goto("/events")
    text = page.inner_text("main .events")
    assert "Nguồn: quét camera" in text and "H'Hen Mlô Niê Kdăm (Tình nguyện viên)" in text
    assert "Hủy buổi tập huấn" in text and "Tổ dân phố 5" not in text
    assert dummy_participant.full_name not in page.content()
    fits(page)
    screenshot(page, "audit.png", full_page=True)

    with page.expect_navigation():
        page.click("main .events-pager a:has-text('Cũ hơn')")
    assert "Lên lịch buổi tập huấn" in page.inner_text("main .events")
    fits(page)

    page.goto("/events")
    page.fill("#f-unit", "6600102")
    page.select_option("#f-type", "cards.printed")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    text = page.inner_text("main .events")
    assert "Số lượng: 24" in text and "Số lượng: 9" not in text and "Đã điểm danh" not in text
    assert page.input_value("#f-unit") == "6600102"
    fits(page)
    screenshot(page, "audit-filtered.png", full_page=True)

    page.goto("/events?unit=66002")
    assert "Không có đơn vị mang mã này trong khu vực của bạn." in page.inner_text("main")
    fits(page)


def test_a_training_history_reads_in_words_on_a_phone(db, users, tree, dummy_training, dummy_participant, new_page):
    _seed(db, users, tree, dummy_training, dummy_participant)
    page = new_page(users["coordinator"])
    page.goto(f"/trainings/{dummy_training.id}")
    text = page.inner_text("main .events")
    assert "Lý do: Mưa lớn, đường vào buôn bị ngập" in text and "Y Khoa Niê (Điều phối viên xã)" in text
    assert page.evaluate("document.documentElement.scrollWidth") <= VIEWPORT["width"]
    screenshot(page, "training-history.png", full_page=True)
