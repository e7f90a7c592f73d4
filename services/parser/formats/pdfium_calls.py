"""The PDFium calls of the PDF layout: a page's text page, its text, and per-line questions.

A page and its text page are opened and closed here with PDFium's own calls, not
pypdfium2's helper objects (which register a finalizer and a parent link for each: 25 µs
a page, against the layout's 5 µs a line); and the text is read as
``PdfTextPage.get_text_range()`` reads it.

pypdfium2 declares each PDFium function's argument types, so ctypes converts and checks
every argument on every call: of a rectangle lookup's 0.9 µs, 0.6 go to that. The layout
asks two or three such questions per printed line, so here the same C functions are
declared without argument types, which ctypes then passes as they come. That is only right
for what ctypes passes unconverted as the C type the function takes, so callers pass
exactly: a text page handle as ``text_page`` yields it (a ctypes pointer), an index as a
Python ``int`` (a C ``int``), and each out-parameter as ``ctypes.byref`` of a
``c_double`` or an ``FS_RECTF`` (see ``Buffers``). A float or a bare ``c_double`` would
be passed wrongly: only these signatures are declared here, and only ``pdf_layout``
calls them.
"""

from __future__ import annotations

import ctypes
from codecs import decode
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pypdfium2 as pdfium  # type: ignore[import-untyped]
import pypdfium2.raw as pdfium_c  # type: ignore[import-untyped]


@contextmanager
def text_page(document: pdfium.PdfDocument, index: int) -> Iterator[tuple[Any, float, float]]:
    """Page ``index``'s text page handle, the page's width and height; closed on leaving.
    Raises ``PdfiumError`` for a page PDFium cannot load, as pypdfium2's helpers do."""
    page = pdfium_c.FPDF_LoadPage(document.raw, index)
    if not page:
        raise pdfium.PdfiumError("Failed to load page.")
    try:
        width, height = pdfium_c.FPDF_GetPageWidthF(page), pdfium_c.FPDF_GetPageHeightF(page)
        textpage = pdfium_c.FPDFText_LoadPage(page)
        if not textpage:
            raise pdfium.PdfiumError("Failed to load text page.")
        try:
            yield textpage, width, height
        finally:
            pdfium_c.FPDFText_ClosePage(textpage)
    finally:
        pdfium_c.FPDF_ClosePage(page)


def page_text(textpage: Any) -> str:
    """All of the page's text, as ``PdfTextPage.get_text_range()`` gives it: characters
    PDFium leaves out of the text at either end are left out of the range asked for, so
    it reads nothing beyond it (crbug.com/pdfium/2079); undecodable units are dropped."""
    chars = pdfium_c.FPDFText_CountChars(textpage)
    if chars == -1:
        raise pdfium.PdfiumError("Failed to get character count.")
    text_index = pdfium_c.FPDFText_GetTextIndexFromCharIndex
    first, last = 0, chars - 1
    while first <= last and text_index(textpage, first) == -1:
        first += 1
    while last >= first and text_index(textpage, last) == -1:
        last -= 1
    if first > last:
        return ""
    size = text_index(textpage, last) + 2 - text_index(textpage, first)  # with the NUL
    buffer = (ctypes.c_ushort * size)()
    written = pdfium_c.FPDFText_GetText(textpage, first, last + 1 - first, buffer)
    return decode(memoryview(buffer)[:written - 1], "utf-16-le", errors="ignore")


def rect(textpage: Any, index: int) -> tuple[float, float, float, float]:
    """Rectangle ``index`` of the last ``FPDFText_CountRects``: left, bottom, right, top."""
    left, bottom, right, top = (ctypes.c_double() for _ in range(4))
    if not pdfium_c.FPDFText_GetRect(textpage, index, left, top, right, bottom):
        raise pdfium.PdfiumError("Failed to get rectangle.")
    return left.value, bottom.value, right.value, top.value


def bounded_text(textpage: Any, left: float, bottom: float, right: float, top: float) -> str:
    """The text PDFium finds inside the box, as ``PdfTextPage.get_text_bounded()`` gives it."""
    args = (textpage, left, top, right, bottom)
    chars = pdfium_c.FPDFText_GetBoundedText(*args, None, 0)
    if chars <= 0:
        return ""
    buffer = (ctypes.c_ushort * chars)()
    pdfium_c.FPDFText_GetBoundedText(*args, buffer, chars)
    return decode(buffer, "utf-16-le", errors="ignore")


def _unconverted(function: Any) -> Any:
    """The C function behind pypdfium2's ``function``, returning an ``int``, with no
    argument types declared."""
    address = ctypes.cast(function, ctypes.c_void_p).value
    bare: Any = ctypes.CFUNCTYPE(ctypes.c_int)(address or 0)
    bare.argtypes = None
    return bare


# FPDFText_GetRect(text_page, rect_index, *left, *top, *right, *bottom) -> FPDF_BOOL
get_rect = _unconverted(pdfium_c.FPDFText_GetRect)
# FPDFText_GetLooseCharBox(text_page, char_index, *FS_RECTF) -> FPDF_BOOL
get_loose_char_box = _unconverted(pdfium_c.FPDFText_GetLooseCharBox)
# FPDFText_GetFontWeight(text_page, char_index) -> int (-1 when unknown)
get_font_weight = _unconverted(pdfium_c.FPDFText_GetFontWeight)


class Buffers:
    """Out-parameters for the calls above, made once per page: a rectangle's four sides
    (``left`` … ``bottom``, with ``rect_args`` the references to pass in PDFium's order)
    and a character's loose box (``box``, passed as ``box_arg``)."""

    __slots__ = ("bottom", "box", "box_arg", "left", "rect_args", "right", "top")

    def __init__(self) -> None:
        self.left, self.top, self.right, self.bottom = (ctypes.c_double() for _ in range(4))
        self.rect_args = tuple(ctypes.byref(side) for side in (self.left, self.top, self.right,
                                                                self.bottom))
        self.box = pdfium_c.FS_RECTF()
        self.box_arg = ctypes.byref(self.box)
