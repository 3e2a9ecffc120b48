"""Importing participants from CSV and XLSX sheets: all or nothing, duplicates skipped and reported."""
import io

import pytest
import sqlalchemy as sa
from openpyxl import Workbook

from tracker.events.models import Event
from tracker.participants.models import Gender, Participant
from tracker.participants.operations import import_participants
from tracker.participants.sheets import XLSX_TYPE, read_csv

VI_HEADER = "Họ và tên,Năm sinh,Giới tính (Nam/Nữ/Khác),Dân tộc,Mã thôn,Số điện thoại,Đồng ý (có/x/1)\n"
EN_HEADER = "full_name,birth_year,gender,ethnicity,village_code,phone,consent\n"


def _count(db):
    return db.session.scalar(sa.select(sa.func.count(Participant.id)))


def _post_csv(api, text, bom=True):
    body = ("\ufeff" if bom else "") + text
    return api.post("/api/v1/participants/import", data=body.encode(), content_type="text/csv; charset=utf-8")


def _xlsx(rows):
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_csv_with_bom_and_vietnamese_headers(users, api_as, db, count_events):
    text = VI_HEADER + ("Nguyễn Thị Hoa,1980,Nữ,Ê Đê,6600101,0912 345 678,có\n"
                        "Y Bhim Niê,1975,Nam,ê đê,6600102,,x\n"
                        "\n"
                        "Trần Văn Đào,2000,Khác,Kinh,6600101,+84 987 654 321,1\n")
    response = _post_csv(api_as(users["coordinator"]), text)
    assert response.status_code == 200, response.json
    assert response.json == {"created": 3, "skipped": []}
    people = {p.full_name: p for p in db.session.scalars(sa.select(Participant))}
    assert set(people) == {"Nguyễn Thị Hoa", "Y Bhim Niê", "Trần Văn Đào"}
    hoa, bhim, dao = people["Nguyễn Thị Hoa"], people["Y Bhim Niê"], people["Trần Văn Đào"]
    assert (hoa.gender, hoa.phone, hoa.village.code, hoa.consent) == (Gender.female, "0912345678", "6600101", True)
    assert (bhim.gender, bhim.ethnicity, bhim.phone) == (Gender.male, "Ê Đê", None)
    assert (dao.gender, dao.phone, dao.search_name) == (Gender.other, "0987654321", "tran van dao")
    assert len({p.code for p in people.values()}) == 3 and all(p.consent_at for p in people.values())
    assert count_events("participant.registered") == 3
    event = db.session.scalars(sa.select(Event)).first()
    assert set(event.payload) == {"code", "village", "possible_duplicates", "imported"}


def test_english_headers_in_any_order_without_bom(users, api_as, db):
    text = "consent,village_code,full_name,gender,birth_year,ethnicity\nyes,6600101,H'Hen Niê,female,1990,Ê Đê\n"
    response = _post_csv(api_as(users["coordinator"]), text, bom=False)
    assert response.json == {"created": 1, "skipped": []}
    assert db.session.scalar(sa.select(Participant.full_name)) == "H'Hen Niê"


def test_xlsx_with_a_title_row_and_numbers_as_excel_stores_them(users, api_as, db):
    data = _xlsx([
        ["DANH SÁCH NGƯỜI DÂN THAM GIA BÌNH DÂN HỌC VỤ SỐ"],
        [],
        ["STT", "Họ và tên", "Năm sinh", "Giới tính (Nam/Nữ/Khác)", "Dân tộc", "Mã thôn", "Số điện thoại", "Đồng ý"],
        [1, "Nguyễn Thị Hoa", 1980, "Nữ", "Ê Đê", "6600101", 912345678, "x"],
        [2, "Y Bhim Niê", 1975.0, "Nam", "Ê Đê", 6600102, None, 1],
    ])
    response = api_as(users["coordinator"]).post("/api/v1/participants/import", data=data, content_type=XLSX_TYPE)
    assert response.status_code == 200, response.json
    assert response.json == {"created": 2, "skipped": []}
    stored = {p.full_name: (p.birth_year, p.phone, p.village.code) for p in db.session.scalars(sa.select(Participant))}
    assert stored == {"Nguyễn Thị Hoa": (1980, "0912345678", "6600101"), "Y Bhim Niê": (1975, None, "6600102")}


