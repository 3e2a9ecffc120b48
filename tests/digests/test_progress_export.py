"""Downloading progress per unit: the digest's ranking for the same moment, from the same functions."""
from datetime import date

import pytest

from tests.core.export_reading import csv_rows, download, xlsx_rows
from tracker.core.time import today, utcnow
from tracker.digests.figures import build_payload, build_payload_at
from tracker.digests.progress_exports import progress_frame

HEADERS = ["Code", "Name", "Target", "Reached", "Reached (%)", "Rank", "Change since yesterday"]


def _ranking_rows(payload):
    return [[row["code"], row["name"], row["target"], row["reached"], row["percent"], row["rank"], row["rank_change"]]
            for row in payload["ranking"]]


def test_progress_on_a_day_is_the_next_days_digest(client, users, login, worked):
    login(users["committee"])
    rows = xlsx_rows(download(client, "/units/66/progress.xlsx?date=2025-07-19")[1])
    assert rows[0] == HEADERS
    payload = build_payload(worked.campaign, worked.units["province"], date(2025, 7, 20))
    assert rows[1:-1] == _ranking_rows(payload)
    # Worked by hand: 66002 has D (1 of 2), 66001 has A, B, C and G (4 of 10; E voided, F cancelled).
    assert rows[1:-1] == [["66002", "Phường Tân An", 2, 1, 50.0, 1, 0], ["66001", "Xã Ea Kao", 10, 4, 40.0, 2, 0]]
    assert rows[-1] == ["66", "Total: Tỉnh Đắk Lắk", 12, payload["reached"], payload["reached_percent"], None, None]
    assert payload["reached"] == 5 and payload["reached_percent"] == 41.7


def test_a_commune_ranks_its_villages(client, users, login, worked):
    login(users["coordinator"])
    rows = csv_rows(download(client, "/units/66001/progress.csv?date=2025-07-16")[1])
    payload = build_payload(worked.campaign, worked.units["commune"], date(2025, 7, 17))
    expected = [[str(value) if value is not None else "" for value in row] for row in _ranking_rows(payload)]
    assert rows[1:-1] == expected
    # By the end of the 16th: A and B in 6600101 (2 of 6), C in 6600102 (1 of 4).
    assert rows[1:3] == [["6600101", "Buôn Ko Tam", "6", "2", "33.3", "1", "0"],
                         ["6600102", "Thôn Điện Tân", "4", "1", "25.0", "2", "0"]]
    assert rows[-1] == ["66001", "Total: Xã Ea Kao", "10", "3", "30.0", "", ""]


def test_without_a_date_it_is_today_so_far(client, users, login, worked):
    login(users["admin"])
    day = today(worked.campaign.timezone).isoformat()
    response, data = download(client, "/units/66/progress.csv")
    assert data == download(client, f"/units/66/progress.csv?date={day}")[1]
    assert f'filename="progress-tinh-dak-lak-{day}.csv"' in response.headers["Content-Disposition"]
    assert csv_rows(data)[-1][3] == "5"  # everyone who counts: A, B, C, D and G


def test_without_a_date_it_is_the_dashboards_now(app, client, users, login, worked):
    login(users["committee"])
    rows = xlsx_rows(download(client, "/units/66/progress.xlsx")[1])
    payload = build_payload_at(worked.campaign, worked.units["province"], utcnow())
    assert rows[1:-1] == _ranking_rows(payload) and rows[-1][3:5] == [payload["reached"], payload["reached_percent"]]
    now = utcnow()
    assert progress_frame(worked.campaign, worked.units["commune"], now=now).as_of == now
    assert progress_frame(worked.campaign, worked.units["commune"], date(2025, 7, 19)).day == date(2025, 7, 20)


def test_vietnamese_headers(client, users, login, worked):
    login(users["commune_committee"])
    with client.session_transaction() as session:
        session["lang"] = "vi"
    rows = csv_rows(download(client, "/units/66001/progress.csv?date=2025-07-19")[1])
    assert rows[0] == ["Mã", "Tên", "Chỉ tiêu", "Đã tiếp cận", "Tỷ lệ đạt (%)", "Hạng", "Thay đổi so với hôm qua"]
    assert rows[-1][1] == "Tổng: Xã Ea Kao"


@pytest.mark.parametrize(("who", "url", "status"), [
    ("volunteer", "/units/66001/progress.csv", 403),
    ("coordinator", "/units/66002/progress.csv", 404),
    ("coordinator", "/units/66/progress.xlsx", 404),
    ("commune_committee", "/units/6600101/progress.csv", 200),
    ("coordinator", "/units/66001/progress.csv?date=2025-7-19", 422),
    ("coordinator", "/units/66001/progress.csv?campaign_id=999", 404),
])
def test_refusals_and_roles(client, users, login, worked, who, url, status):
    login(users[who])
    assert client.get(url).status_code == status
