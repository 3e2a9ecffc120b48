"""Spreadsheet downloads: CSV (UTF-8 with a BOM, for Excel) and XLSX, streamed row by row.

Every download of the app goes through here: the digest's files and the lists' exports. Text
that a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``, tab, CR first) gets a
leading quote (OWASP "CSV injection"); numbers stay numbers, dates stay dates.

Nothing here holds a whole table: rows are read from the database in batches
(:func:`stream_rows`: ``yield_per``, a server-side cursor on PostgreSQL), a CSV leaves in chunks
as it is written, and an XLSX is written by openpyxl's write-only workbook to a temporary file
and then sent in chunks. The response generator runs under ``stream_with_context``; what it
needs (labels in the reader's language, the time zone) is worked out before the first byte, so
it uses plain values and a database session of its own request, never objects of the view's.
"""
import csv
import io
import re
import tempfile
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import chain
from urllib.parse import quote

from flask import Response, make_response, stream_with_context
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from tracker.core.time import local
from tracker.extensions import db

CSV_TYPE = "text/csv"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: The formats a list can be downloaded in, by file extension.
FORMATS = ("csv", "xlsx")
#: What a spreadsheet reads as the start of a formula (OWASP "CSV injection").
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
DATE_FORMAT, DATETIME_FORMAT, DECIMAL_FORMAT = "dd/mm/yyyy", "dd/mm/yyyy hh:mm", "0.0#"
#: Rows fetched from the database per round trip, and CSV rows per chunk sent.
BATCH = 2000
#: Rows of an Excel worksheet, headers included.
XLSX_MAX_ROWS = 1_048_576
#: Bytes of a written XLSX file sent per chunk.
CHUNK_BYTES = 64 * 1024
_FORMULA_FIRST = frozenset("".join(FORMULA_PREFIXES))
_SHEET_TITLE_FORBIDDEN = re.compile(r"[\\/*?:\[\]]")
_BOLD = Font(bold=True)


@dataclass
class Sheet:
    """One table of a download: a CSV file (or block), an XLSX sheet. ``rows`` may be a generator."""

    title: str
    headers: list
    rows: Iterable
    #: Column widths in characters; by default from the headers.
    widths: list = field(default_factory=list)


def neutralise(value):
    """Return ``value`` safe for a spreadsheet: text that would start a formula gets a leading quote."""
    if isinstance(value, str):
        if not value.isprintable():  # only then can it hold what XML (so XLSX) cannot carry
            value = ILLEGAL_CHARACTERS_RE.sub("", value)
        if value[:1] in _FORMULA_FIRST:
            return "'" + value
    return value


def csv_text(value):
    """Return what a CSV cell shows for ``value``: ISO dates, local ``YYYY-MM-DD HH:MM``, safe text."""
    if type(value) is str:  # the common case first: this runs for every cell of a million rows
        return neutralise(value)
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return neutralise(value)


def local_naive(instant, tz_name):
    """Return an aware instant as wall-clock time in ``tz_name`` without offset (spreadsheets know no zones)."""
    return None if instant is None else local(instant, tz_name).replace(tzinfo=None, microsecond=0)


def stream_rows(stmt, *, batch=BATCH):
    """Yield the rows of ``stmt``, fetched ``batch`` at a time (a server-side cursor on PostgreSQL).

    Plain Core rows on the session's own connection and transaction: no ORM work per row. On
    PostgreSQL the planner is told the whole result will be read (``cursor_tuple_fraction``), so a
    province's export sorts once instead of walking indexes for a fast first row.
    """
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("SELECT set_config('cursor_tuple_fraction', '1', true)")
    result = connection.execute(stmt, execution_options={"yield_per": batch})
    try:
        for partition in result.partitions():
            yield from partition
    finally:
        result.close()


