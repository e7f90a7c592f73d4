"""A PDF's text by where it stands on the page, not by the order it was written in.

PDFium gives each page's text as rectangles (runs of characters on one line in one style);
the character in each rectangle's middle gives its type size (its loose box) and weight. From
that geometry this module sorts a page into regions:

- the **colofon**: the Rijkshuisstijl's narrow right column (address, 'Kenmerk', 'Datum',
  'Pagina N van M'), set off from the body by a horizontal gap; on page 1 it is kept for
  the letterhead, on later pages it is a running header and dropped;
- the **logo**: text at the top of page 1 right of the middle (the ministry's wordmark);
- the **foot**: rows at the bottom of a page in smaller type than the body, or below a wide
  vertical gap; rows there that start with a footnote number are footnotes, the rest is
  the page footer (dropped);
- the **body**: everything else, one row per printed line, in reading order. Footnote
  markers (digits in small type inside a body row) are taken out of the text and kept.

All coordinates are PDF points with y growing upwards, as PDFium reports them.
"""

from __future__ import annotations

import ctypes
import math
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from typing import TypeVar

import pypdfium2 as pdfium  # type: ignore[import-untyped]
import pypdfium2.raw as pdfium_c  # type: ignore[import-untyped]

from services.parser.fields.body import is_page_footer
from services.parser.fields.footnotes import join_note_lines
from services.parser.formats import pdfium_calls
from services.parser.formats.pdfium_calls import Buffers
from shared.errors import Unprocessable

_COLOFON_X = 0.68  # the colofon column starts right of this fraction of the page width
_COLUMN_GAP = 18.0  # points of empty space that separate two columns on one row
_LOGO_TOP = 0.86  # page 1 rows above this fraction of the height, right of the middle
_SMALL = 0.93  # a row in type below this share of the body size is small type
_MARKER = 0.8  # a footnote marker is set below this share of its row's type size
_FOOT_GAP = 3.5  # a gap of this many body line heights sets off the page foot
_FOOT_ZONE = 0.3  # ... when it lies in the bottom part of the page
_NOTE_START = re.compile(r"^(\d{1,3})(?:\s+|(?=[^\W\d_]))(\S.*)?$")
_PDFIUM_CHARS = str.maketrans({"\x02": "-", "\ufffe": "-", "\r": "", "\n": " "})
HEADING_CHARS = 80  # a bold line longer than this is emphasis in running text, no heading
_STYLED_BELOW = 0.4  # every line in this lower part of a page has its style looked up
_WORD_GAP = 0.22  # em: wider gaps between two spans are a word space
_DIGITS = re.compile(r"^\d{1,3}$")
_AFTER_MARK = re.compile("(?<=[\x02\ufffe])")  # just after PDFium's line-end hyphen mark
_T = TypeVar("_T")


@dataclass(slots=True)
class Span:
    """One PDFium text rectangle: its text, box, type size and whether it is bold."""

    text: str
    x0: float
    y0: float
    x1: float
    y1: float
    size: float
    bold: bool
    # 0 for a measured rectangle; else the line's number on its page: a long line of
    # running text whose box was not asked for (see ``_one_rect_per_line``).
    unmeasured: int = 0


