"""The digest as spreadsheets: CSV (UTF-8 with BOM, for Excel) and XLSX, from its stored payload.

Both carry the same sections (figures, ranking, breakdown, indicators, villages not reached, the
day series). The plumbing (BOM, neutralised formulas, typed cells, the download's file name) is
the app's one in :mod:`tracker.core.exports`; this module only lays the digest out. Labels
follow the current language.
"""
from datetime import datetime

from flask_babel import gettext as _

from tracker.core.exports import (  # noqa: F401  (re-exported: the digest's views and API use them)
    CSV_TYPE,
    XLSX_TYPE,
    Sheet,
    ascii_name,
    csv_chunks,
    download_response,
    fit_widths,
    neutralise,
    sheet_title,
    xlsx_bytes,
)
from tracker.core.time import local, parse_date
from tracker.participants.models import GENDER_LABELS

#: Keys of the payload shown as plain figures, in this order, with the type of their value.
FIGURES = [
    ("date", "date"), ("as_of", "instant"), ("start_date", "date"), ("deadline", "date"),
    ("day_number", "int"), ("days_total", "int"), ("days_left", "int"), ("target", "int"),
    ("reached", "int"), ("reached_percent", "percent"), ("new_reached_yesterday", "int"),
    ("checkins_yesterday", "int"), ("trainings_held_yesterday", "int"), ("trainings_held_total", "int"),
    ("required_daily_pace", "int"), ("pace_7d", "pace"), ("projected_completion_date", "date"),
    ("on_track", "bool"), ("villages_total", "int"), ("villages_reached", "int"),
]
#: One table of the export: a CSV block, an XLSX sheet.
Section = Sheet


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


def digest_csv(digest):
    """Return the digest as CSV bytes: UTF-8 with a BOM, one block per section, blank lines between."""
    return b"".join(csv_chunks(_csv_rows(sections(digest))))


def _csv_rows(tables):
    for index, section in enumerate(tables):
        if index:
            yield []
        yield [section.title]
        yield section.headers
        yield from section.rows


def digest_xlsx(digest):
    """Return the digest as an XLSX workbook: one sheet per section, bold headers, typed cells."""
    tables = sections(digest)
    for section in tables:
        section.widths = fit_widths(section.headers, section.rows)
    return xlsx_bytes(tables)


def download_name(digest, extension):
    """Return the file name of an export: ``Bản tin Xã Ea Kao 2025-08-20.csv`` (in the current language)."""
    return " ".join([_("Digest"), digest.unit.name, digest.date.isoformat()]) + "." + extension


def csv_response(digest):
    """Return the CSV download of ``digest``."""
    return download_response(digest_csv(digest), CSV_TYPE, download_name(digest, "csv"))


def xlsx_response(digest):
    """Return the XLSX download of ``digest``."""
    return download_response(digest_xlsx(digest), XLSX_TYPE, download_name(digest, "xlsx"))