def csv_chunks(rows, *, batch=BATCH):
    """Yield ``rows`` (lists of values) as CSV bytes in chunks: UTF-8, a BOM first, CRLF line ends."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write("\ufeff")
    for index, row in enumerate(rows, start=1):
        writer.writerow([csv_text(value) for value in row])
        if index % batch == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def sheet_csv_chunks(sheet):
    """Yield one sheet as a CSV file: its headers, then its rows."""
    return csv_chunks(chain([sheet.headers], sheet.rows))


def xlsx_chunks(sheets, *, chunk=CHUNK_BYTES, max_rows=XLSX_MAX_ROWS):
    """Yield an XLSX workbook of ``sheets`` in chunks, written through a temporary file.

    Bold headers frozen at the top; dates, times and decimals carry a number format; text is
    neutralised. A table longer than Excel's ``max_rows`` goes on in sheets "Title (2)", … with
    the headers again (a province's 1.5 million check-ins fill two).
    """
    workbook = Workbook(write_only=True)
    for sheet in sheets:
        _write_sheet(workbook, sheet, max_rows)
    with tempfile.TemporaryFile() as file:
        workbook.save(file)
        file.seek(0)
        while data := file.read(chunk):
            yield data


def xlsx_bytes(sheets):
    """Return an XLSX workbook of ``sheets`` as bytes (for small tables)."""
    return b"".join(xlsx_chunks(sheets))


def _write_sheet(workbook, sheet, max_rows):
    worksheet, written, part = _start_worksheet(workbook, sheet, 1), 1, 1
    for row in sheet.rows:
        if written == max_rows:
            part += 1
            worksheet, written = _start_worksheet(workbook, sheet, part), 1
        worksheet.append([_cell(worksheet, value) for value in row])
        written += 1


def _start_worksheet(workbook, sheet, part):
    """Create the ``part``-th worksheet of ``sheet``, with its widths and its frozen bold headers."""
    suffix = f" ({part})" if part > 1 else ""
    worksheet = workbook.create_sheet(sheet_title(sheet.title)[:31 - len(suffix)] + suffix)
    widths = sheet.widths or [min(max(len(str(header)) + 2, 10), 40) for header in sheet.headers]
    for index, width in enumerate(widths, start=1):
        worksheet.column_dimensions[get_column_letter(index)].width = width
    worksheet.freeze_panes = "A2"
    worksheet.append([_header_cell(worksheet, header) for header in sheet.headers])
    return worksheet


def _header_cell(worksheet, header):
    cell = WriteOnlyCell(worksheet, neutralise(str(header)))
    cell.font = _BOLD
    return cell


def _cell(worksheet, value):
    """Return ``value`` as the worksheet should hold it: a formatted cell for dates, times and decimals."""
    if isinstance(value, str):
        return neutralise(value)
    number_format = (DATETIME_FORMAT if isinstance(value, datetime) else DATE_FORMAT if isinstance(value, date)
                     else DECIMAL_FORMAT if isinstance(value, float) else None)
    if number_format is None:
        return value
    cell = WriteOnlyCell(worksheet, value)
    cell.number_format = number_format
    return cell


def fit_widths(headers, rows):
    """Return column widths that fit ``headers`` and ``rows`` (a list: small tables only)."""
    columns = zip(*([headers] + [[csv_text(value) for value in row] for row in rows]))
    return [min(max(max(len(str(text)) for text in column) + 2, 8), 60) for column in columns]


def sheet_title(title):
    """Return ``title`` as Excel accepts a sheet name: no ``\\ / * ? : [ ]``, at most 31 characters."""
    return _SHEET_TITLE_FORBIDDEN.sub("-", title)[:31]


def ascii_name(name):
    """Return ``name`` folded to ASCII for old clients: ``ban-tin-xa-ea-kao-2025-08-20.csv``."""
    stem, dot, extension = name.rpartition(".")
    decomposed = unicodedata.normalize("NFD", stem.replace("đ", "d").replace("Đ", "d"))
    bare = "".join(char for char in decomposed if not unicodedata.combining(char)).casefold()
    return re.sub(r"[^a-z0-9]+", "-", bare).strip("-") + dot + extension


def export_name(*parts):
    """Return a download's name (without extension) from its parts: ``Người tham gia Xã Ea Kao 2025-08-20``."""
    return " ".join(part.isoformat() if isinstance(part, date) else str(part) for part in parts if part)


def download_response(data, mimetype, name, *, inline=False):
    """Return ``data`` (bytes, or an iterable of byte chunks to stream) as a file named ``name``.

    ``Content-Disposition`` carries an ASCII ``filename`` for old clients and the UTF-8 ``filename*``
    (RFC 5987). Chunks are sent as they come, inside the request's context.
    """
    if isinstance(data, bytes | str):
        response = make_response(data)
    else:
        response = Response(stream_with_context(iter(data)))
    response.mimetype = mimetype
    disposition = "inline" if inline else "attachment"
    response.headers["Content-Disposition"] = (
        f"{disposition}; filename=\"{ascii_name(name)}\"; filename*=UTF-8''{quote(name, safe='')}")
    response.headers["Cache-Control"] = "private, max-age=0"
    return response


def sheet_response(sheet, extension, name):
    """Return ``sheet`` streamed as a ``csv`` or ``xlsx`` file called ``name`` + ``.`` + ``extension``."""
    if extension == "xlsx":
        return download_response(xlsx_chunks([sheet]), XLSX_TYPE, f"{name}.xlsx")
    return download_response(sheet_csv_chunks(sheet), CSV_TYPE, f"{name}.csv")
