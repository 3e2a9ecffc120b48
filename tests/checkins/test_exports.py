"""Downloading check-ins: a training's roster and a unit's check-ins, scoped, in words, streamed flat."""
import tracemalloc
from datetime import datetime, timedelta

import pytest

from tests.checkins.bulk import add_people, add_trainings, check_everyone_in
from tests.conftest import ICT
from tests.core.export_reading import add_checkin, csv_rows, download, xlsx_rows
from tracker.checkins.models import CheckInSource
from tracker.checkins.queries import roster
from tracker.core.time import UTC

VI_HEADERS = ["Mã buổi tập huấn", "Buổi tập huấn", "Buổi tập huấn bắt đầu", "Mã thôn/buôn", "Thôn/buôn",
              "Mã người tham gia", "Người tham gia", "Quét lúc", "Ghi nhận lúc", "Nguồn", "Ngoại tuyến", "Đã hủy",
              "Hủy lúc", "Lý do hủy điểm danh"]


@pytest.fixture
def attendance(db, create_training, create_participant, tree):
    training = create_training()
    second = create_training(title="Thanh toán số", village=tree["village2"],
                             starts_at=datetime(2025, 8, 22, 8, tzinfo=ICT), ends_at=datetime(2025, 8, 22, 10, tzinfo=ICT))
    away = create_training(title="Ở phường khác", village=tree["other_village"])
    hoa, dao = create_participant("Nguyễn Thị Hoa"), create_participant("@Trần Văn Đào")
    at = datetime(2025, 8, 20, 1, 5, tzinfo=UTC)  # 08:05 in Vietnam
    rows = [
        add_checkin(db, training, hoa, scanned_at=at, recorded_at=at + timedelta(hours=3), is_offline=True,
                    source=CheckInSource.sync),
        add_checkin(db, training, dao, scanned_at=at + timedelta(minutes=2), recorded_at=at + timedelta(minutes=2),
                    source=CheckInSource.manual, voided_at=at + timedelta(minutes=10), void_reason="=Quét nhầm người"),
        add_checkin(db, second, hoa, scanned_at=datetime(2025, 8, 22, 1, 30, tzinfo=UTC)),
        add_checkin(db, away, create_participant("Người phường khác", village=tree["other_village"])),
    ]
    return {"training": training, "second": second, "away": away, "checkins": rows, "hoa": hoa, "dao": dao}


def _vi(client):
    with client.session_transaction() as session:
        session["lang"] = "vi"


def test_roster_csv_in_vietnamese_local_time_and_words(client, users, login, attendance):
    login(users["coordinator"])
    _vi(client)
    training = attendance["training"]
    response, data = download(client, f"/trainings/{training.id}/checkins.csv")
    assert response.status_code == 200 and response.was_streamed
    assert 'filename="luot-diem-danh-kich-hoat-vneid-2025-08-20.csv"' in response.headers["Content-Disposition"]
    rows = csv_rows(data)
    assert rows[0] == VI_HEADERS
    assert rows[1] == [str(training.id), "Kích hoạt VNeID", "2025-08-20 08:00", "6600101", "Buôn Ko Tam",
                       attendance["hoa"].code, "Nguyễn Thị Hoa", "2025-08-20 08:05", "2025-08-20 11:05", "gửi sau",
                       "có", "không", "", ""]
    assert rows[2][5:] == [attendance["dao"].code, "'@Trần Văn Đào", "2025-08-20 08:07", "2025-08-20 08:07",
                           "gõ mã", "không", "có", "2025-08-20 08:15", "'=Quét nhầm người"]
    assert len(rows) == 3


def test_roster_rows_are_the_training_pages(client, users, login, attendance):
    login(users["admin"])
    training = attendance["training"]
    rows = xlsx_rows(download(client, f"/trainings/{training.id}/checkins.xlsx")[1])
    listed = roster(training, include_voided=True)
    assert [row[5] for row in rows[1:]] == [checkin.participant.code for checkin in listed]
    assert rows[1][7] == datetime(2025, 8, 20, 8, 5) and rows[1][0] == training.id  # typed cells
    assert rows[1][9] == "sent later" and rows[2][11] == "yes" and rows[2][12] == datetime(2025, 8, 20, 8, 15)


