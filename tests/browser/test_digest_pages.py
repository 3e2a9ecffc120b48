"""The digest pages in headless Chromium on a 360 × 800 phone: they fit the width, say the
countdown and the reach in Vietnamese, print on one A4 page, draw the burn-up chart, and the copy
button copies the chat text. The figures are the hand-worked campaign of tests/digests (compiled
for 18–20 July 2025: on the 20th, 5 days left; the province has reached 5 of 12, Xã Ea Kao 4 of 10),
with long names, addresses and errors added where a phone's width is tight."""
import io
import unicodedata
from datetime import UTC, date, datetime

import pytest
from pypdf import PdfReader

from tests.browser.conftest import VIEWPORT
from tests.browser.phone import assert_fits_the_phone
from tests.digests.worked_example import at
from tracker.digests.models import DigestEmail, DigestRecipient, EmailStatus
from tracker.digests.operations import compile_campaign
from tracker.geo.models import Unit, UnitLevel
from tracker.trainings.models import Training, TrainingStatus

DAY = date(2025, 7, 20)
LONG_VILLAGE = "Buôn Cư Ê Wi – Tổ dân phố Tân Thành Đông Bắc mở rộng"
LONG_TITLE = "Hướng dẫn dịch vụ công trực tuyến toàn trình và thanh toán không dùng tiền mặt cho người cao tuổi"
LONG_ADDRESS = "vanphong.banchidao.chuyendoiso.capxa@ubndxaeakao.daklak.gov.vn"
LONG_ERROR = ("550 5.1.1 <" + LONG_ADDRESS + ">: Recipient address rejected: User unknown in virtual mailbox "
              "table; see https://mail.daklak.gov.vn/help/rejected-recipients-and-what-to-do-about-them")
#: Who reads which digest: the province's committee member and Xã Ea Kao's coordinator.
READERS = {"committee": ("Tỉnh Đắk Lắk", "66", 5, 12), "coordinator": ("Xã Ea Kao", "66001", 4, 10)}

@pytest.fixture
def compiled(db, worked, users):
    """The worked campaign with a long-named village, training and e-mail, compiled for 18–20/7."""
    commune = worked.units["commune"]
    village = Unit(code="6600109", name=LONG_VILLAGE, level=UnitLevel.village, parent=commune,
                   path=commune.path + "6600109/", population=900)
    db.session.add(village)
    db.session.add(Training(campaign=worked.campaign, village=village, title=LONG_TITLE, topic="VNeID",
                            starts_at=at(21, 14), ends_at=at(21, 16), status=TrainingStatus.planned))
    users["committee"].email = "thanhvien.banchidao.tinhdaklak@daklak.gov.vn"
    users["coordinator"].email = "canbodieuphoi.chuyendoiso.xaeakao@daklak.gov.vn"
    for day in (18, 19, 20):
        digests = compile_campaign(worked.campaign, date(2025, 7, day))
    _failed_email(db, next(d for d in digests if d.unit_id == commune.id))
    db.session.commit()
    return worked


def _failed_email(db, digest):
    recipient = DigestRecipient(unit=digest.unit, email=LONG_ADDRESS, name="Văn phòng Ban chỉ đạo", language="vi")
    db.session.add(recipient)
    db.session.add(DigestEmail(digest=digest, recipient=recipient, email=LONG_ADDRESS, status=EmailStatus.failed,
                               attempts=6, next_attempt_at=None, last_error=LONG_ERROR,
                               created_at=datetime(2025, 7, 19, 23, 0, tzinfo=UTC)))


def digest_url(campaign, code):
    return f"/campaigns/{campaign.id}/digests/{DAY.isoformat()}?unit={code}"


def open_page(page, path):
    """Open ``path`` and return the visible text of its main part, NFC."""
    response = page.goto(path)
    assert response.ok, f"{path}: {response.status} {page.inner_text('main')[:300]}"
    return unicodedata.normalize("NFC", page.inner_text("main"))


def figure(number):
    """Write a whole number the Vietnamese way (1.234)."""
    return f"{number:,}".replace(",", ".")


@pytest.mark.parametrize("who", sorted(READERS))
def test_digest_and_history_fit_the_phone_and_say_the_countdown_and_reach(compiled, users, new_page, who):
    unit_name, code, reached, target = READERS[who]
    page = new_page(users[who])

    text = open_page(page, "/digests")  # the menu's entry lands on the newest digest of one's unit
    assert page.url.endswith(digest_url(compiled.campaign, code)), page.url
    assert_fits_the_phone(page)
    assert unit_name in text and "còn 5 ngày" in text and "Ngày 6/10" in text
    assert f"{figure(reached)}\n/ {figure(target)} người" in text
    assert LONG_VILLAGE in text

    text = open_page(page, f"/campaigns/{compiled.campaign.id}/digests?unit={code}")
    assert_fits_the_phone(page)
    rows = page.locator("table.digest-history tbody tr").all_inner_texts()
    assert len(rows) == 3, rows
    newest = unicodedata.normalize("NFC", rows[0])
    assert "20/7" in newest and "còn 5 ngày" in newest and f"{figure(reached)} / {figure(target)}" in newest
    assert "còn 7 ngày" in rows[2]


