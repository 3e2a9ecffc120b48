"""What every PDF the app makes shares: an A4 document with DejaVu Sans embedded, and text fitting.

DejaVu Sans (shipped in ``fonts/``) covers every Vietnamese letter, so names print with their
diacritics whatever fonts the server or the printer has.
"""
from pathlib import Path

from fpdf import FPDF

FONTS = Path(__file__).with_name("fonts")
FONT = "DejaVuSans"


def new_pdf(title, *, orientation="portrait"):
    """Return an empty A4 document in millimetres with DejaVu Sans (regular and bold) loaded."""
    pdf = FPDF(orientation=orientation, unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_margins(0, 0)
    pdf.add_font(FONT, "", FONTS / "DejaVuSans.ttf")
    pdf.add_font(FONT, "B", FONTS / "DejaVuSans-Bold.ttf")
    pdf.set_title(title)
    pdf.set_creator("100 Peak Days tracker")
    return pdf


def fit_text(pdf, text, style, size, width, *, smallest=None):
    """Set the font for ``text``: shrink it to ``width`` (down to 80 %), then cut it with "…"."""
    smallest = smallest or size * 0.8
    pdf.set_font(FONT, style, size)
    while pdf.get_string_width(text) > width and size > smallest:
        size -= 0.5
        pdf.set_font(FONT, style, size)
    if pdf.get_string_width(text) <= width:
        return text
    while text and pdf.get_string_width(text + "…") > width:
        text = text[:-1]
    return text.rstrip() + "…"


def wrap_text(pdf, text, style, size, width):
    """Return ``text`` as one line, shrunk if need be, or two lines at a smaller size."""
    line = fit_text(pdf, text, style, size, width)
    if line == text:
        return [line]
    pdf.set_font(FONT, style, size * 0.8)
    words, first = text.split(), ""
    while words and pdf.get_string_width((first + " " + words[0]).strip()) <= width:
        first = (first + " " + words.pop(0)).strip()
    if not first:
        return [fit_text(pdf, text, style, size * 0.8, width, smallest=size * 0.8)]
    return [first, fit_text(pdf, " ".join(words), style, size * 0.8, width, smallest=size * 0.8)]
