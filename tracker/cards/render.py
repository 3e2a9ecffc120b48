"""Participant cards: the QR symbol as PNG and SVG, and A4 sheets of cards as PDF.

Everything here renders; nothing reads the database. A :class:`Card` holds what one card shows.
The PDF embeds DejaVu Sans (see ``tracker.core.pdf``), which covers every Vietnamese letter, so
names print with their diacritics whatever fonts the server or the printer has.
"""
import io
from dataclasses import dataclass

import qrcode
import qrcode.image.pil
import qrcode.image.svg
from flask_babel import gettext as _
from markupsafe import Markup, escape

from tracker.cards.tokens import make_token
from tracker.core.pdf import FONT, fit_text, new_pdf, wrap_text

#: White modules around the symbol, as the QR standard asks (scanners need them).
QUIET_ZONE = 4

# The sheet, in millimetres: A4 holds 2 × 5 cards of bank-card size (ID-1, 85.6 × 54 mm).
PAGE_W, PAGE_H = 210, 297
CARD_W, CARD_H = 85, 54
COLUMNS, ROWS = 2, 5
PER_PAGE = COLUMNS * ROWS
MARGIN_X, MARGIN_Y = (PAGE_W - COLUMNS * CARD_W) / 2, (PAGE_H - ROWS * CARD_H) / 2
PAD = 4
#: The symbol without its quiet zone; 25 modules at version 2 make 1 mm modules.
QR_SIZE = 25
TEXT_W = CARD_W - 2 * PAD - QR_SIZE - PAD
BRAND, MUTED, GUIDE = (11, 95, 165), (95, 105, 115), (175, 180, 185)


@dataclass(frozen=True)
class Card:
    """What one card shows."""

    code: str
    full_name: str
    village: str
    commune: str
    token: str

    @classmethod
    def of(cls, participant):
        """Return the card of ``participant`` (its village and commune loaded)."""
        village = participant.village
        commune = village.parent.name if village.parent is not None else ""
        return cls(participant.code, participant.full_name, village.name, commune, make_token(participant.code))

    @property
    def grouped_code(self):
        """The code in groups of four, easier to read out and type."""
        return " ".join(self.code[i : i + 4] for i in range(0, len(self.code), 4))


# QR symbols ------------------------------------------------------------------------------------

def make_qr(token, *, border=QUIET_ZONE, **kwargs):
    """Return the QR symbol of ``token``: the smallest version, error correction M."""
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=border, **kwargs)
    qr.add_data(token)
    qr.make(fit=True)
    return qr


def qr_matrix(token):
    """Return the symbol's modules, rows of booleans (True is dark), without the quiet zone."""
    return make_qr(token, border=0).get_matrix()


def dark_runs(matrix):
    """Yield ``(row, column, length)`` for each horizontal run of dark modules."""
    for row, modules in enumerate(matrix):
        start = None
        for column, dark in enumerate([*modules, False]):
            if dark and start is None:
                start = column
            elif not dark and start is not None:
                yield row, start, column - start
                start = None


def render_qr_png(token, *, box_size=10):
    """Return the symbol as a black-and-white PNG, ``box_size`` pixels a module."""
    image = make_qr(token, box_size=box_size, image_factory=qrcode.image.pil.PilImage).make_image()
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def render_qr_svg(token):
    """Return the symbol as an SVG document (one path; scales to any size)."""
    image = make_qr(token, image_factory=qrcode.image.svg.SvgPathImage).make_image()
    buffer = io.BytesIO()
    image.save(buffer)
    return buffer.getvalue()


def qr_svg_markup(token, *, label):
    """Return the symbol as compact inline ``<svg>`` markup for an HTML page."""
    matrix = qr_matrix(token)
    size = len(matrix) + 2 * QUIET_ZONE
    path = "".join(f"M{column + QUIET_ZONE} {row + QUIET_ZONE}h{length}v1h-{length}z"
                   for row, column, length in dark_runs(matrix))
    return Markup(
        f'<svg class="qr" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" role="img" '
        f'aria-label="{escape(label)}" shape-rendering="crispEdges">'
        f'<rect width="{size}" height="{size}" fill="#fff"/><path d="{path}" fill="#000"/></svg>'
    )


