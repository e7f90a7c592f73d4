"""The PDF layout reader on pages made here (``makers.py``): what it reads, and what it
spares itself asking PDFium for."""

from __future__ import annotations

import dataclasses

import pytest

from services.parser.formats import pdf_layout, pdfium_calls
from services.parser.formats.pdf_layout import Line, Span, _body_size, read_layout
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
    monkeypatch.setattr(pdfium_calls, "bounded_text", _no_bounded_text)
    layout = read_layout(body)
    assert HYPHENATED.splitlines() == [line.text for line in layout.body]
    tops = [line.top for line in layout.body]
    assert tops == sorted(tops, reverse=True)  # each its own box, top to bottom


def _line(size: float, text: str) -> Line:
    return Line(1, (Span(text, 0.0, 0.0, 1.0, 1.0, size, False),))


def test_body_size_counts_characters_per_tenth_of_a_point() -> None:
    """Sizes that round to the same tenth add up (10.01 and 9.99 outweigh 12.0 together,
    not alone); between equal counts the size met first wins."""
    page = [_line(10.01, "abc"), _line(12.0, "defgh"), _line(9.99, "ijk")]
    assert 10.0 == _body_size([(595.0, 842.0, page)])
    assert 12.0 == _body_size([(595.0, 842.0, [_line(12.0, "ab"), _line(9.0, "cd")])])



def test_a_page_of_one_rectangle_per_line_makes_no_spans(monkeypatch: pytest.MonkeyPatch) -> None:
    """Such a page's lines hold their rectangle themselves (one object a line for the
    garbage collector); a span is made only when asked for, as for a footnote's text."""
    body = makers.printed_lines_pdf(HYPHENATED)
    monkeypatch.setattr(pdf_layout, "Span", _no_span)
    layout = read_layout(body)
    assert HYPHENATED.splitlines() == [line.text for line in layout.body]
    assert all(line.where().startswith("page 1, box (") for line in layout.body)


def _no_span(*_: object) -> Span:
    raise AssertionError("a span was made")


def test_a_line_of_one_rectangle_gives_its_span_when_asked() -> None:
    span = Span("Hoogachtend,", 70.0, 640.0, 130.0, 650.0, 9.0, True)
    line = Line.of_rect(2, *dataclasses.astuple(span))
    assert (span,) == line.spans
    assert Line(2, (span,)).where() == line.where() == "page 2, box (70,640)-(130,650)"
