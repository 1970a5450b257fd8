"""Reading a poster back as a person and a phone would: its page size, its text, its QR code.

Independent of how it was drawn: PDFium renders the page to pixels, zxing-cpp finds and decodes
the code in them, pypdf reads the page's size and text.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import pypdf
import pypdfium2
import zxingcpp
from PIL import Image

A4_POINTS = (595.28, 841.89)  # 210 x 297 mm at 72 points an inch


@dataclass(frozen=True)
class ReadPoster:
    """What a poster shows."""

    pages: int
    size_points: tuple[float, float]
    text: str
    codes: tuple[str, ...]  # every QR code found, decoded
    code_widths_cm: tuple[float, ...]  # each code's printed width, finder edge to finder edge


def read_pdf(data: bytes, *, scale: float = 2.0) -> ReadPoster:
    """Page count, first page's size and text, and the QR codes on it rendered at `scale`."""
    reader = pypdf.PdfReader(io.BytesIO(data))
    page = reader.pages[0]
    size = (float(page.mediabox.width), float(page.mediabox.height))
    document = pypdfium2.PdfDocument(data)
    try:
        image = document[0].render(scale=scale).to_pil()  # scale 1 = 72 pixels an inch
    finally:
        document.close()
    results = _qr_results(image)
    widths = tuple(
        abs(r.position.top_right.x - r.position.top_left.x) / scale / 72 * 2.54 for r in results
    )
    return ReadPoster(
        len(reader.pages), size, page.extract_text(), tuple(r.text for r in results), widths
    )


def qr_codes(image: Image.Image) -> tuple[str, ...]:
    """The QR codes zxing-cpp finds in `image`, decoded."""
    return tuple(result.text for result in _qr_results(image))


def _qr_results(image: Image.Image) -> list[zxingcpp.Barcode]:
    return [
        result
        for result in zxingcpp.read_barcodes(image)
        if result.format == zxingcpp.BarcodeFormat.QRCode
    ]


def read_png(data: bytes) -> tuple[tuple[int, int], tuple[str, ...]]:
    """A PNG's pixel size and the QR codes in it."""
    image = Image.open(io.BytesIO(data))
    return image.size, qr_codes(image)


def one_line(text: str) -> str:
    """Extracted text with its line breaks (the poster wraps long lines) made spaces."""
    return " ".join(text.split())