@pytest.mark.parametrize("who", sorted(READERS))
def test_the_subscription_page_fits_and_subscribes_one_at_a_long_address(compiled, users, new_page, who):
    page = new_page(users[who])
    address, unit_name = users[who].email, READERS[who][0]

    text = open_page(page, "/digests/subscription")
    assert_fits_the_phone(page)
    assert f"Bạn chưa nhận bản tin hằng ngày của {unit_name} qua thư điện tử" in text
    with page.expect_navigation():
        page.get_by_role("button", name="Đăng ký nhận bản tin").click()

    text = unicodedata.normalize("NFC", page.inner_text("main"))
    assert f"Bạn nhận bản tin hằng ngày của {unit_name} tại địa chỉ {address}." in text
    assert_fits_the_phone(page)


def test_the_admins_recipients_and_email_log_fit_the_phone(compiled, users, new_page):
    page = new_page(users["admin"])

    text = open_page(page, "/digests/recipients/66001")
    assert_fits_the_phone(page)
    assert LONG_ADDRESS in text and "Văn phòng Ban chỉ đạo" in text

    text = open_page(page, "/digests/emails")
    assert_fits_the_phone(page)
    assert LONG_ADDRESS in text and "Xã Ea Kao" in text and "Recipient address rejected" in text

    text = open_page(page, digest_url(compiled.campaign, "66001"))
    assert_fits_the_phone(page)
    assert "còn 5 ngày" in text and "Người nhận bản tin của Xã Ea Kao" in text


@pytest.mark.parametrize("who", sorted(READERS))
def test_the_digest_page_prints_on_one_a4_page_with_its_diacritics(compiled, users, new_page, who):
    unit_name, code, reached, target = READERS[who]
    page = new_page(users[who])
    open_page(page, digest_url(compiled.campaign, code))

    reader = PdfReader(io.BytesIO(page.pdf(format="A4", print_background=True)))

    assert len(reader.pages) == 1, f"the digest of {unit_name} prints on {len(reader.pages)} A4 pages"
    text = unicodedata.normalize("NFC", reader.pages[0].extract_text())
    assert unit_name in text and "còn 5 ngày" in text and "Số người đã tiếp cận" in text
    assert "Sao chép nội dung" not in text  # the tools are not printed


def test_the_copy_button_copies_the_chat_text(compiled, users, new_page):
    page = new_page(users["coordinator"])
    open_page(page, digest_url(compiled.campaign, "66001"))
    field = page.locator("#chat-text")
    chat_text = field.input_value()
    assert chat_text.startswith("📊 Bản tin Chiến dịch mười ngày – Xã Ea Kao – 20/07/2025"), chat_text
    page.evaluate("navigator.clipboard.writeText('')")

    button = page.get_by_role("button", name="Sao chép nội dung")
    assert button.is_visible()  # hidden until the script runs
    button.click()

    page.get_by_role("button", name="Đã sao chép").wait_for()
    assert page.evaluate("navigator.clipboard.readText()") == chat_text


@pytest.mark.parametrize("who", sorted(READERS))
def test_the_burnup_chart_is_drawn_with_its_three_series(compiled, users, new_page, who):
    page = new_page(users[who])
    open_page(page, digest_url(compiled.campaign, READERS[who][1]))

    chart = page.locator("svg.burnup")
    assert chart.is_visible()
    box = chart.bounding_box()
    assert 250 <= box["width"] <= VIEWPORT["width"] and box["height"] >= 100, box
    for series in ("reached", "target", "projection"):
        line = page.locator(f"svg.burnup polyline[data-series={series}]")
        assert line.count() == 1 and line.is_visible(), series
        drawn = line.bounding_box()
        assert drawn["width"] > 50, (series, drawn)
        assert len(line.get_attribute("points").split()) >= 2, series
    legend = page.locator("figure.chart figcaption").inner_text()
    assert "Đường thẳng đến mục tiêu" in legend and "Theo tốc độ 7 ngày qua" in legend


def test_pages_fit_without_javascript_too(compiled, users, new_page):
    page = new_page(users["coordinator"], java_script_enabled=False)
    text = open_page(page, digest_url(compiled.campaign, "66001"))

    assert_fits_the_phone(page)
    assert not page.get_by_role("button", name="Sao chép nội dung").is_visible()  # nothing to click
    assert "Chọn và sao chép nội dung" in text and page.locator("svg.burnup").is_visible()