# PDF sheets ------------------------------------------------------------------------------------

def build_cards_pdf(cards, *, campaign, title):
    """Return A4 pages of ``cards`` (2 × 5 a page, with cut guides) as PDF bytes."""
    pdf = new_pdf(title)
    labels = {"code": _("Code"), "bring": _("Bring this card to every training.")}
    for index, card in enumerate(cards):
        if index % PER_PAGE == 0:
            pdf.add_page()
            _draw_cut_marks(pdf)
        column, row = index % COLUMNS, index % PER_PAGE // COLUMNS
        _draw_card(pdf, card, MARGIN_X + column * CARD_W, MARGIN_Y + row * CARD_H, campaign, labels)
    if not cards:
        pdf.add_page()
        pdf.set_font(FONT, "", 12)
        pdf.text(MARGIN_X, MARGIN_Y + 10, _("There are no cards to print."))
    return bytes(pdf.output())


def _draw_cut_marks(pdf):
    """Short lines in the margins where the guillotine cuts (the card borders are faint)."""
    pdf.set_draw_color(*MUTED)
    pdf.set_line_width(0.2)
    for column in range(COLUMNS + 1):
        x = MARGIN_X + column * CARD_W
        pdf.line(x, 3, x, MARGIN_Y - 2)
        pdf.line(x, PAGE_H - MARGIN_Y + 2, x, PAGE_H - 3)
    for row in range(ROWS + 1):
        y = MARGIN_Y + row * CARD_H
        pdf.line(3, y, MARGIN_X - 2, y)
        pdf.line(PAGE_W - MARGIN_X + 2, y, PAGE_W - 3, y)


def _draw_card(pdf, card, x, y, campaign, labels):
    pdf.set_draw_color(*GUIDE)
    pdf.set_line_width(0.1)
    pdf.rect(x, y, CARD_W, CARD_H)
    left = x + PAD
    pdf.set_text_color(*BRAND)
    pdf.text(left, y + 7, fit_text(pdf, campaign, "B", 7, TEXT_W))
    pdf.set_text_color(0)
    name_lines = wrap_text(pdf, card.full_name, "B", 12, TEXT_W)
    for number, line in enumerate(name_lines):
        pdf.text(left, y + 14 + number * 4.6, line)
    below = y + 14 + len(name_lines) * 4.6 + 1.2
    pdf.text(left, below, fit_text(pdf, card.village, "", 9, TEXT_W))
    pdf.set_text_color(*MUTED)
    pdf.text(left, below + 4.2, fit_text(pdf, card.commune, "", 8, TEXT_W))
    pdf.text(left, y + 39.5, fit_text(pdf, labels["code"], "", 6.5, TEXT_W))
    pdf.text(left, y + CARD_H - 3.2, fit_text(pdf, labels["bring"], "", 5.5, CARD_W - 2 * PAD))
    pdf.set_text_color(0)
    pdf.text(left, y + 46.5, fit_text(pdf, card.grouped_code, "B", 16, TEXT_W))
    _draw_qr(pdf, qr_matrix(card.token), x + CARD_W - PAD - QR_SIZE, y + PAD + 3)


def _draw_qr(pdf, matrix, x, y):
    """Draw the dark modules as one filled path of rectangles.

    fpdf2's ``rect`` fills each rectangle on its own, which leaves hairline seams between
    modules in some viewers and costs a call per run; one path filled once has neither problem.
    """
    module = QR_SIZE / len(matrix) * pdf.k
    left, top = x * pdf.k, (pdf.h - y) * pdf.k
    rects = " ".join(f"{left + column * module:.2f} {top - row * module:.2f} {length * module:.2f} "
                     f"{-module:.2f} re" for row, column, length in dark_runs(matrix))
    pdf.set_fill_color(0)
    pdf._out(f"{rects} f")  # noqa: SLF001 - fpdf2 has no public call for a many-rectangle path
