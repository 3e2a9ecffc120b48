"""Reading participant sheets (CSV or XLSX, English or Vietnamese headers) into numbered rows."""
import csv
import io
import re
import zipfile

from flask_babel import gettext as _

from tracker.core.errors import AppError, InvalidInput
from tracker.participants.names import fold_name

MAX_ROWS = 20_000
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPES = {"text/csv", "application/csv", "text/plain"}
#: Rows above the header a commune sheet may have (a title, the commune's name, a date).
HEADER_SEARCH = 10

#: Folded header → column. "Giới tính (Nam/Nữ/Khác)" folds to "gioi tinh" once its note is cut.
HEADERS = {
    "full_name": "full_name", "ho va ten": "full_name", "ho ten": "full_name",
    "birth_year": "birth_year", "nam sinh": "birth_year",
    "gender": "gender", "gioi tinh": "gender",
    "ethnicity": "ethnicity", "dan toc": "ethnicity",
    "village_code": "village", "ma thon": "village",
    "phone": "phone", "so dien thoai": "phone", "dien thoai": "phone", "sdt": "phone",
    "consent": "consent", "dong y": "consent",
}
REQUIRED = ("full_name", "birth_year", "gender", "ethnicity", "village", "consent")
COLUMN_NAMES = "full_name,birth_year,gender,ethnicity,village_code,phone,consent"
#: The headers of the blank sheet coordinators download (they read back through ``HEADERS``).
TEMPLATE_HEADERS = ["Họ và tên", "Năm sinh", "Giới tính (Nam/Nữ/Khác)", "Dân tộc", "Mã thôn", "Số điện thoại",
                    "Đồng ý (có/x/1)"]
_NOTE = re.compile(r"\(.*?\)|[*:]")


def template_csv():
    """Return the blank import sheet: UTF-8 with a BOM, so that Excel shows the diacritics."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow(TEMPLATE_HEADERS)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def is_xlsx(data):
    """Tell whether ``data`` is an XLSX workbook (a ZIP archive) rather than text."""
    return data[:4] == b"PK\x03\x04"


def read_sheet(data):
    """Parse an uploaded CSV or XLSX file into ``(line, row)`` pairs, telling them apart by content."""
    return read_xlsx(data) if is_xlsx(data) else read_csv(data)


def read_csv(data):
    """Parse CSV bytes (UTF-8, with or without BOM) into ``(line, row)`` pairs."""
    try:
        text = data.decode("utf-8-sig") if isinstance(data, bytes) else data.lstrip("\ufeff")
    except UnicodeDecodeError:
        raise InvalidInput(_("The file is not UTF-8 text.")) from None
    if "\x00" in text:
        raise InvalidInput(_("The input contains a NUL character."))
    try:
        return _rows(enumerate(csv.reader(io.StringIO(text, newline="")), start=1))
    except csv.Error as exc:
        raise InvalidInput(_("The file is not valid CSV: %(problem)s.", problem=str(exc))) from None


def read_xlsx(data):
    """Parse the first sheet of an XLSX workbook into ``(line, row)`` pairs numbered as in Excel."""
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    # A damaged workbook fails in the ZIP, the XML or openpyxl's own checks.
    broken = (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, TypeError, OSError, SyntaxError)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            return _rows(enumerate(workbook.worksheets[0].iter_rows(values_only=True), start=1))
        finally:
            workbook.close()
    except broken:
        raise InvalidInput(_("The file is not a valid XLSX workbook.")) from None


def _rows(numbered):
    """Find the header, then return the non-empty rows under it keyed by column."""
    columns, first = None, None
    rows = []
    for line, cells in numbered:
        cells = [_cell(value) for value in cells]
        if columns is None:
            columns = _columns(cells)
            first = first or (cells if any(cells) else None)
            if columns is None and line >= HEADER_SEARCH:
                break
            continue
        if any(value not in (None, "") for value in cells):
            if len(rows) == MAX_ROWS:
                raise AppError(_("At most %(n)d people per import; split the file.", n=MAX_ROWS),
                               code="payload_too_large", status=413)
            rows.append((line, {name: cells[index] for index, name in columns.items() if index < len(cells)}))
    if columns is None:
        named = {HEADERS.get(_header_key(cell)) for cell in first or ()}
        missing = [name if name != "village" else "village_code" for name in REQUIRED if name not in named]
        raise InvalidInput(_("No header row found; the columns must be %(columns)s.", columns=COLUMN_NAMES),
                           fields={"header": [_("Missing columns: %(names)s.", names=", ".join(missing))]})
    return rows


def _cell(value):
    """Return a cell's value trimmed; whole numbers stored as floats become integers."""
    if isinstance(value, str):
        if "\x00" in value:
            raise InvalidInput(_("The input contains a NUL character."))
        return value.strip()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _columns(cells):
    """Return ``{index: column}`` if ``cells`` is a header naming every required column, else None."""
    found = {}
    for index, cell in enumerate(cells):
        name = HEADERS.get(_header_key(cell))
        if name and name not in found.values():
            found[index] = name
    return found if all(name in found.values() for name in REQUIRED) else None


def _header_key(cell):
    """Fold a header cell: no diacritics, case, notes in brackets or stars ("Họ và tên *" → "ho va ten")."""
    folded = fold_name(_NOTE.sub(" ", str(cell or "")))
    return folded if folded in HEADERS else folded.replace(" ", "_")
