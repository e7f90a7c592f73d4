"""Which library gives the PDF layout: pypdfium2's character boxes against pdfplumber's.

Run: ``.venv/bin/python bench/pdf_layout_libraries.py`` (writes
``bench/results/pdf_layout_libraries.md``).

The inputs are the corpus's constructed Rijkshuisstijl PDFs (``tests/corpus/constructed.py``:
two real letters' text with a colofon column, running header and small-type footnotes).
Per library: the median time to read every character's box and type size on every page,
and how many non-space characters it places in the colofon column (left edge beyond 75 %
of the page width) and in small type (below 90 % of the document's commonest size). The
layout only needs those two facts; where both libraries give the same counts, they see the
same page. The parser's own layout read
(``read_layout``: the same boxes, asked for only where they decide) is timed beside them.
"""

from __future__ import annotations

import ctypes
import io
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.corpus import constructed  # noqa: E402

RUNS = 5
_COLUMN, _SMALL = 0.75, 0.9
Char = tuple[float, float, str]  # left edge as share of page width, type size, character


def _pdfium_chars(body: bytes) -> list[Char]:
    import pypdfium2 as pdfium  # type: ignore[import-untyped]
    import pypdfium2.raw as pdfium_c  # type: ignore[import-untyped]

    chars: list[Char] = []
    document = pdfium.PdfDocument(body)
    try:
        for page in document:
            width = page.get_size()[0]
            textpage = page.get_textpage()
            left, right, bottom, top = (ctypes.c_double() for _ in range(4))
            for index in range(pdfium_c.FPDFText_CountChars(textpage.raw)):
                char = chr(pdfium_c.FPDFText_GetUnicode(textpage.raw, index))
                if char.isspace():
                    continue
                pdfium_c.FPDFText_GetCharBox(textpage.raw, index, left, right, bottom, top)
                size = pdfium_c.FPDFText_GetFontSize(textpage.raw, index)
                chars.append((left.value / width, round(size, 1), char))
            textpage.close()
            page.close()
    finally:
        document.close()
    return chars


def _pdfplumber_chars(body: bytes) -> list[Char]:
    import pdfplumber

    chars: list[Char] = []
    with pdfplumber.open(io.BytesIO(body)) as document:
        for page in document.pages:
            chars.extend((char["x0"] / page.width, round(char["size"], 1), char["text"])
                         for char in page.chars if not char["text"].isspace())
    return chars


def _counts(chars: list[Char]) -> tuple[int, int]:
    sizes = Counter(size for _, size, _ in chars)
    body = sizes.most_common(1)[0][0] if sizes else 0.0
    column = sum(1 for x, _, _ in chars if x >= _COLUMN)
    small = sum(1 for x, size, _ in chars if size < _SMALL * body and x < _COLUMN)
    return column, small


def _median_ms(read: Callable[[bytes], object], body: bytes) -> float:
    read(body)
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        read(body)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> None:
    """Measure both libraries on both constructed PDFs and write the table."""
    from services.parser.formats.pdf_layout import read_layout

    rows = ["| library | letter | median ms | column chars | small-type chars (body column) |",
            "|---|---|---:|---:|---:|"]
    for letter in constructed.SPECS:
        body = constructed.rijkshuisstijl_pdf(letter)
        for name, read in (("pypdfium2", _pdfium_chars), ("pdfplumber", _pdfplumber_chars)):
            column, small = _counts(read(body))
            rows.append(f"| {name} | {letter} | {_median_ms(read, body):.1f} | {column} | {small} |")
        rows.append(f"| pypdfium2 via `read_layout` | {letter} | "
                    f"{_median_ms(read_layout, body):.1f} | | |")
    table = "\n".join(rows)
    note = (f"Median of {RUNS} reads per PDF on a 2-core machine shared with other work; "
            "absolute times wander between runs, the ratios less.")
    out = ROOT / "bench" / "results" / "pdf_layout_libraries.md"
    out.write_text(f"# PDF layout libraries on the constructed Rijkshuisstijl PDFs\n\n{note}\n\n"
                   f"{table}\n", encoding="utf-8")
    print(table)


if __name__ == "__main__":
    main()