@dataclass(slots=True, init=False)
class Line:
    """One printed line of one region of a page; its measures are taken once, on creation.

    Most lines are one rectangle. Such a line (``Line.of_rect``) holds that rectangle's
    box, text and style itself and makes its one ``Span`` only when asked for ``spans``
    (a footnote's text, a page whose rows are grouped by their boxes): a page's lines are
    then one object each to the garbage collector (four a line, as they were, cost 5–8 %
    of a long run's parse in collections: a letter's lines live until it is sorted).
    """

    page: int
    text: str
    markers: tuple[str, ...]  # the footnote markers taken out of ``text`` (``_write``)
    size: float  # the type size most of its characters are set in
    bold: bool  # whether every character is bold
    top: float
    bottom: float
    x0: float  # where its first span starts
    # 0 for a measured line; else its number on its page (see ``Span.unmeasured``).
    unmeasured: int
    parts: tuple[Span, ...] | None  # its spans; None: the one rectangle held below
    rect_text: str  # the text of that one rectangle
    x1: float  # where that rectangle ends

    def __init__(self, page: int, spans: tuple[Span, ...]) -> None:
        first = spans[0]
        self.page, self.text, self.markers, self.parts = page, "", (), spans
        self.x0, self.x1, self.unmeasured, self.rect_text = (first.x0, first.x1,
                                                             first.unmeasured, first.text)
        if len(spans) == 1:
            self.size, self.bold, self.top, self.bottom = (first.size, first.bold, first.y1,
                                                           first.y0)
            return
        weights: Counter[float] = Counter()
        for span in spans:
            weights[round(span.size, 1)] += len(span.text.strip())
        self.size = weights.most_common(1)[0][0] if weights else 0.0
        self.bold = all(span.bold for span in spans if span.text.strip())
        self.top = max(span.y1 for span in spans)
        self.bottom = min(span.y0 for span in spans)

    @classmethod
    def of_rect(cls, page: int, text: str, x0: float, y0: float, x1: float, y1: float,
                size: float, bold: bool, unmeasured: int = 0) -> Line:
        """The line of one rectangle (the arguments of its ``Span``), without the span."""
        # Written out, not generated: a page makes one per printed line.
        line = _new_line(cls)
        line.page = page
        line.text = ""
        line.markers = ()
        line.size = size
        line.bold = bold
        line.top = y1
        line.bottom = y0
        line.x0 = x0
        line.unmeasured = unmeasured
        line.parts = None
        line.rect_text = text
        line.x1 = x1
        return line

    @property
    def spans(self) -> tuple[Span, ...]:
        """Its spans, left to right."""
        if self.parts is not None:
            return self.parts
        return (Span(self.rect_text, self.x0, self.bottom, self.x1, self.top, self.size,
                     self.bold, self.unmeasured),)

    def where(self) -> str:
        """'page 2, box (72,640)-(514,652)' for ``--explain``."""
        if self.unmeasured:
            return f"page {self.page}, printed line {self.unmeasured}"
        x0, x1 = self.x0, self.x1
        if self.parts is not None:
            x0 = min(span.x0 for span in self.parts)
            x1 = max(span.x1 for span in self.parts)
        return f"page {self.page}, box ({x0:.0f},{self.bottom:.0f})-({x1:.0f},{self.top:.0f})"


_new_line = object.__new__  # a Line without running __init__ (see Line.of_rect)


@dataclass
class Note:
    """A footnote read from a page's foot: its number, text and the lines it came from."""

    number: str
    text: str
    lines: list[Line]


@dataclass
class Layout:
    """A PDF's text sorted into regions (see the module docstring)."""

    body: list[Line] = field(default_factory=list)
    colofon: list[Line] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    dropped: list[Line] = field(default_factory=list)
    pages: int = 0


def read_layout(body: bytes) -> Layout:
    """The regions of every page. Raises ``Unprocessable`` for a PDF that cannot be opened."""
    try:
        document = pdfium.PdfDocument(body)
    except pdfium.PdfiumError as exc:
        raise Unprocessable("malformed-pdf", f"the PDF cannot be opened: {exc}") from exc
    try:
        buffers = Buffers()  # PDFium's out-parameters, made once for the document
        pages = [_page_rows(document, index, buffers) for index in range(len(document))]
    finally:
        document.close()
    return _sort(pages)


_Page = tuple[float, float, list[Line]]  # width, height, rows (segments) top to bottom


def _page_rows(document: pdfium.PdfDocument, index: int, buffers: Buffers) -> _Page:
    page = index + 1
    lines: list[Line] | None = None
    with pdfium_calls.text_page(document, index) as (textpage, width, height):
        text = pdfium_calls.page_text(textpage)  # one pass over the page
        printed = _printed_lines(text)
        if pdfium_c.FPDFText_CountRects(textpage, 0, -1) == len(printed):
            # one rectangle per printed line: lines without spans (``Line.of_rect``)
            lines = _one_rect_per_line(textpage, printed, height, partial(Line.of_rect, page),
                                       buffers)
        else:
            spans = _line_spans(textpage, text, height, buffers)
    if lines is not None:
        if _one_per_row(lines):  # the common page: no row holds two rectangles
            return width, height, lines
        spans = [line.spans[0] for line in lines]
        if any(span.unmeasured for span in spans):  # rows are grouped by boxes: measure all
            with pdfium_calls.text_page(document, index) as (textpage, _, height):
                spans = _spans(textpage, height, buffers, every=True)
    return width, height, _segments(_rows(spans), page, width)


def _one_per_row(lines: list[Line]) -> bool:
    """Whether each rectangle lies below the one before it, overlapping it (ascenders on
    descenders) by less than ``_rows`` asks of a row: each is a row of its own, already in
    reading order, and the grouping would change nothing."""
    before: Line | None = None
    for after in lines:
        if after.unmeasured:
            continue
        if before is not None:
            # 0.5 * min(...) of both heights, as _rows has it
            height, other = after.top - after.bottom, before.top - before.bottom
            if not (after.top - before.bottom < 0.5 * (other if other < height else height)
                    and after.top < before.top):
                return False
        before = after
    return True


