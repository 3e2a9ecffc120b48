"""Enrolment by QR in headless Chromium at 360 px: the coordinator's QR decodes to the link, a phone with no
account enrols through it and lands on the scanner, and a revocation refuses the phone's next page."""

import sqlalchemy as sa
import zxingcpp
from PIL import Image

from tests.browser.conftest import VIEWPORT, screenshot
from tracker.auth.models import User

NAME = "H'Nga Niê Kdăm"


def _fits(page):
    """Tell whether nothing sticks out sideways."""
    return page.evaluate("document.documentElement.scrollWidth") <= VIEWPORT["width"]


def _decode(png_path):
    return zxingcpp.read_barcode(Image.open(png_path)).text


def test_a_phone_enrols_by_the_coordinators_qr_and_is_refused_once_revoked(browser, live_server, new_page, db, users,
                                                                         open_training, tmp_path):
    coordinator = new_page(users["coordinator"])
    coordinator.goto("/enrolments")
    assert _fits(coordinator)
    coordinator.fill("input[name=access_days]", "3")
    with coordinator.expect_navigation():
        coordinator.click("form[action$='/enrolments'] button[type=submit]")
    link = coordinator.input_value("#enrol-link")
    assert link.startswith(f"{live_server.url}/enrol/")
    coordinator.wait_for_function("document.querySelector('main img').naturalWidth > 0")
    coordinator.locator("main img").screenshot(path=str(tmp_path / "qr.png"))
    assert _decode(tmp_path / "qr.png") == link
    assert _fits(coordinator) and coordinator.is_visible("button[data-copy=enrol-link]")
    screenshot(coordinator, "enrolment-qr.png", full_page=True)

    phone_context = browser.new_context(viewport=VIEWPORT, locale="vi-VN", base_url=live_server.url)
    phone_context.set_default_timeout(10_000)
    try:
        phone = phone_context.new_page()
        phone.goto(link)
        assert "Xã Ea Kao" in phone.inner_text("main") and "3 ngày" in phone.inner_text("main") and _fits(phone)
        phone.fill("input[name=full_name]", NAME)
        phone.check("input[name=accept]")
        screenshot(phone, "enrolment-phone.png", full_page=True)
        with phone.expect_navigation():
            phone.click("main form button[type=submit]")
        assert phone.url.endswith("/scan")
        training = phone.goto(f"/trainings/{open_training.id}")
        assert training.status == 200 and open_training.title in phone.inner_text("main")

        coordinator.reload()
        assert NAME in coordinator.inner_text("main")
        with coordinator.expect_navigation():
            coordinator.click("form[action*='/revoke'] button")
        assert "đã thu hồi" in coordinator.inner_text("main")

        refused = phone.goto("/scan")
        assert refused.status == 403 and "thu hồi quyền dùng máy quét" in phone.inner_text("main")
    finally:
        phone_context.close()
    db.session.expire_all()
    volunteer = db.session.scalar(sa.select(User).where(User.full_name == NAME))
    assert volunteer is not None and not volunteer.is_active


def test_a_revoked_phones_waiting_scan_is_handed_over_for_review_and_accepted(browser, live_server, new_page, db, users,
                                                                 open_training, create_participant):
    from tracker.checkins.models import CheckIn, HeldScan, HeldStatus

    person = create_participant("Y Bih Niê")
    coordinator = new_page(users["coordinator"])
    coordinator.goto("/enrolments")
    with coordinator.expect_navigation():
        coordinator.click("form[action$='/enrolments'] button[type=submit]")
    link = coordinator.input_value("#enrol-link")
    context = browser.new_context(viewport=VIEWPORT, locale="vi-VN", base_url=live_server.url)
    context.set_default_timeout(10_000)
    try:
        phone = context.new_page()
        phone.goto(link)
        phone.fill("input[name=full_name]", NAME)
        phone.check("input[name=accept]")
        with phone.expect_navigation():
            phone.click("main form button[type=submit]")
        phone.goto(f"/scan?training={open_training.id}")
        phone.wait_for_selector("body[data-roster=fresh]")
        context.set_offline(True)
        phone.fill("#manual-code", person.code)
        phone.press("#manual-code", "Enter")
        phone.wait_for_selector("#queue[data-waiting='1']")

        coordinator.reload()
        with coordinator.expect_navigation():
            coordinator.click("form[action*='/revoke'] button")
        context.set_offline(False)
        phone.evaluate("window.dispatchEvent(new Event('online'))")
        phone.locator("#queue", has_text="thu hồi").wait_for()
        # The scan leaves the phone's queue for the coordinator's review; it does not count yet.
        phone.locator("#queue", has_text="Đã chuyển 1 lượt quét cho điều phối viên xem xét").wait_for()
        assert phone.get_attribute("#queue", "data-waiting") == "0"
        db.session.expire_all()
        assert db.session.scalars(sa.select(CheckIn)).all() == []
        [held] = db.session.scalars(sa.select(HeldScan)).all()
        assert held.status == HeldStatus.held and held.payload["code"] == person.code
        # Opened again, the scanner says why, and that nothing more waits (the roster is forgotten too).
        assert phone.goto(f"/scan?training={open_training.id}").status == 403
        phone.locator("#handover", has_text="Không có lượt quét nào đang chờ").wait_for()
        assert phone.evaluate("""() => new Promise((done) => {
            const req = indexedDB.open("tracker-scanner");
            req.onsuccess = () => req.result.transaction("rosters").objectStore("rosters").count().onsuccess =
                (event) => done(event.target.result);
        })""") == 0

        coordinator.goto("/enrolments")
        with coordinator.expect_navigation():
            coordinator.click("a[href*='/held-scans?volunteer=']")
        coordinator.locator(".held-item", has_text="Y Bih Niê").wait_for()
        screenshot(coordinator, "held-scans.png", full_page=True)
        with coordinator.expect_navigation():
            coordinator.click(".held-item form[action$='/accept'] button")
        assert "Đã chấp nhận và tính 1 trên 1 lượt." in coordinator.inner_text("main")
        db.session.expire_all()
        [checkin] = db.session.scalars(sa.select(CheckIn)).all()
        assert checkin.participant_id == person.id and checkin.is_offline
    finally:
        context.close()