def test_xlsx_errors_carry_excel_row_numbers(users, api_as, db):
    data = _xlsx([["Tiêu đề"], EN_HEADER.strip().split(","), ["Hoa", 1980, "female", "Kinh", "6600101", None, "có"],
                  ["Lan", 1880, "female", "Kinh", "6600101", None, "có"]])
    response = api_as(users["coordinator"]).post("/api/v1/participants/import", data=data, content_type=XLSX_TYPE)
    assert response.status_code == 422
    assert list(response.json["error"]["fields"]) == ["line 4"] and "birth_year" in response.json["error"]["fields"]["line 4"]
    assert _count(db) == 0


def test_duplicates_of_stored_people_and_of_earlier_rows_are_skipped_and_reported(users, api_as, db,
                                                                                   dummy_participant):
    text = VI_HEADER + ("NGUYEN THI HOA,1980,Nữ,Ê Đê,6600101,,có\n"
                        "Y Bhim Niê,1975,Nam,Ê Đê,6600101,,có\n"
                        "Y BHIM NIÊ,1975,Nam,Ê Đê,6600101,,có\n"
                        "Nguyễn Thị Hoa,1981,Nữ,Ê Đê,6600101,,có\n")
    response = _post_csv(api_as(users["coordinator"]), text)
    assert response.status_code == 200, response.json
    assert response.json["created"] == 2
    assert response.json["skipped"] == [
        {"line": 2, "full_name": "NGUYEN THI HOA", "birth_year": 1980, "village": "6600101", "duplicate_of_line": None,
         "duplicate_of": {"id": dummy_participant.id, "code": dummy_participant.code, "full_name": "Nguyễn Thị Hoa",
                          "birth_year": 1980, "village": "6600101"}},
        {"line": 4, "full_name": "Y BHIM NIÊ", "birth_year": 1975, "village": "6600101", "duplicate_of_line": 3,
         "duplicate_of": None},
    ]
    assert _count(db) == 3
    assert db.session.get(Participant, dummy_participant.id).full_name == "Nguyễn Thị Hoa"


@pytest.mark.parametrize(("row", "field", "message_part"), [
    ("Hoa,1980,Nữ,Kinh,6600101,,không", "consent", "must agree"),
    ("Hoa,1980,Nữ,Kinh,6600101,,", "consent", "must agree"),
    ("Hoa,1980,Nữ,Kinh,6600101,,maybe", "consent", "boolean"),
    ("Hoa,2030,Nữ,Kinh,6600101,,có", "birth_year", "between 1900"),
    ("Hoa,năm 80,Nữ,Kinh,6600101,,có", "birth_year", "integer"),
    ("Hoa,1980,Bà,Kinh,6600101,,có", "gender", "Must be one of"),
    (",1980,Nữ,Kinh,6600101,,có", "full_name", "Missing data"),
    ("Hoa,1980,Nữ,Kinh,6600101,123,có", "phone", "Vietnamese phone number"),
    ("Hoa,1980,Nữ,Kinh,9999999,,có", "village", "Unknown village code in your area"),
    ("Hoa,1980,Nữ,Kinh,6600201,,có", "village", "Unknown village code in your area"),
    ("Hoa,1980,Nữ,Kinh,66001,,có", "village", "not a village"),
])
def test_one_bad_row_imports_nothing_and_names_its_line(users, api_as, db, count_events, row, field, message_part):
    text = VI_HEADER + "Y Bhim Niê,1975,Nam,Ê Đê,6600101,,có\n" + row + "\n"
    response = _post_csv(api_as(users["coordinator"]), text)
    assert response.status_code == 422, response.json
    error = response.json["error"]
    assert error["message"] == "Some rows are not valid; nothing was imported."
    assert list(error["fields"]) == ["line 3"]
    assert message_part in " ".join(error["fields"]["line 3"][field])
    assert _count(db) == 0 and count_events() == 0