def _spans(textpage: object, height: float, buffers: Buffers, *, every: bool = False
           ) -> list[Span]:
    """The page's text rectangles with the type size and weight of their characters.

    PDFium's page text has one line per printed line, except where it joined a line ending
    in a hyphen to the next (see ``_printed_lines``). On most pages each printed line is
    one rectangle, whose text is the line's and whose style is its first character's. Only
    on a page with lines of several rectangles (a column gap, a marker, a change of type)
    is each rectangle's text asked for (``_line_spans``), which costs a pass over the page
    each time.
    """
    text = pdfium_calls.page_text(textpage)  # one pass over the page
    printed = _printed_lines(text)
    if pdfium_c.FPDFText_CountRects(textpage, 0, -1) == len(printed):
        return _one_rect_per_line(textpage, printed, height, Span, buffers, every=every)
    return _line_spans(textpage, text, height, buffers)


def _line_spans(textpage: object, text: str, height: float, buffers: Buffers) -> list[Span]:
    """The spans of a page (of ``text``) whose lines are not all one rectangle: line by
    line, the rectangles of a line of several each with its own text, all measured."""
    raw = textpage
    spans: list[Span] = []
    style = (0.0, False)
    position = 0
    for piece in _marked_as_hyphens(text).split("\r\n"):
        start, position = position, position + len(piece) + 2
        stripped = piece.strip()
        if not stripped:
            continue
        count = pdfium_c.FPDFText_CountRects(raw, start, len(piece))
        if count == 1:  # this line is one rectangle: the fast way, as above
            printed = [(start + piece.index(stripped[0]), stripped)]
            line = _one_rect_per_line(raw, printed, height, Span, buffers, every=True)
            spans.extend(line)
            style = (line[0].size, line[0].bold) if line else style
            continue
        for index in range(count):
            span, style = _bounded_span(textpage, index, style)
            if span is not None:
                spans.append(span)
    return spans


def _marked_as_hyphens(text: str) -> str:
    """``text`` with PDFium's line-end hyphen marks made the printed '-'."""
    if "\x02" in text or "\ufffe" in text:  # replace() is many times faster than translate()
        text = text.replace("\x02", "-").replace("\ufffe", "-")
    return text


def _printed_lines(text: str) -> list[tuple[int, str]]:
    """The page text's printed lines that hold any text: the index of each one's first
    character that is not a space, and its text without the spaces around it.

    Where a printed line ends in a hyphen and the word goes on in the next, PDFium writes
    no line break but a mark in the hyphen's place and goes on with the next line: the
    text is cut after that mark too (one rectangle each side of it), and the mark made '-'.
    """
    printed: list[tuple[int, str]] = []
    position = 0
    if "\x02" not in text and "\ufffe" not in text:  # the common page: no hyphen marks
        for piece in text.split("\r\n"):
            stripped = piece.strip()
            if stripped:
                printed.append((position + piece.index(stripped[0]), stripped))
            position += len(piece) + 2  # and the line break
        return printed
    for piece in text.split("\r\n"):
        parts = _AFTER_MARK.split(piece) if "\x02" in piece or "\ufffe" in piece else (piece,)
        for part in parts:
            stripped = part.strip()
            if stripped:
                printed.append((position + part.index(stripped[0]), _marked_as_hyphens(stripped)))
            position += len(part)
        position += 2  # the line break
    return printed


def _one_rect_per_line(raw: object, lines: list[tuple[int, str]], height: float,
                       make: Callable[[str, float, float, float, float, float, bool, int], _T],
                       buffers: Buffers, *, every: bool = False) -> list[_T]:
    """The page (or one line) whose rectangles are as many as its printed ``lines`` (the
    index of the first character, the text; see ``_printed_lines``), one each, in order,
    after the last ``FPDFText_CountRects``: each line's text is its rectangle's, its style
    its first character's. Each is made by ``make`` from a ``Span``'s fields.

    Asking PDFium for a line's box and style costs three calls, so it is done where the
    answer decides something (all lines with ``every``): in the lower part of the page,
    where the foot is told by its smaller type and a gap, box and size; higher up, the box
    and boldness of lines short enough to be a colofon line or a heading. A longer line
    higher up is running text in the type of the first line measured.
    """
    box, box_arg, left, top, right, bottom = (buffers.box, buffers.box_arg, buffers.left,
                                              buffers.top, buffers.right, buffers.bottom)
    left_arg, top_arg, right_arg, bottom_arg = buffers.rect_args
    get_rect, weight, loose_box = pdfium_calls.get_rect, pdfium_calls.get_font_weight, \
        pdfium_calls.get_loose_char_box
    count = len(lines)
    tail = count - max(3, int(count * _STYLED_BELOW))  # lines from here on are measured
    made: list[_T] = []
    plain: float | None = None  # the type size of the first line measured
    nan = math.nan
    for rect, (first, stripped) in enumerate(lines, start=1):
        upper = plain is not None and rect <= tail and not every
        if upper and len(stripped) > HEADING_CHARS:
            made.append(make(stripped, nan, nan, nan, nan, plain or 0.0, False, rect))
            continue
        get_rect(raw, rect - 1, left_arg, top_arg, right_arg, bottom_arg)
        if upper:  # higher up only boldness decides (a heading): the size is the page's
            size, bold = plain or 0.0, weight(raw, first) >= 600
        elif loose_box(raw, first, box_arg):
            size, bold = box.top - box.bottom, weight(raw, first) >= 600
        else:  # a character PDFium cannot place: the page's type, or none
            size, bold = plain or 0.0, False
        if plain is None:
            plain = size
        made.append(make(stripped, left.value, bottom.value, right.value, top.value, size, bold,
                         0))
    return made


