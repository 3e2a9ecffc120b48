"""Reading what the card renderers produce: PDF text and pages, and the QR symbols in them."""
import io
import re
import xml.etree.ElementTree as ET

import zxingcpp
from PIL import Image, ImageDraw
from pypdf import PdfReader
from pypdf.generic import ContentStream

PX_PER_MM = 8
PX_PER_PT = PX_PER_MM * 25.4 / 72


def read_pdf(data):
    """Return the PDF's reader."""
    return PdfReader(io.BytesIO(data))


def pdf_text(data):
    """Return the text of every page."""
    return "\n".join(page.extract_text() for page in read_pdf(data).pages)


def raster_page(reader, number=0):
    """Paint the page's filled rectangles (the QR modules) black on white and return the image.

    There is no PDF renderer in the test environment; the symbols are drawn as rectangles, so
    painting those is an exact rendering of them (text is left out).
    """
    page = reader.pages[number]
    width, height = float(page.mediabox.width), float(page.mediabox.height)
    image = Image.new("L", (round(width * PX_PER_PT), round(height * PX_PER_PT)), 255)
    draw, pending = ImageDraw.Draw(image), []
    for operands, operator in ContentStream(page.get_contents(), reader).operations:
        if operator == b"re":
            pending.append([float(value) for value in operands])
        elif operator in (b"f", b"f*"):
            for x, y, w, h in pending:
                (left, right), (bottom, top) = sorted([x, x + w]), sorted([y, y + h])
                draw.rectangle([left * PX_PER_PT, (height - top) * PX_PER_PT,
                                right * PX_PER_PT - 1, (height - bottom) * PX_PER_PT - 1], fill=0)
            pending = []
        elif operator in (b"S", b"s", b"n", b"B", b"b"):
            pending = []
    return image


def decode_all(image):
    """Return the texts of every QR code found in ``image``."""
    return sorted(barcode.text for barcode in zxingcpp.read_barcodes(image) if barcode.valid)


def raster_svg(data, scale=10):
    """Paint an SVG made of one path of rectangles (``M x,y H x V y H x z`` or ``M x y h n v1 h-n z``)."""
    root = ET.fromstring(data)
    size = float(root.get("viewBox").split()[2])
    image = Image.new("L", (round(size * scale), round(size * scale)), 255)
    draw = ImageDraw.Draw(image)
    path = root.find("{http://www.w3.org/2000/svg}path").get("d")
    for x, y, x2, y2 in re.findall(r"M([\d.]+),([\d.]+)H([\d.]+)V([\d.]+)H[\d.]+z", path):
        draw.rectangle([float(x) * scale, float(y) * scale, float(x2) * scale - 1, float(y2) * scale - 1], fill=0)
    for x, y, n in re.findall(r"M([\d.]+) ([\d.]+)h([\d.]+)v1h-[\d.]+z", path):
        x, y, n = float(x), float(y), float(n)
        draw.rectangle([x * scale, y * scale, (x + n) * scale - 1, (y + 1) * scale - 1], fill=0)
    return root, image
