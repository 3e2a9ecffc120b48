import csv
import io
from datetime import date, datetime

import pytest
from flask_babel import force_locale
from openpyxl import load_workbook

from tests.digests.export_samples import INJECTED_NAME, store_digest
from tracker.digests.exports import ascii_name, digest_csv, digest_xlsx, neutralise, sheet_title


@pytest.fixture
def digest(db, dummy_campaign, tree):
    return store_digest(db, dummy_campaign, tree["province"])


def _csv_rows(data):
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def _block(rows, title):
    """The rows of one CSV section: from its header to the blank line after it."""
    start = rows.index([title]) + 1
    end = next((index for index in range(start, len(rows)) if rows[index] == []), len(rows))
    return rows[start:end]


@pytest.mark.parametrize(("value", "expected"), [
    ("=1+2", "'=1+2"), ("+cmd", "'+cmd"), ("-2+3", "'-2+3"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\t=1", "'\t=1"), ("\r=1", "'\r=1"), ("Xã Ea Kao", "Xã Ea Kao"), ("a=b", "a=b"), ("", ""),
    (-1, -1), (41.1, 41.1), (None, None), ("Buôn\x01 Ko Tam", "Buôn Ko Tam"),
])
def test_neutralise_quotes_formula_text_and_leaves_numbers(value, expected):
    assert neutralise(value) == expected


def test_csv_is_utf8_with_bom_and_keeps_the_diacritics(app, digest):
    with force_locale("vi"):
        data = digest_csv(digest)
    assert data.startswith(b"\xef\xbb\xbf")
    rows = _csv_rows(data)
    assert rows[0] == ["Số liệu"]
    figures = {row[0]: row[1:] for row in _block(rows, "Số liệu")[1:]}
    assert figures["unit"] == ["Đơn vị", "Tỉnh Đắk Lắk"]
    assert figures["reached"][1] == "1234" and figures["target"][1] == "3000"
    assert figures["reached_percent"][1] == "41.1" and figures["days_left"][1] == "67"
    assert figures["date"][1] == "2025-08-20" and figures["projected_completion_date"][1] == "2025-10-01"
    assert figures["as_of"][1] == "2025-08-20 00:00"  # local time of the campaign, not UTC
    assert figures["on_track"][1] == "có"


def test_csv_sections_in_order_with_the_ranking_as_a_table(app, digest):
    rows = _csv_rows(digest_csv(digest))
    titles = [row[0] for index, row in enumerate(rows) if len(row) == 1 and (index == 0 or rows[index - 1] == [])]
    assert titles == ["Figures", "Ranking", "Breakdown", "Indicators", "Villages not reached yet", "By day"]
    ranking = _block(rows, "Ranking")
    assert ranking[0] == ["Code", "Name", "Target", "Reached", "Reached (%)", "Rank", "Change since yesterday"]
    assert ranking[1] == ["66001", "Xã Ea Kao", "2100", "934", "44.5", "1", "1"]
    # A negative change is a number, not text: it stays as it is.
    assert ranking[2] == ["66002", "'+cmd|' /C calc'!A0", "900", "300", "33.3", "2", "-1"]
    assert ranking[3] == ["66003", "'" + INJECTED_NAME, "", "0", "", "", ""]
    breakdown = _block(rows, "Breakdown")
    assert ["Gender", "Female", "700"] in breakdown and ["Ethnic group", "Ethnic minority", "810"] in breakdown
    assert ["Age band", "Under 15", "0"] in breakdown and ["Topic", "'-Sử dụng công cụ AI", "410"] in breakdown
    assert _block(rows, "Indicators")[1] == ["vneid_level2", "VNeID mức 2", "2100", "640", "30.5"]
    assert _block(rows, "Villages not reached yet")[1] == ["6600102", "Thôn Điện Tân", "Xã Ea Kao"]
    series = _block(rows, "By day")
    assert series[1] == ["2025-07-15", "33", "33"] and len(series) == 1 + 36


def test_xlsx_has_typed_cells_bold_headers_and_neutralised_text(app, digest):
    with force_locale("vi"):
        workbook = load_workbook(io.BytesIO(digest_xlsx(digest)))
    assert workbook.sheetnames[:2] == ["Số liệu", "Xếp hạng"] and len(workbook.sheetnames) == 6
    figures = {row[0]: row[2] for row in workbook["Số liệu"].iter_rows(min_row=2, values_only=True)}
    assert figures["reached"] == 1234 and isinstance(figures["reached"], int)
    assert figures["reached_percent"] == 41.1 and isinstance(figures["pace_7d"], float)
    assert figures["date"] == datetime(2025, 8, 20) and figures["as_of"] == datetime(2025, 8, 20, 0, 0)
    assert figures["compiled_at"] == datetime(2025, 8, 20, 6, 0, 5)
    assert figures["unit_code"] == "66"  # a code stays text
    ranking = workbook["Xếp hạng"]
    assert [cell.value for cell in ranking[1]] == ["Mã", "Tên", "Chỉ tiêu", "Đã tiếp cận", "Tỷ lệ đạt (%)",
                                                   "Hạng", "Thay đổi so với hôm qua"]
    assert all(cell.font.bold for cell in ranking[1])
    rows = list(ranking.iter_rows(min_row=2, values_only=True))
    assert rows[0] == ("66001", "Xã Ea Kao", 2100, 934, 44.5, 1, 1)
    assert rows[1][1] == "'+cmd|' /C calc'!A0" and rows[1][6] == -1
    assert rows[2][1] == "'" + INJECTED_NAME and ranking["B4"].data_type == "s"
    assert ranking.column_dimensions["B"].width > ranking.column_dimensions["A"].width


def test_xlsx_series_sheet_holds_dates(app, digest):
    sheet = load_workbook(io.BytesIO(digest_xlsx(digest)))["By day"]
    first = next(sheet.iter_rows(min_row=2, values_only=True))
    assert first == (datetime(2025, 7, 15), 33, 33)
    assert sheet["A2"].number_format == "dd/mm/yyyy"


def test_exports_of_a_digest_without_target_or_rows(app, db, dummy_campaign, tree):
    digest = store_digest(db, dummy_campaign, tree["commune"], day=date(2025, 7, 15), target=None,
                          reached_percent=None, required_daily_pace=None, projected_completion_date=None,
                          on_track=None, ranking=[], indicators=[], villages_not_reached=[], series=[])
    rows = _csv_rows(digest_csv(digest))
    figures = {row[0]: row[2] for row in _block(rows, "Figures")[1:]}
    assert figures["target"] == "" and figures["on_track"] == "" and figures["projected_completion_date"] == ""
    assert _block(rows, "Ranking") == [rows[rows.index(["Ranking"]) + 1]]
    workbook = load_workbook(io.BytesIO(digest_xlsx(digest)))
    assert workbook["Ranking"].max_row == 1


@pytest.mark.parametrize(("title", "expected"), [
    ("Thôn/buôn chưa tiếp cận", "Thôn-buôn chưa tiếp cận"), ("a:b?c*[d]", "a-b-c--d-"), ("x" * 40, "x" * 31),
])
def test_sheet_titles_are_valid_for_excel(title, expected):
    assert sheet_title(title) == expected


def test_ascii_name_folds_vietnamese():
    assert ascii_name("Bản tin Tỉnh Đắk Lắk 2025-08-20.xlsx") == "ban-tin-tinh-dak-lak-2025-08-20.xlsx"
