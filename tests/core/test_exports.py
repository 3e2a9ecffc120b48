"""The download plumbing every export shares: BOM-first CSV in chunks, safe cells, typed XLSX, streaming."""
import io
from datetime import date, datetime

import pytest
import sqlalchemy as sa
from flask import Flask
from openpyxl import load_workbook

from tests.core.export_reading import BOM, csv_rows
from tracker.core.exports import (
    CSV_TYPE,
    Sheet,
    ascii_name,
    csv_chunks,
    download_response,
    export_name,
    local_naive,
    neutralise,
    sheet_csv_chunks,
    sheet_response,
    stream_rows,
    xlsx_bytes,
    xlsx_chunks,
)
from tracker.core.time import UTC
from tracker.geo.models import Unit

SHEET_ROWS = [
    ["66001", "Xã Ea Kao", 1980, 41.5, date(2025, 8, 20), datetime(2025, 8, 20, 8, 15), None, True],
    ["=1+2", "+cmd|' /C calc'!A0", -3, 0.0, None, None, "@SUM(A1)", False],
    ["\t=x", "\r=y", 0, 1.25, None, None, "-Sử dụng AI", None],
]


@pytest.mark.parametrize(("value", "expected"), [
    ("=1+2", "'=1+2"), ("+1", "'+1"), ("-1", "'-1"), ("@A1", "'@A1"), ("\tx", "'\tx"), ("\rx", "'\rx"),
    ("Đắk Lắk", "Đắk Lắk"), ("a-b", "a-b"), (-1, -1), (2.5, 2.5), (None, None), ("x\x07y", "xy"),
])
def test_neutralise_quotes_what_a_spreadsheet_would_run(value, expected):
    assert neutralise(value) == expected


def test_csv_starts_with_the_bom_and_neutralises_every_text_cell():
    data = b"".join(csv_chunks([["Mã", "Tên"], *SHEET_ROWS]))
    assert data.startswith(BOM) and data.count(BOM) == 1 and b"\r\n" in data
    rows = csv_rows(data)
    assert rows[0] == ["Mã", "Tên"]
    assert rows[1] == ["66001", "Xã Ea Kao", "1980", "41.5", "2025-08-20", "2025-08-20 08:15", "", "True"]
    assert rows[2][:3] == ["'=1+2", "'+cmd|' /C calc'!A0", "-3"]  # a negative number stays a number
    assert rows[2][6] == "'@SUM(A1)" and rows[3][:2] == ["'\t=x", "'\r=y"] and rows[3][6] == "'-Sử dụng AI"


def test_csv_leaves_in_chunks_of_a_batch_of_rows():
    chunks = list(csv_chunks(([n, f"Người {n}"] for n in range(25)), batch=10))
    assert len(chunks) == 3 and chunks[0].startswith(BOM) and not chunks[1].startswith(BOM)
    assert len(csv_rows(b"".join(chunks))) == 25


def test_xlsx_has_bold_frozen_headers_typed_cells_and_safe_text():
    sheet = Sheet("Người: tham gia?", ["Mã", "Tên", "Năm", "Tỷ lệ", "Ngày", "Lúc", "Ghi chú", "Có"], SHEET_ROWS)
    workbook = load_workbook(io.BytesIO(xlsx_bytes([sheet])))
    assert workbook.sheetnames == ["Người- tham gia-"]
    ws = workbook.active
    assert [cell.value for cell in ws[1]][:2] == ["Mã", "Tên"] and all(cell.font.bold for cell in ws[1])
    assert ws.freeze_panes == "A2"
    assert ws["A2"].value == "66001" and ws["A2"].data_type == "s"  # codes stay text
    assert ws["C2"].value == 1980 and ws["D2"].value == 41.5 and ws["D2"].number_format == "0.0#"
    assert ws["E2"].value == datetime(2025, 8, 20) and ws["E2"].number_format == "dd/mm/yyyy"
    assert ws["F2"].value == datetime(2025, 8, 20, 8, 15) and ws["F2"].number_format == "dd/mm/yyyy hh:mm"
    assert ws["H2"].value is True and ws["G2"].value is None
    assert [ws["A3"].value, ws["B3"].value, ws["C3"].value, ws["G3"].value] == [
        "'=1+2", "'+cmd|' /C calc'!A0", -3, "'@SUM(A1)"]
    assert ws["A3"].data_type == "s"  # never a formula cell


