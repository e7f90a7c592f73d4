"""The ministry's letter as PDF, via pypdfium2 (chosen by measurement: see bench/).

Text comes out one printed line per line, like the ministry PDFs everyone extracts; the
text reader does the rest.
"""

from __future__ import annotations

import pypdfium2 as pdfium  # type: ignore[import-untyped]

from services.parser.draft import Draft
from services.parser.formats.text import parse_text
from shared.errors import Unprocessable


def extract_text(body: bytes) -> str:
    """All pages' text, one page after another. Raises ``Unprocessable`` for a broken PDF."""
    try:
        document = pdfium.PdfDocument(body)
    except pdfium.PdfiumError as exc:
        raise Unprocessable("malformed-pdf", f"the PDF cannot be opened: {exc}") from exc
    try:
        pages = []
        for page in document:
            textpage = page.get_textpage()
            pages.append(textpage.get_text_range())
            textpage.close()
            page.close()
    finally:
        document.close()
    # PDFium joins a line ending in a hyphen to the next and marks the hyphen U+FFFE;
    # the letter printed a hyphen there ('SER-' / 'verkenning'), so a hyphen it is.
    return "\n".join(text.replace("\r\n", "\n").replace("\ufffe", "-") for text in pages)


def parse_pdf(body: bytes) -> Draft:
    """Read the letter's fields from its PDF."""
    text = extract_text(body)
    if not text.strip():
        raise Unprocessable("empty-body", "the PDF has no extractable text (a scan?)")
    return parse_text(text)
