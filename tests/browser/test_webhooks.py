"""The admins' webhook pages in headless Chromium at 360 px: subscribe, the secret once, deliveries."""
from tests.browser.conftest import screenshot
from tests.browser.phone import assert_fits_the_phone
from tests.events.webhook_receiver import Receiver
from tracker.events import operations as events
from tracker.events.webhooks import jobs

LONG_URL = "https://cong-thong-tin.daklak.gov.vn/api/tich-hop/100-ngay-cao-diem/webhooks/nhan-su-kien?nguon=tracker"


def fits(page):
    """Nothing sticks out sideways and every tap target is a finger high (tests/browser/phone.py)."""
    assert page.locator("main button, main .button").count()
    assert_fits_the_phone(page)


def test_subscribing_and_following_the_deliveries_on_a_phone(db, users, new_page, dummy_training):
    receiver = Receiver()
    try:
        page = new_page(users["admin"])
        page.goto("/webhooks")
        assert page.locator("nav a[href='/webhooks']").inner_text() == "Webhook"
        page.fill("input[name=url]", receiver.url + "/hook?nguon=tracker-100-ngay-cao-diem-tinh-dak-lak")
        page.check("input[value='training.scheduled']")
        with page.expect_navigation():
            page.click("main form button[type=submit]")
        secret = page.input_value("#secret")
        assert secret.startswith("whsec_") and "chỉ hiện một lần" in page.inner_text("main")
        fits(page)
        screenshot(page, "webhook-created.png", full_page=True)
        with page.expect_navigation():
            page.click("text=Tôi đã sao chép")
        assert secret not in page.content()

        receiver.status = lambda request: 500 if len(receiver.requests) <= 1 else 200
        for number in range(3):
            events.record("checkin.recorded", dummy_training, {"number": number}, user=users["coordinator"],
                          unit=dummy_training.village)
            db.session.commit()
        jobs.deliver_due()
        page.reload()
        text = page.inner_text("main")
        assert "HTTP 500" in text and "Gửi lại lúc" in text
        fits(page)
        with page.expect_navigation():
            page.click("main .deliveries button:has-text('Gửi lại')")
        db.session.rollback()
        jobs.deliver_due()
        page.reload()
        assert page.locator(".deliveries .badge.held").count() >= 1
        fits(page)
        screenshot(page, "webhook-deliveries.png", full_page=True)
    finally:
        receiver.close()


def test_the_list_fits_a_phone_with_long_urls(db, users, new_page):
    from tracker.events.webhooks.operations import disable, subscribe
    subscribe({"url": LONG_URL, "events": ["checkin.recorded", "training.scheduled", "training.held"]},
              user=users["admin"])
    gone = subscribe({"url": "https://bot.example.vn/zalo", "events": ["digest.compiled"]}, user=users["admin"])
    disable(gone, user=users["admin"])
    db.session.commit()
    page = new_page(users["admin"])
    page.goto("/webhooks")
    assert LONG_URL in page.inner_text("main")
    fits(page)
    screenshot(page, "webhooks.png", full_page=True)