def _bounded_span(textpage: object, index: int,
                  style: tuple[float, bool]) -> tuple[Span | None, tuple[float, bool]]:
    """Rectangle ``index`` of the last ``FPDFText_CountRects`` call, with its own text."""
    x0, y0, x1, y1 = pdfium_calls.rect(textpage, index)
    text = pdfium_calls.bounded_text(textpage, x0, y0, x1, y1)
    if not text.strip():
        return None, style
    char = _char_at(textpage, x0, y0, x1, y1)
    # A character PDFium cannot place keeps the style of the one before it.
    style = (_style(textpage, char) if char >= 0 else None) or style
    return Span(text.translate(_PDFIUM_CHARS), x0, y0, x1, y1, *style), style


def _style(raw: object, char: int) -> tuple[float, bool] | None:
    """The type size (height of the loose character box) and boldness of one character."""
    box = pdfium_c.FS_RECTF()
    if not pdfium_c.FPDFText_GetLooseCharBox(raw, char, ctypes.byref(box)):
        return None
    return box.top - box.bottom, pdfium_c.FPDFText_GetFontWeight(raw, char) >= 600


def _char_at(raw: object, x0: float, y0: float, x1: float, y1: float) -> int:
    """A character of the rectangle: the one in its middle (its edge may be nearer a
    neighbour in other type), else the one at its left edge; -1 when PDFium finds none."""
    middle = (y0 + y1) / 2
    char: int = pdfium_c.FPDFText_GetCharIndexAtPos(raw, (x0 + x1) / 2, middle, 1.0, 1.0)
    if char < 0:
        char = pdfium_c.FPDFText_GetCharIndexAtPos(raw, x0 + 0.5, middle, 2.0, 2.0)
    return char


def _rows(spans: list[Span]) -> list[list[Span]]:
    """Spans grouped into printed rows (vertical overlap), top to bottom, left to right."""
    rows: list[list[Span]] = []
    bands: list[tuple[float, float]] = []
    for span in sorted(spans, key=lambda s: -s.y1):
        for back in range(len(rows) - 1, max(-1, len(rows) - 4), -1):
            low, high = bands[back]
            if span.y1 <= low:  # wholly below the row: no overlap (the common case)
                continue
            overlap = min(high, span.y1) - max(low, span.y0)
            if overlap >= 0.5 * min(high - low, span.y1 - span.y0):
                rows[back].append(span)
                bands[back] = (min(low, span.y0), max(high, span.y1))
                break
        else:
            rows.append([span])
            bands.append((span.y0, span.y1))
    return [sorted(row, key=lambda s: s.x0) for row in rows]


def _segments(rows: list[list[Span]], page: int, width: float) -> list[Line]:
    """Each row split where a column starts: a gap, then text right of the colofon line."""
    lines: list[Line] = []
    for row in rows:
        current = [row[0]]
        for span in row[1:]:
            if span.x0 - current[-1].x1 > _COLUMN_GAP and span.x0 >= _COLOFON_X * width:
                lines.append(Line(page, tuple(current)))
                current = []
            current.append(span)
        lines.append(Line(page, tuple(current)))
    return lines


