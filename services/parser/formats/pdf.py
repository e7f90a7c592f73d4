"""The ministry's letter as PDF, via pypdfium2 (chosen by measurement: see bench/).

The page is read by its layout (``pdf_layout``): the colofon column, running headers and
page feet are told apart from the running text by where they stand and the type they are
set in, not guessed from the words. The letter reader does the rest.
"""

from __future__ import annotations

import pypdfium2 as pdfium  # type: ignore[import-untyped]

from services.parser.draft import Draft
from services.parser.fields import body
from services.parser.fields.markdown import HEADING_MARK
from services.parser.formats.pdf_layout import HEADING_CHARS, Layout, Line, read_layout
from services.parser.formats.text import Source, read_letter
from shared.errors import Unprocessable
from shared.schema import Footnote


def extract_text(content: bytes) -> str:
    """All pages' text in PDFium's reading order, one page after another (the layout-blind
    text, kept for comparisons in ``bench/``). Raises ``Unprocessable`` for a broken PDF."""
    try:
        document = pdfium.PdfDocument(content)
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


def parse_pdf(content: bytes) -> Draft:
    """Read the letter's fields from its PDF."""
    layout = read_layout(content)
    if not any(line.text.strip() for line in layout.body + layout.colofon):
        raise Unprocessable("empty-body", "the PDF has no extractable text (a scan?)")
    return read_letter(to_source(layout))


def to_source(layout: Layout) -> Source:
    """The layout as the letter reader's input: body lines with bold lines as headings.

    When no page foot held footnotes in small type, the notes may be printed in the body's
    type: each page then ends in a page-break line, and the text's footnote rule looks for
    them at the foot of each page.
    """
    owners: list[Line | None] = []
    texts: list[str] = []
    by_geometry = bool(layout.notes)
    for page_lines in _pages(layout.body):
        owners.extend(page_lines)
        texts.extend(_body_lines(page_lines))
        if not by_geometry:
            owners.append(None)
            texts.append(f"Pagina {page_lines[0].page} van {layout.pages}")
    notes = [Footnote(number=note.number, text=note.text) for note in layout.notes]
    return Source(
        lines=body.remove_boilerplate_lines(texts),
        where=lambda index: _where(owners, index),
        colofon=[line.text for line in layout.colofon],
        colofon_where=lambda index: layout.colofon[index].where(),
        notes=notes if by_geometry else None,
        note_where=[note.lines[0].where() for note in layout.notes],
        pages=layout.pages,
    )


def _pages(lines: list[Line]) -> list[list[Line]]:
    """``lines`` cut where the page changes."""
    pages: list[list[Line]] = []
    for line in lines:
        if not pages or pages[-1][-1].page != line.page:
            pages.append([])
        pages[-1].append(line)
    return pages


def _where(owners: list[Line | None], index: int) -> str:
    owner = owners[index]
    return owner.where() if owner is not None else f"the end of a page (line {index + 1})"


def _body_lines(lines: list[Line]) -> list[str]:
    """Each line's text; a bold line is a heading, and a bold line that goes on in lower case
    continues the heading above it (its own slot is left empty, so indices still match
    ``lines``)."""
    texts: list[str] = []
    for index, line in enumerate(lines):
        heading = line.bold and 0 < len(line.text) <= HEADING_CHARS
        follows_heading = (index > 0 and heading and texts[-1].startswith(HEADING_MARK)
                           and lines[index - 1].page == line.page
                           and line.text[:1].islower() and not _ends_heading(texts[-1]))
        if follows_heading:
            texts[-1] = f"{texts[-1]} {line.text}"
            texts.append("")
        else:
            texts.append(HEADING_MARK + line.text if heading else line.text)
    return texts


def _ends_heading(text: str) -> bool:
    """A heading line that ends on a stop, a '?' or a ':' is complete."""
    return text.rstrip()[-1:] in ".?:!"
