"""The PDF layout reader on pages made here (``makers.py``): what it reads, and what it
spares itself asking PDFium for."""

from __future__ import annotations

import pypdfium2 as pdfium  # type: ignore[import-untyped]
import pytest

from services.parser.formats.pdf_layout import read_layout
from tests.unit.parser import makers

HYPHENATED = "\n".join([
    "Geachte voorzitter,",
    "Bij het opstellen van het programma zijn de aanbevelingen van de SER-",
    "verkenning (Kamerstuk 32852, nr. 1) meegenomen.",
    "Hoogachtend,",
])


def _no_bounded_text(*_: object) -> str:
    raise AssertionError("a rectangle's own text was asked for")


def test_a_hyphenated_line_end_is_two_printed_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    """PDFium writes a line that ends in a hyphen and its next line as one; they are read as
    the two printed lines, hyphen kept, without a pass over the page per rectangle."""
    body = makers.printed_lines_pdf(HYPHENATED)
    monkeypatch.setattr(pdfium.PdfTextPage, "get_text_bounded", _no_bounded_text)
    layout = read_layout(body)
    assert HYPHENATED.splitlines() == [line.text for line in layout.body]
    tops = [line.top for line in layout.body]
    assert tops == sorted(tops, reverse=True)  # each its own box, top to bottom
