"""Accounts in headless Chromium at 360 px: edit a volunteer, reset their password, the link once, a new password."""
from tests.browser.conftest import VIEWPORT, screenshot, sign_in
from tests.browser.phone import assert_fits_the_phone
from tracker.auth.models import User

NEW_PASSWORD = "mat-khau-moi-2025"


def fits(page):
    """Nothing sticks out sideways; every button, field and link of the page is a finger high."""
    assert_fits_the_phone(page)


def test_a_coordinator_edits_a_volunteer_and_resets_their_password_on_a_phone(db, users, new_page, browser,
                                                                               live_server):
    volunteer = users["volunteer"]
    volunteer.full_name = "Nguyễn Thị Hoa Ban Mê Thuột Đắk Lắk"
    db.session.commit()
    page = new_page(users["coordinator"])
    page.goto("/users")
    with page.expect_navigation():
        page.click(f"a[href='/users/{volunteer.id}']")
    assert "Tạo liên kết đặt lại mật khẩu" in page.inner_text("main")
    fits(page)
    screenshot(page, "account-edit.png", full_page=True)
    page.fill("input[name=email]", "hoa@example.vn")
    with page.expect_navigation():
        page.click("main form button:has-text('Lưu')")
    assert "Đã lưu tài khoản vol-66001." in page.inner_text("main")

    page.goto(f"/users/{volunteer.id}")
    with page.expect_navigation():
        page.click("text=Tạo liên kết đặt lại mật khẩu")
    link = page.input_value("#reset-link")
    assert "/reset/" in link and "chỉ hiện một lần" in page.inner_text("main")
    fits(page)
    screenshot(page, "account-reset-link.png", full_page=True)

    phone = browser.new_context(viewport=VIEWPORT, locale="vi-VN", base_url=live_server.url)
    try:
        own = phone.new_page()
        own.goto(link)
        assert "Chọn mật khẩu mới" in own.inner_text("main")
        fits(own)
        screenshot(own, "account-reset.png", full_page=True)
        own.fill("input[name=new_password]", NEW_PASSWORD)
        own.fill("input[name=new_password_confirm]", NEW_PASSWORD)
        with own.expect_navigation():
            own.click("main form button[type=submit]")
        assert "/login" in own.url and "Đã đặt mật khẩu mới" in own.inner_text("main")
        sign_in(own, volunteer.username, NEW_PASSWORD)
        response = own.goto(link)
        assert response.status == 410 and "không còn dùng được" in own.inner_text("main")
        fits(own)
        screenshot(own, "account-reset-used.png", full_page=True)
    finally:
        phone.close()
    db.session.expire_all()
    assert db.session.get(User, volunteer.id).email == "hoa@example.vn"


def test_a_user_who_must_change_their_password_lands_on_the_change_page(db, users, browser, live_server):
    users["coordinator"].must_change_password = True
    db.session.commit()
    context = browser.new_context(viewport=VIEWPORT, locale="vi-VN", base_url=live_server.url)
    try:
        page = context.new_page()
        sign_in(page, users["coordinator"].username)
        assert page.url.endswith("/account/password") and "Bạn phải chọn mật khẩu mới" in page.inner_text("main")
        fits(page)
        screenshot(page, "account-password.png", full_page=True)
        page.goto("/trainings")
        assert page.url.endswith("/account/password")
    finally:
        context.close()
