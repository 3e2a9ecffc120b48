"""The digest as spreadsheets: CSV (UTF-8 with BOM, for Excel) and XLSX, from its stored payload.

Both carry the same sections (figures, ranking, breakdown, indicators, villages not reached, the
day series). Text that a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``, tab, CR
first) is prefixed with a single quote; numbers stay numbers. Labels follow the current language.
"""
import csv
import io
import re
from dataclasses import dataclass
from datetime import date, datetime
from urllib.parse import quote

from flask import make_response
from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from tracker.core.time import local, parse_date
from tracker.participants.models import GENDER_LABELS
from tracker.participants.names import fold_name

CSV_TYPE = "text/csv"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: What a spreadsheet reads as the start of a formula (OWASP "CSV injection").
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
DATE_FORMAT, DATETIME_FORMAT = "dd/mm/yyyy", "dd/mm/yyyy hh:mm"
#: Keys of the payload shown as plain figures, in this order, with the type of their value.
FIGURES = [
    ("date", "date"), ("as_of", "instant"), ("start_date", "date"), ("deadline", "date"),
    ("day_number", "int"), ("days_total", "int"), ("days_left", "int"), ("target", "int"),
    ("reached", "int"), ("reached_percent", "percent"), ("new_reached_yesterday", "int"),
    ("checkins_yesterday", "int"), ("trainings_held_yesterday", "int"), ("trainings_held_total", "int"),
    ("required_daily_pace", "int"), ("pace_7d", "pace"), ("projected_completion_date", "date"),
    ("on_track", "bool"), ("villages_total", "int"), ("villages_reached", "int"),
]
_SHEET_TITLE_FORBIDDEN = re.compile(r"[\\/*?:\[\]]")


@dataclass
class Section:
    """One table of the export: a CSV block, an XLSX sheet."""

    title: str
    headers: list
    rows: list


def figure_labels():
    """Return the label of each figure, by payload key, in the current language."""
    return {
        "campaign": _("Campaign"), "unit": _("Unit"), "unit_code": _("Unit code"), "date": _("Digest date"),
        "as_of": _("Figures as of"), "start_date": _("Start date"), "deadline": _("Deadline"),
        "day_number": _("Day number"), "days_total": _("Days in all"), "days_left": _("Days left"),
        "target": _("Target (people)"), "reached": _("People reached"), "reached_percent": _("Reached (%)"),
        "new_reached_yesterday": _("People first reached yesterday"),
        "checkins_yesterday": _("Check-ins yesterday"), "trainings_held_yesterday": _("Trainings held yesterday"),
        "trainings_held_total": _("Trainings held in all"),
        "required_daily_pace": _("People to reach each day to meet the deadline"),
        "pace_7d": _("People reached per day (last 7 days)"),
        "projected_completion_date": _("Target reached at this pace on"), "on_track": _("On track"),
        "villages_total": _("Villages"), "villages_reached": _("Villages with a training held"),
        "compiled_at": _("Compiled at"),
    }


def sections(digest):
    """Return the tables of ``digest``, figures first."""
    payload = digest.payload
    return [
        Section(_("Figures"), [_("Key"), _("Figure"), _("Value")], _figure_rows(digest)),
        Section(_("Ranking"), [_("Code"), _("Name"), _("Target"), _("Reached"), _("Reached (%)"), _("Rank"),
                               _("Change since yesterday")],
                [[row["code"], row["name"], row["target"], row["reached"], row["percent"], row["rank"],
                  row["rank_change"]] for row in payload["ranking"]]),
        Section(_("Breakdown"), [_("Group"), _("Category"), _("People reached")], _breakdown_rows(payload)),
        Section(_("Indicators"), [_("Key"), _("Indicator"), _("Target"), _("Reached"), _("Reached (%)")],
                [[row["key"], row["name"], row["target"], row["reached"], row["reached_percent"]]
                 for row in payload["indicators"]]),
        Section(_("Villages not reached yet"), [_("Code"), _("Village"), _("Commune")],
                [[row["code"], row["name"], row["commune"]] for row in payload["villages_not_reached"]]),
        Section(_("By day"), [_("Date"), _("People first reached"), _("People reached in all")],
                [[parse_date(row["date"]), row["new_reached"], row["reached"]] for row in payload["series"]]),
    ]


def _figure_rows(digest):
    payload, labels, zone = digest.payload, figure_labels(), digest.campaign.timezone
    rows = [["campaign", labels["campaign"], payload["campaign"]["name"]],
            ["unit", labels["unit"], payload["unit"]["name"]],
            ["unit_code", labels["unit_code"], payload["unit"]["code"]]]
    rows += [[key, labels[key], _typed(payload.get(key), kind, zone)] for key, kind in FIGURES]
    return [*rows, ["compiled_at", labels["compiled_at"], _local_naive(digest.compiled_at, zone)]]


