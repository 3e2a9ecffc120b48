"""A person's data as a one-document PDF (DejaVu Sans: every Vietnamese letter prints)."""
from flask_babel import gettext as _
from fpdf.enums import XPos, YPos

from tracker.core.pdf import FONT, new_pdf

#: The label column is wide enough for a bold ISO timestamp (the trainings' rows).
MARGIN, WIDTH, LABEL = 15, 180, 60
#: Where a block of text leaves the cursor: back at the left margin, on the next line (fpdf2 would
#: leave it at the block's right edge, and the next row would be drawn off the page).
NEXT_LINE = {"new_x": XPos.LMARGIN, "new_y": YPos.NEXT}


def personal_data_pdf(data):
    """Return the PDF bytes of ``personal_data``'s answer, in the reader's language."""
    person = data["person"]
    pdf = new_pdf(_("Personal data"))
    pdf.set_auto_page_break(True, margin=MARGIN)
    pdf.set_margins(MARGIN, MARGIN)
    pdf.add_page()
    pdf.set_font(FONT, "B", 16)
    pdf.multi_cell(WIDTH, 8, _("Personal data kept by the 100 Peak Days tracker"), **NEXT_LINE)
    pdf.set_font(FONT, "", 9)
    pdf.multi_cell(WIDTH, 5, _("Exported %(when)s (UTC).", when=data["exported_at"]), **NEXT_LINE)
    pdf.ln(3)
    rows = [(_("Code"), person["code"]), (_("Full name"), person["full_name"]),
            (_("Birth year"), person["birth_year"]), (_("Gender"), person["gender"]),
            (_("Ethnic group"), person["ethnicity"]), (_("Phone"), person["phone"] or "—"),
            (_("Village"), f'{person["village"]["name"]} ({person["village"]["code"]})'),
            (_("Registered"), person["registered_at"]), (_("Consent"), person["consent_at"] or "—"),
            (_("Consent withdrawn"), person["consent_withdrawn_at"] or "—"),
            (_("Card printed"), person["card_printed_at"] or "—")]
    _table(pdf, rows)
    _section(pdf, _("Trainings attended"), [
        (item["scanned_at"], f'{item["training"]} · {item["village"]}' + (f' ({_("voided")})' if item["voided"] else ""))
        for item in data["checkins"]])
    _section(pdf, _("Outcomes"), [(item["recorded_at"], item["indicator"]) for item in data["outcomes"]])
    return bytes(pdf.output())


def _table(pdf, rows):
    for label, value in rows:
        pdf.set_font(FONT, "B", 10)
        pdf.cell(LABEL, 6, str(label))
        pdf.set_font(FONT, "", 10)
        pdf.multi_cell(WIDTH - LABEL, 6, str(value), align="L", **NEXT_LINE)


def _section(pdf, title, rows):
    pdf.ln(4)
    pdf.set_font(FONT, "B", 12)
    pdf.multi_cell(WIDTH, 7, title, **NEXT_LINE)
    if rows:
        _table(pdf, rows)
    else:
        pdf.set_font(FONT, "", 10)
        pdf.multi_cell(WIDTH, 6, "—", **NEXT_LINE)
