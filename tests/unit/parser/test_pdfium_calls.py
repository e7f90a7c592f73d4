"""The layout's own PDFium calls answer as pypdfium2's helpers and declared functions do."""

from __future__ import annotations

import ctypes
from collections.abc import Iterator
from pathlib import Path

import pypdfium2 as pdfium  # type: ignore[import-untyped]
import pypdfium2.raw as pdfium_c  # type: ignore[import-untyped]
import pytest

from services.parser.formats import pdfium_calls
from tests.unit.parser import makers

# A real published PDF: its fonts declare their weights (regular and bold).
REAL = (Path(__file__).resolve().parents[2] / "fixtures" / "real" / "documents"
        / "bnc-fiche-5-mifir-herziening-2021.pdf")
HYPHENATED = "Bij het opstellen zijn de aanbevelingen van de SER-\nverkenning meegenomen."


@pytest.fixture(params=["real", "made"])
def document(request: pytest.FixtureRequest) -> Iterator[pdfium.PdfDocument]:
    body = REAL.read_bytes() if request.param == "real" else makers.printed_lines_pdf(HYPHENATED)
    opened = pdfium.PdfDocument(body)
    yield opened
    opened.close()


def test_page_text_and_size_are_pypdfium2s(document: pdfium.PdfDocument) -> None:
    for index in range(len(document)):
        page = document[index]
        helper = page.get_textpage()
        with pdfium_calls.text_page(document, index) as (textpage, width, height):
            assert helper.get_text_range() == pdfium_calls.page_text(textpage)
            assert page.get_size() == (width, height)
            rects = helper.count_rects()
            assert rects == pdfium_c.FPDFText_CountRects(textpage, 0, -1)
            for rect in range(rects):
                box = helper.get_rect(rect)
                assert box == pdfium_calls.rect(textpage, rect)
                assert helper.get_text_bounded(*box) == pdfium_calls.bounded_text(textpage, *box)
        helper.close()
        page.close()


def test_the_real_pdfs_weights_are_regular_and_bold() -> None:
    document = pdfium.PdfDocument(REAL.read_bytes())
    with pdfium_calls.text_page(document, 0) as (textpage, _, _):
        chars = pdfium_c.FPDFText_CountChars(textpage)
        weights = {pdfium_calls.get_font_weight(textpage, char) for char in range(chars)}
    document.close()
    assert {400, 700} <= weights


def test_unconverted_calls_answer_as_the_declared_ones(document: pdfium.PdfDocument) -> None:
    """Rectangles, loose character boxes and weights, per character."""
    with pdfium_calls.text_page(document, 0) as (textpage, _, _):
        rects = pdfium_c.FPDFText_CountRects(textpage, 0, -1)
        assert rects >= 2
        buffers = pdfium_calls.Buffers()
        for index in range(rects):
            pdfium_calls.get_rect(textpage, index, *buffers.rect_args)
            got = (buffers.left.value, buffers.bottom.value, buffers.right.value,
                   buffers.top.value)
            assert pdfium_calls.rect(textpage, index) == got
        weights = set()
        for char in range(pdfium_c.FPDFText_CountChars(textpage)):
            box = pdfium_c.FS_RECTF()
            found = pdfium_c.FPDFText_GetLooseCharBox(textpage, char, ctypes.byref(box))
            assert found == pdfium_calls.get_loose_char_box(textpage, char, buffers.box_arg)
            if found:
                assert (box.left, box.top, box.right, box.bottom) == (
                    buffers.box.left, buffers.box.top, buffers.box.right, buffers.box.bottom)
            weight = pdfium_c.FPDFText_GetFontWeight(textpage, char)
            assert weight == pdfium_calls.get_font_weight(textpage, char)
            weights.add(weight)
        assert weights - {-1}  # known weights were compared


def test_a_page_pdfium_cannot_load_raises_its_error(document: pdfium.PdfDocument) -> None:
    with pytest.raises(pdfium.PdfiumError), pdfium_calls.text_page(document, len(document)):
        pass