def test_a_units_checkins_cover_its_trainings_in_scope(client, users, login, attendance, tree):
    login(users["coordinator"])
    rows = csv_rows(download(client, "/units/66001/checkins.csv")[1])
    assert [(row[1], row[6]) for row in rows[1:]] == [
        ("Kích hoạt VNeID", "Nguyễn Thị Hoa"), ("Kích hoạt VNeID", "'@Trần Văn Đào"), ("Thanh toán số", "Nguyễn Thị Hoa")]
    assert rows[3][9] == "scanned by camera"
    village = csv_rows(download(client, "/units/6600102/checkins.csv")[1])
    assert [row[1] for row in village[1:]] == ["Thanh toán số"]


def test_an_admin_downloads_the_whole_province(client, users, login, attendance):
    login(users["admin"])
    rows = csv_rows(download(client, "/units/66/checkins.csv")[1])
    assert [row[1] for row in rows[1:]] == ["Kích hoạt VNeID", "Kích hoạt VNeID", "Ở phường khác", "Thanh toán số"]


@pytest.mark.parametrize(("who", "url", "status"), [
    ("committee", "/trainings/{training}/checkins.csv", 403),
    ("commune_committee", "/units/66001/checkins.csv", 403),
    ("volunteer", "/trainings/{training}/checkins.csv", 200),
    ("volunteer", "/units/66001/checkins.csv", 403),
    ("coordinator", "/trainings/{away}/checkins.csv", 404),
    ("coordinator", "/trainings/999999/checkins.xlsx", 404),
    ("coordinator", "/units/66002/checkins.csv", 404),
    ("coordinator", "/units/66/checkins.xlsx", 404),
    ("coordinator", "/units/nope/checkins.csv", 404),
    ("coordinator", "/units/66001/checkins.csv?campaign_id=999", 404),
    ("coordinator", "/units/66001/checkins.csv?campaign_id=x", 422),
])
def test_refusals_and_roles(client, users, login, attendance, who, url, status):
    login(users[who])
    url = url.format(training=attendance["training"].id, away=attendance["away"].id)
    assert client.get(url).status_code == status


# Memory -------------------------------------------------------------------------------------

def _peak_of_download(client, url):
    """Download ``url`` under tracemalloc; return (peak bytes of Python memory, data rows read, bytes)."""
    tracemalloc.start()
    try:
        response = client.get(url)
        assert response.status_code == 200 and response.is_streamed
        lines = size = 0
        for chunk in response.response:  # read as a client would, never held whole
            lines, size = lines + chunk.count(b"\r\n"), size + len(chunk)
        response.close()
        return tracemalloc.get_traced_memory()[1], lines - 1, size
    finally:
        tracemalloc.stop()


def test_100k_checkins_stream_in_flat_memory(app, db, client, users, login, dummy_campaign, tree):
    add_people(tree["village"], 1000)
    small = add_trainings(dummy_campaign, tree["village"], 10)
    check_everyone_in(small)
    check_everyone_in(add_trainings(dummy_campaign, tree["village2"], 90, start=datetime(2025, 8, 5, 8, tzinfo=ICT)))
    db.session.commit()
    login(users["coordinator"])
    peak_10k, rows_10k, size_10k = _peak_of_download(client, "/units/6600101/checkins.csv")
    peak_100k, rows_100k, size_100k = _peak_of_download(client, "/units/66001/checkins.csv")
    assert (rows_10k, rows_100k) == (10_000, 100_000) and size_100k > 9 * size_10k
    print(f"\nexport peak Python memory: 10k rows {peak_10k / 2**20:.1f} MiB ({size_10k / 2**20:.1f} MiB sent), "
          f"100k rows {peak_100k / 2**20:.1f} MiB ({size_100k / 2**20:.1f} MiB sent)")
    assert peak_100k < 2 * peak_10k  # ten times the rows, not ten times the memory
    assert peak_100k < 16 * 2**20