def _sort(pages: list[_Page]) -> Layout:
    """Assign every line a region, then write the body and footnote texts."""
    layout = Layout(pages=len(pages))
    body_size = _body_size(pages)
    feet: list[Line] = []
    for width, height, lines in pages:
        in_body = []
        for line in lines:
            region = _region(line, width, height)
            if region == "colofon" and line.page == 1:
                layout.colofon.append(line)
            elif region == "body":
                in_body.append(line)
            else:
                layout.dropped.append(line)
        foot = _foot(in_body, height, body_size)
        layout.body.extend(in_body[: len(in_body) - len(foot)])
        feet.extend(foot)
    layout.notes = _notes(feet, layout.dropped)
    numbers = {note.number for note in layout.notes}
    for line in layout.body + layout.colofon:
        _write(line, numbers)
    return layout


def _body_size(pages: list[_Page]) -> float:
    """The type size most characters of the document are set in (to a tenth of a point;
    the first such size met wins a tie)."""
    exact: Counter[float] = Counter()  # rounded once per size, not once per rectangle
    for _, _, lines in pages:
        for line in lines:
            if line.parts is None:  # one rectangle, no Span made
                exact[line.size] += len(line.rect_text)
                continue
            for span in line.parts:
                exact[span.size] += len(span.text)
    weights: Counter[float] = Counter()
    for size, chars in exact.items():  # in the order first met
        weights[round(size, 1)] += chars
    return weights.most_common(1)[0][0] if weights else 0.0


def _region(line: Line, width: float, height: float) -> str:
    """'colofon', 'running' (page numbers) or 'body'."""
    spans = line.parts
    x0 = line.x0
    text = line.rect_text.strip() if spans is None or len(spans) == 1 else "".join(
        span.text for span in spans).strip()
    if is_page_footer(text):
        return "running"
    if x0 >= _COLOFON_X * width:
        return "colofon"
    if line.page == 1 and line.bottom >= _LOGO_TOP * height and x0 >= width / 2:
        return "colofon"  # the ministry's wordmark
    return "body"


def _foot(lines: list[Line], height: float, body_size: float) -> list[Line]:
    """The page's foot: its last rows in small type, and the rows below a wide gap near
    the bottom when some of them are in small type (a printed footer of mixed sizes)."""
    start = len(lines)
    while start > 0 and lines[start - 1].size < _SMALL * body_size:
        start -= 1
    line_height = body_size or 10.0
    for index in range(len(lines) - 1, 0, -1):
        if lines[index].top > _FOOT_ZONE * height:
            break
        if lines[index - 1].bottom - lines[index].top > _FOOT_GAP * line_height:
            if any(span.size < _SMALL * body_size for line in lines[index:] for span in line.spans):
                start = min(start, index)
            break
    return lines[start:]


def _notes(foot: list[Line], dropped: list[Line]) -> list[Note]:
    """Footnotes from the page feet, numbered on from one page to the next.

    A foot row that starts with the next footnote number starts a note; later rows continue
    it; rows before the first note (a printed page footer) are dropped.
    """
    notes: list[Note] = []
    expected = 1
    for line in foot:
        text = _joined(line.spans)
        match = _NOTE_START.match(text)
        if match and int(match[1]) == expected:
            notes.append(Note(match[1], (match[2] or "").strip(), [line]))
            expected += 1
        elif notes and line.page == notes[-1].lines[-1].page:
            notes[-1].text = join_note_lines(notes[-1].text, text)
            notes[-1].lines.append(line)
        else:
            dropped.append(line)
    return notes


def _write(line: Line, numbers: set[str]) -> None:
    """Fill ``line.text``, leaving out footnote markers of ``numbers`` (kept in ``markers``)."""
    if line.parts is None or len(line.parts) == 1:
        line.text = line.rect_text.strip()
        return
    size = line.size
    kept: list[Span] = []
    markers: list[str] = []
    for span in line.spans:
        text = span.text.strip()
        if (kept and text in numbers and span.size < _MARKER * size and _DIGITS.match(text)
                and span.y0 >= kept[-1].y0 - 0.5):
            markers.append(text)
            # The text goes on where the marker ends: no word space where it stood.
            kept[-1] = replace(kept[-1], x1=span.x1)
            continue
        kept.append(span)
    line.text = _joined(kept)
    if markers:
        line.markers = tuple(markers)


def _joined(spans: Sequence[Span]) -> str:
    """The spans' texts left to right; a space where the print leaves one between them."""
    parts: list[str] = []
    previous: Span | None = None
    for span in spans:
        # Kerning leaves up to ~0.19 em inside a word; a word space is wider and is usually
        # a character of one of the two spans already.
        if previous is not None and span.x0 - previous.x1 > _WORD_GAP * previous.size and (
                not parts[-1].endswith(" ") and not span.text.startswith(" ")):
            parts.append(" ")
        parts.append(span.text)
        previous = span
    return " ".join("".join(parts).split())
