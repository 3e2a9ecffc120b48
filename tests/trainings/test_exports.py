"""Downloading the trainings list: the day list's trainings for the same filters, with their check-ins."""
from datetime import datetime

import pytest

from tests.conftest import ICT
from tests.core.export_reading import add_checkin, csv_rows, download, xlsx_rows
from tracker.core.time import utcnow
from tracker.trainings.models import TrainingStatus
from tracker.trainings.queries import page_trainings


@pytest.fixture
def trainings(create_training, create_participant, db, tree):
    morning = create_training(title="Kích hoạt VNeID", place="Nhà văn hóa buôn", trainer="Y Bhim", capacity=40)
    evening = create_training(title="=cmd|' /C calc'!A0", village=tree["village2"], topic="Thanh toán không tiền mặt",
                              starts_at=datetime(2025, 8, 20, 18, tzinfo=ICT), ends_at=datetime(2025, 8, 20, 20, tzinfo=ICT))
    cancelled = create_training(title="Hoãn vì mưa", status=TrainingStatus.cancelled, cancel_reason="Mưa lớn",
                                starts_at=datetime(2025, 8, 20, 14, tzinfo=ICT), ends_at=datetime(2025, 8, 20, 15, tzinfo=ICT))
    next_day = create_training(title="Hôm sau", starts_at=datetime(2025, 8, 21, 8, tzinfo=ICT),
                               ends_at=datetime(2025, 8, 21, 9, tzinfo=ICT))
    away = create_training(title="Ở phường khác", village=tree["other_village"])
    people = [create_participant(f"Người {n}") for n in range(3)]
    for person in people:
        add_checkin(db, morning, person)
    add_checkin(db, evening, people[0], voided_at=utcnow(), void_reason="Quét nhầm")
    return {"morning": morning, "evening": evening, "cancelled": cancelled, "next_day": next_day, "away": away}


def test_csv_lists_the_day_in_local_time_with_vietnamese_words(client, users, login, trainings):
    login(users["coordinator"])
    with client.session_transaction() as session:
        session["lang"] = "vi"
    response, data = download(client, "/trainings.csv?date=2025-08-20")
    assert response.status_code == 200 and response.was_streamed
    assert 'filename="tap-huan-xa-ea-kao-2025-08-20.csv"' in response.headers["Content-Disposition"]
    rows = csv_rows(data)
    assert rows[0] == ["Mã số", "Bắt đầu", "Kết thúc", "Tiêu đề", "Chủ đề", "Trạng thái", "Mã thôn/buôn", "Thôn/buôn",
                       "Mã xã/phường", "Xã/phường", "Địa điểm", "Người hướng dẫn", "Số chỗ", "Lượt điểm danh",
                       "Lý do hủy"]
    assert [row[3] for row in rows[1:]] == ["Kích hoạt VNeID", "Hoãn vì mưa", "'=cmd|' /C calc'!A0"]
    morning, cancelled, evening = rows[1:]
    assert morning == [str(trainings["morning"].id), "2025-08-20 08:00", "2025-08-20 10:00", "Kích hoạt VNeID", "VNeID",
                       "Đã lên lịch", "6600101", "Buôn Ko Tam", "66001", "Xã Ea Kao", "Nhà văn hóa buôn", "Y Bhim",
                       "40", "3", ""]
    assert cancelled[5] == "Đã hủy" and cancelled[13] == "0" and cancelled[14] == "Mưa lớn"
    assert evening[13] == "0"  # a voided check-in does not count


def test_rows_are_the_day_lists_for_the_same_filters(client, users, login, trainings, dummy_campaign, tree):
    login(users["admin"])
    cases = [("date=2025-08-20", {"day": datetime(2025, 8, 20).date()}),
             ("date=2025-08-20&status=cancelled", {"day": datetime(2025, 8, 20).date(), "status": TrainingStatus.cancelled}),
             ("date=2025-08-20&unit=6600102", {"day": datetime(2025, 8, 20).date(), "unit": tree["village2"]}),
             ("date=2025-08-20&unit=66002&status=", {"day": datetime(2025, 8, 20).date(), "unit": tree["other_commune"]}),
             ("date=2025-08-21", {"day": datetime(2025, 8, 21).date()})]
    for query, filters in cases:
        listed, _cursor = page_trainings(users["admin"], campaign=dummy_campaign, limit=500, **filters)
        exported = [int(row[0]) for row in csv_rows(download(client, f"/trainings.csv?{query}")[1])[1:]]
        assert exported == [training.id for training in listed], query
        page = client.get(f"/trainings?{query}").get_data(as_text=True)
        assert all(f"/trainings/{id_}\"" in page for id_ in exported), query
    every = csv_rows(download(client, "/trainings.csv?all_days=1")[1])[1:]
    assert len(every) == 5
    assert "2025-07-15-2025-10-25.csv" in download(client, "/trainings.csv?all_days=1")[0].headers["Content-Disposition"]


def test_xlsx_has_typed_cells(client, users, login, trainings):
    login(users["coordinator"])
    rows = xlsx_rows(download(client, "/trainings.xlsx?date=2025-08-20&unit=6600101&status=planned")[1])
    assert rows[0][:4] == ["Id", "Starts", "Ends", "Title"] and len(rows) == 2
    assert rows[1][0] == trainings["morning"].id
    assert rows[1][1:3] == [datetime(2025, 8, 20, 8, 0), datetime(2025, 8, 20, 10, 0)]
    assert rows[1][5] == "Planned" and rows[1][12:14] == [40, 3]


def test_the_default_day_is_today_as_on_the_list(client, users, login, trainings, open_training):
    login(users["coordinator"])
    titles = [row[3] for row in csv_rows(download(client, f"/trainings.csv?campaign_id={open_training.campaign_id}")[1])[1:]]
    assert titles == [open_training.title]


@pytest.mark.parametrize(("who", "url", "status"), [
    ("volunteer", "/trainings.csv?date=2025-08-20", 200),
    ("commune_committee", "/trainings.xlsx?date=2025-08-20", 200),
    ("coordinator", "/trainings.csv?date=2025-08-20&unit=66002", 404),
    ("coordinator", "/trainings.csv?date=2025-08-20&unit=6600201", 404),
    ("coordinator", "/trainings.csv?campaign_id=999", 404),
    ("coordinator", "/trainings.csv?date=20-08-2025", 422),
    ("coordinator", "/trainings.csv?status=done", 422),
    ("coordinator", "/trainings.csv?all_days=maybe", 422),
])
def test_refusals_and_roles(client, users, login, trainings, who, url, status):
    login(users[who])
    response = client.get(url)
    assert response.status_code == status
    if status == 200:
        rows = xlsx_rows(response.get_data()) if ".xlsx" in url else csv_rows(response.get_data())
        assert [row[3] for row in rows[1:]] == ["Kích hoạt VNeID", "Hoãn vì mưa", "'=cmd|' /C calc'!A0"]
