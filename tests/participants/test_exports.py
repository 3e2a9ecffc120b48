"""Downloading the participants list: the same people as the list, in Vietnamese, safe for Excel."""
from datetime import UTC, datetime

import pytest

from tests.core.export_reading import csv_rows, download, xlsx_rows, xlsx_sheet
from tracker.core.time import local
from tracker.participants.models import Gender
from tracker.participants.queries import search_participants

INJECTED = '=HYPERLINK("http://evil.example","Bấm")'
VI_HEADERS = ["Mã", "Họ và tên", "Năm sinh", "Giới tính", "Dân tộc", "Mã thôn/buôn", "Thôn/buôn", "Mã xã/phường",
              "Xã/phường", "Điện thoại", "Đăng ký lúc", "Đã in thẻ"]


@pytest.fixture
def people(create_participant, tree):
    printed = datetime(2025, 8, 1, 3, 0, tzinfo=UTC)
    return {
        "hoa": create_participant("Nguyễn Thị Hoa", phone="0912345678", card_printed_at=printed,
                                  created_at=datetime(2025, 8, 19, 17, 30, tzinfo=UTC)),
        "dao": create_participant("Nguyễn Thị Đào", village=tree["village2"], gender=Gender.male, ethnicity="Kinh"),
        "evil": create_participant(INJECTED, birth_year=1990),
        "away": create_participant("Nguyễn Thị Xa", village=tree["other_village"]),
    }


def _vi(client):
    with client.session_transaction() as session:
        session["lang"] = "vi"


def test_csv_is_utf8_with_bom_vietnamese_headers_and_words(client, users, login, people):
    login(users["coordinator"])
    _vi(client)
    response, data = download(client, "/participants.csv")
    assert response.status_code == 200 and response.was_streamed
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="nguoi-tham-gia-xa-ea-kao-')
    assert "filename*=UTF-8''Ng%C6%B0%E1%BB%9Di%20tham%20gia%20X%C3%A3%20Ea%20Kao%20" in disposition
    rows = csv_rows(data)
    assert rows[0] == VI_HEADERS
    by_name = {row[1]: row for row in rows[1:]}
    hoa = by_name["Nguyễn Thị Hoa"]
    assert hoa == [people["hoa"].code, "Nguyễn Thị Hoa", "1980", "Nữ", "Ê Đê", "6600101", "Buôn Ko Tam", "66001",
                   "Xã Ea Kao", "0912345678", "2025-08-20 00:30", "có"]
    assert by_name["Nguyễn Thị Đào"][3:9] == ["Nam", "Kinh", "6600102", "Thôn Điện Tân", "66001", "Xã Ea Kao"]
    assert by_name["Nguyễn Thị Đào"][11] == "không"
    assert "'" + INJECTED in by_name  # a name that is a formula is shown, not run
    assert "Nguyễn Thị Xa" not in by_name  # lives outside the coordinator's commune


def test_rows_are_the_lists_for_the_same_filters(client, users, login, people, tree):
    login(users["admin"])
    for query, filters in [("", {}), ("?q=nguyen+thi", {"q": "nguyen thi"}),
                           ("?q=%C4%91ao", {"q": "đao"}), ("?village=66001", {"village": tree["commune"]}),
                           ("?q=nguyen&village=6600201", {"q": "nguyen", "village": tree["other_village"]})]:
        listed, _cursor = search_participants(users["admin"], limit=500, **filters)
        exported = [row[0] for row in csv_rows(download(client, "/participants.csv" + query)[1])[1:]]
        assert exported == [person.code for person in listed], query
    assert len(csv_rows(download(client, "/participants.csv")[1])) == 1 + 4


def test_xlsx_has_typed_cells(client, users, login, people):
    login(users["coordinator"])
    response, data = download(client, "/participants.xlsx?q=hoa")
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    rows = xlsx_rows(data)
    assert rows[0][:3] == ["Code", "Full name", "Birth year"] and len(rows) == 2
    code, name, year, gender, *_middle, phone, registered, card = rows[1]
    assert (code, name, year, gender, phone, card) == (people["hoa"].code, "Nguyễn Thị Hoa", 1980, "Female",
                                                       "0912345678", "yes")
    assert registered == local(people["hoa"].created_at, "Asia/Ho_Chi_Minh").replace(tzinfo=None)
    sheet = xlsx_sheet(download(client, "/participants.xlsx")[1])
    names = [cell.value for cell in sheet["B"][1:]]
    assert "'" + INJECTED in names and sheet["A2"].data_type == "s"


@pytest.mark.parametrize(("who", "url", "status"), [
    ("committee", "/participants.csv", 403),
    ("commune_committee", "/participants.xlsx", 403),
    ("volunteer", "/participants.csv", 403),
    ("coordinator", "/participants.csv?village=6600201", 404),
    ("coordinator", "/participants.xlsx?village=66002", 404),
    ("coordinator", "/participants.csv?village=nope", 422),
    ("coordinator", "/participants.pdf", 404),
])
def test_refusals(client, users, login, people, who, url, status):
    login(users[who])
    assert client.get(url).status_code == status


def test_signed_out_visitors_are_sent_to_log_in(client, people):
    assert client.get("/participants.csv").status_code == 302
