"""Reading the app's downloads back in tests: CSV rows, XLSX sheets, and check-ins made directly."""
import csv
import io
import uuid

from openpyxl import load_workbook

from tracker.checkins.models import CheckIn, CheckInSource

BOM = b"\xef\xbb\xbf"


def csv_rows(data):
    """Return the rows of a CSV download (checking that it starts with the BOM)."""
    assert data.startswith(BOM)
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def xlsx_sheet(data):
    """Return the only sheet of an XLSX download."""
    workbook = load_workbook(io.BytesIO(data))
    assert len(workbook.sheetnames) == 1
    return workbook[workbook.sheetnames[0]]


def xlsx_rows(data):
    """Return the values of the only sheet of an XLSX download, row by row."""
    return [list(row) for row in xlsx_sheet(data).iter_rows(values_only=True)]


def add_checkin(db, training, participant, **values):
    """Record a check-in directly (no event): the export tests need rows, not the scanning rules."""
    values = {"scan_id": uuid.uuid4(), "scanned_at": training.starts_at, "source": CheckInSource.camera} | values
    checkin = CheckIn(training=training, participant=participant, **values)
    db.session.add(checkin)
    db.session.commit()
    return checkin


def download(client, url):
    """GET a download; return the response (``was_streamed``: it came as a stream) and its whole body."""
    response = client.get(url)
    response.was_streamed = response.is_streamed
    return response, response.get_data()