def test_xlsx_is_written_to_a_file_and_sent_in_chunks():
    rows = ([n, f"Thôn {n}", date(2025, 7, 15)] for n in range(3000))
    chunks = list(xlsx_chunks([Sheet("Rows", ["n", "Tên", "Ngày"], rows)], chunk=4096))
    assert len(chunks) > 2 and all(len(chunk) <= 4096 for chunk in chunks)
    ws = load_workbook(io.BytesIO(b"".join(chunks))).active
    assert ws.max_row == 3001 and ws["B3001"].value == "Thôn 2999"


def test_a_table_longer_than_excel_allows_goes_on_in_more_sheets():
    rows = ([n] for n in range(5))
    workbook = load_workbook(io.BytesIO(b"".join(xlsx_chunks([Sheet("Lượt điểm danh", ["n"], rows)], max_rows=3))))
    assert workbook.sheetnames == ["Lượt điểm danh", "Lượt điểm danh (2)", "Lượt điểm danh (3)"]
    assert [[cell.value for cell in column] for ws in workbook for column in ws.iter_cols()] == [
        ["n", 0, 1], ["n", 2, 3], ["n", 4]]
    assert all(ws["A1"].font.bold and ws.freeze_panes == "A2" for ws in workbook)


def test_local_naive_is_the_campaign_wall_clock():
    assert local_naive(datetime(2025, 8, 19, 17, 0, 30, 5, tzinfo=UTC), "Asia/Ho_Chi_Minh") == datetime(2025, 8, 20, 0, 0, 30)
    assert local_naive(None, "Asia/Ho_Chi_Minh") is None


def test_names_of_downloads():
    assert export_name("Người tham gia", "Xã Ea Kao", date(2025, 8, 20)) == "Người tham gia Xã Ea Kao 2025-08-20"
    assert ascii_name("Người tham gia Xã Ea Kao 2025-08-20.csv") == "nguoi-tham-gia-xa-ea-kao-2025-08-20.csv"
    assert ascii_name("Điểm danh Đắk Lắk.xlsx") == "diem-danh-dak-lak.xlsx"


def test_a_generator_is_streamed_with_both_file_names():
    app = Flask(__name__)
    with app.test_request_context():
        response = download_response((chunk for chunk in [b"a", b"b"]), CSV_TYPE, "Điểm danh.csv")
        assert response.is_streamed
        assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
        assert response.headers["Content-Disposition"] == (
            "attachment; filename=\"diem-danh.csv\"; filename*=UTF-8''%C4%90i%E1%BB%83m%20danh.csv")
        assert response.headers["Cache-Control"] == "private, max-age=0"
        assert b"".join(response.response) == b"ab"
        assert not download_response(b"x", CSV_TYPE, "x.csv").is_streamed


def test_a_sheet_response_reads_its_rows_only_while_streaming():
    app, read = Flask(__name__), []

    def rows():
        read.append("started")
        yield ["1", "Buôn Ko Tam"]

    with app.test_request_context():
        response = sheet_response(Sheet("Units", ["Mã", "Tên"], rows()), "csv", "Đơn vị")
        assert read == [] and response.headers["Content-Disposition"].startswith('attachment; filename="don-vi.csv"')
        assert csv_rows(b"".join(response.response)) == [["Mã", "Tên"], ["1", "Buôn Ko Tam"]] and read == ["started"]
        xlsx = sheet_response(Sheet("Units", ["Mã"], iter([["1"]])), "xlsx", "Đơn vị")
        assert xlsx.mimetype.endswith("spreadsheetml.sheet") and b"".join(xlsx.response).startswith(b"PK")


def test_stream_rows_reads_in_batches_and_the_session_stays_usable(app, db, tree):
    stmt = sa.select(Unit.code).order_by(Unit.code)
    codes = []
    for (code,) in stream_rows(stmt, batch=2):
        codes.append(code)
        # Another query on the same session in the middle of the stream.
        assert db.session.scalar(sa.select(sa.func.count(Unit.id))) == 6
    assert codes == sorted(unit.code for unit in tree.values())
    assert list(sheet_csv_chunks(Sheet("t", ["a"], [])))[0] == BOM + b"a\r\n"