def _typed(value, kind, zone):
    """Turn a payload value into what a spreadsheet cell should hold."""
    if value is None:
        return None
    if kind == "date":
        return parse_date(value)
    if kind == "instant":
        return _local_naive(datetime.fromisoformat(value), zone)
    if kind == "bool":
        return _("yes") if value else _("no")
    return value


def _local_naive(instant, zone):
    """Local wall-clock time in the campaign's zone, without offset (spreadsheets know no zones)."""
    return local(instant, zone).replace(tzinfo=None, microsecond=0)


def _breakdown_rows(payload):
    breakdown = payload["breakdown"]
    groups = [
        (_("Gender"), {key: str(label).capitalize() for key, label in GENDER_LABELS.items()}, breakdown["gender"]),
        (_("Ethnic group"), {"minority": _("Ethnic minority"), "majority": _("Majority (Kinh)")},
         breakdown["ethnic_minority"]),
        (_("Age band"), {"under_15": _("Under 15")}, breakdown["age_band"]),
        (_("Topic"), {}, breakdown["topic"]),
    ]
    return [[group, names.get(key, key), count] for group, names, counts in groups for key, count in counts.items()]


def neutralise(value):
    """Return ``value`` safe for a spreadsheet: text that would start a formula gets a leading quote."""
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
        if value.startswith(FORMULA_PREFIXES):
            return "'" + value
    return value


def _csv_text(value):
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return neutralise(value)


def digest_csv(digest):
    """Return the digest as CSV bytes: UTF-8 with a BOM, one block per section, blank lines between."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for index, section in enumerate(sections(digest)):
        if index:
            writer.writerow([])
        writer.writerow([neutralise(section.title)])
        writer.writerow([neutralise(header) for header in section.headers])
        writer.writerows([_csv_text(value) for value in row] for row in section.rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def digest_xlsx(digest):
    """Return the digest as an XLSX workbook: one sheet per section, bold headers, typed cells."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for section in sections(digest):
        _write_sheet(workbook.create_sheet(sheet_title(section.title)), section)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def sheet_title(title):
    """Return ``title`` as Excel accepts a sheet name: no ``\\ / * ? : [ ]``, at most 31 characters."""
    return _SHEET_TITLE_FORBIDDEN.sub("-", title)[:31]


def _write_sheet(sheet, section):
    sheet.append([neutralise(header) for header in section.headers])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in section.rows:
        sheet.append([neutralise(value) for value in row])
    for cells in sheet.iter_rows(min_row=2):
        for cell in cells:
            cell.number_format = _number_format(cell.value, cell.number_format)
    sheet.freeze_panes = "A2"
    for index, cells in enumerate(sheet.iter_cols(), start=1):
        width = max(len(str(_csv_text(cell.value))) for cell in cells)
        sheet.column_dimensions[get_column_letter(index)].width = min(max(width + 2, 8), 60)


def _number_format(value, default):
    if isinstance(value, datetime):
        return DATETIME_FORMAT
    if isinstance(value, date):
        return DATE_FORMAT
    if isinstance(value, float):
        return "0.0#"
    return default


def download_name(digest, extension):
    """Return the file name of an export: ``Bản tin Xã Ea Kao 2025-08-20.csv`` (in the current language)."""
    return " ".join([_("Digest"), digest.unit.name, digest.date.isoformat()]) + "." + extension


def ascii_name(name):
    """Return ``name`` folded to ASCII for old clients: ``ban-tin-xa-ea-kao-2025-08-20.csv``."""
    stem, dot, extension = name.rpartition(".")
    return re.sub(r"[^a-z0-9]+", "-", fold_name(stem)).strip("-") + dot + extension


def download_response(data, mimetype, name, *, inline=False):
    """Return ``data`` as a file named ``name`` (ASCII ``filename`` for old clients plus UTF-8 ``filename*``)."""
    response = make_response(data)
    response.mimetype = mimetype
    disposition = "inline" if inline else "attachment"
    response.headers["Content-Disposition"] = (
        f"{disposition}; filename=\"{ascii_name(name)}\"; filename*=UTF-8''{quote(name, safe='')}")
    response.headers["Cache-Control"] = "private, max-age=0"
    return response


def csv_response(digest):
    """Return the CSV download of ``digest``."""
    return download_response(digest_csv(digest), CSV_TYPE, download_name(digest, "csv"))


def xlsx_response(digest):
    """Return the XLSX download of ``digest``."""
    return download_response(digest_xlsx(digest), XLSX_TYPE, download_name(digest, "xlsx"))
