"""The download buttons of the lists in headless Chromium at 360 px: they fit, they are big enough to
tap, and a tap saves the file the list shows."""
import csv
import io
from datetime import datetime

import pytest

from tests.browser.conftest import VIEWPORT, screenshot
from tests.conftest import ICT
from tests.core.export_reading import add_checkin

pytestmark = pytest.mark.usefixtures("browser")


@pytest.fixture
def listed(db, dummy_campaign, create_training, create_participant, tree):
    training = create_training(title="Kích hoạt định danh điện tử VNeID mức 2 cho bà con buôn Ko Tam")
    create_training(title="Thanh toán không dùng tiền mặt", village=tree["village2"],
                    starts_at=datetime(2025, 8, 20, 14, tzinfo=ICT), ends_at=datetime(2025, 8, 20, 16, tzinfo=ICT))
    for name in ("Nguyễn Thị Hoa", "H'Nga Niê Kdăm", "Y Bhim Êban"):
        add_checkin(db, training, create_participant(name))
    return training


def _downloads_fit(page):
    """Nothing sticks out sideways and each download button is at least 44 px tall."""
    assert page.evaluate("document.documentElement.scrollWidth") <= VIEWPORT["width"]
    heights = page.eval_on_selector_all(".downloads .button", "els => els.map(e => e.getBoundingClientRect().height)")
    assert heights and min(heights) >= 44, heights
    return heights


def _saved_rows(page, link):
    with page.expect_download(timeout=30_000) as info:  # the machine may be busy: the file still comes
        page.click(link)
    with open(info.value.path(), "rb") as file:
        data = file.read()
    assert data.startswith(b"\xef\xbb\xbf")
    return info.value.suggested_filename, list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def test_participants_list_downloads_what_it_shows(new_page, users, listed):
    page = new_page(users["coordinator"])
    page.goto("/participants?q=kdam")
    _downloads_fit(page)
    name, rows = _saved_rows(page, ".downloads a:text('CSV')")
    assert name.endswith(".csv") and name.startswith("Người tham gia")
    assert [row[1] for row in rows[1:]] == ["H'Nga Niê Kdăm"] and rows[0][1] == "Họ và tên"
    page.locator(".downloads").first.scroll_into_view_if_needed()
    screenshot(page, "downloads-participants.png")


def test_trainings_list_and_training_page_download(new_page, users, listed):
    page = new_page(users["coordinator"])
    page.goto("/trainings?date=2025-08-20&unit=6600101")
    assert len(_downloads_fit(page)) == 4  # this day, and the whole campaign
    _name, rows = _saved_rows(page, ".downloads >> nth=0 >> a:text('CSV')")
    assert [row[3] for row in rows[1:]] == [listed.title]
    page.goto(f"/trainings/{listed.id}")
    _downloads_fit(page)
    _name, rows = _saved_rows(page, ".downloads a:text('CSV')")
    assert sorted(row[6] for row in rows[1:]) == sorted(["Nguyễn Thị Hoa", "H'Nga Niê Kdăm", "Y Bhim Êban"])
    page.locator(".downloads").first.scroll_into_view_if_needed()
    screenshot(page, "downloads-roster.png")


def test_unit_page_downloads_progress_and_checkins(new_page, users, listed):
    page = new_page(users["coordinator"])
    page.goto("/units/66001")
    assert len(_downloads_fit(page)) == 4
    _name, rows = _saved_rows(page, ".downloads >> nth=0 >> a:text('CSV')")
    assert rows[0][:4] == ["Mã", "Tên", "Chỉ tiêu", "Đã tiếp cận"] and rows[-1][1] == "Tổng: Xã Ea Kao"
    _name, rows = _saved_rows(page, ".downloads >> nth=1 >> a:text('CSV')")
    assert len(rows) == 1 + 3
    screenshot(page, "downloads-unit.png", full_page=True)