@pytest.mark.parametrize(("body", "content_type", "status", "code"), [
    (b"full_name,birth_year\nHoa,1980\n", "text/csv", 422, "validation_error"),
    (b"", "text/csv", 422, "validation_error"),
    ("Họ và tên,Năm sinh\n".encode("cp1258", errors="replace"), "text/csv", 422, "validation_error"),
    (b"\xff\xfe\x00garbage", "text/csv", 422, "validation_error"),
    (b"PK\x03\x04 not really a workbook", XLSX_TYPE, 422, "validation_error"),
    (b"plain text", XLSX_TYPE, 422, "validation_error"),
    (b'{"full_name": "Hoa"}', "application/json", 415, "unsupported_media_type"),
])
def test_unreadable_files_are_refused_with_json(users, api_as, db, body, content_type, status, code):
    response = api_as(users["coordinator"]).post("/api/v1/participants/import", data=body, content_type=content_type)
    assert response.status_code == status, response.json
    assert response.json["error"]["code"] == code and response.json["error"]["message"]
    assert _count(db) == 0


def test_a_header_missing_columns_says_which(users, api_as):
    response = _post_csv(api_as(users["coordinator"]), "Họ và tên,Năm sinh,Giới tính\nHoa,1980,Nữ\n")
    assert response.status_code == 422
    assert response.json["error"]["fields"] == {"header": ["Missing columns: ethnicity, village_code, consent."]}


def test_too_many_rows_answer_413_and_store_nothing(users, api_as, db, monkeypatch):
    monkeypatch.setattr("tracker.participants.sheets.MAX_ROWS", 3)
    rows = "".join(f"Người {n},1980,Nam,Kinh,6600101,,có\n" for n in range(4))
    response = _post_csv(api_as(users["coordinator"]), VI_HEADER + rows)
    assert response.status_code == 413 and response.json["error"]["code"] == "payload_too_large"
    assert "At most 3 people" in response.json["error"]["message"] and _count(db) == 0
    assert _post_csv(api_as(users["coordinator"]), VI_HEADER + rows[: rows.index("Người 3")]).status_code == 200


@pytest.mark.parametrize(("role", "status"), [("volunteer", 403), ("committee", 403)])
def test_only_registrars_import(users, api_as, db, role, status):
    response = _post_csv(api_as(users[role]), VI_HEADER + "Hoa,1980,Nữ,Kinh,6600101,,có\n")
    assert response.status_code == status and _count(db) == 0


def test_the_operation_takes_numbered_rows(users, db, tree):
    rows = read_csv(EN_HEADER + "Hoa,1980,female,Kinh,6600101,,1\n")
    assert rows == [(2, {"full_name": "Hoa", "birth_year": "1980", "gender": "female", "ethnicity": "Kinh",
                         "village": "6600101", "phone": "", "consent": "1"})]
    result = import_participants(rows, user=users["coordinator"])
    assert result == {"created": 1, "skipped": []}
    assert db.session.scalar(sa.select(Participant.registered_by_id)) == users["coordinator"].id


def test_the_blank_sheet_opens_in_excel_and_imports_once_filled(client, db, users, login, tree):
    login(users["coordinator"])
    response = client.get("/participants/import/template.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    data = response.get_data()
    assert data.startswith(b"\xef\xbb\xbf")
    assert data.decode("utf-8-sig").splitlines()[0] == (
        "Họ và tên,Năm sinh,Giới tính (Nam/Nữ/Khác),Dân tộc,Mã thôn,Số điện thoại,Đồng ý (có/x/1)")
    filled = data + "Nguyễn Thị Hoa,1980,Nữ,Kinh,6600101,0912345678,có\r\n".encode()
    page = client.post("/participants/import", data={"file": (io.BytesIO(filled), "danh-sach.csv")},
                       content_type="multipart/form-data")
    assert page.status_code == 200
    person = db.session.scalar(sa.select(Participant))
    assert (person.full_name, person.birth_year, person.gender.value, person.phone) == (
        "Nguyễn Thị Hoa", 1980, "female", "0912345678")


def test_volunteers_get_no_blank_sheet(client, users, login):
    login(users["volunteer"])
    assert client.get("/participants/import/template.csv").status_code == 403
