"""Which PDF text library the parser uses: speed and quality on PDFs made from the real letters.

Run: ``.venv/bin/python bench/pdf_libraries.py`` (writes ``bench/results/pdf_libraries.md``).

The PDFs are constructed from the real letter texts (tests/unit/parser/makers.py): the
printed-lines layout for the two IenW letters, the wrapped-paragraph layout for the
Defensie letter. Quality is measured three ways per library:

- word recall: share of the source's words (as a multiset) found in the extracted text;
- line recall: share of the source's printed lines found verbatim as extracted lines
  (PDFium joins a line ending in a hyphen to the next one, so it loses a few here while
  the words and fields are the same);
- fields: how many of date, subject, reference, ministry and signers the parser reads
  correctly from the extracted text.
"""

from __future__ import annotations

import io
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from services.parser.formats.text import parse_text  # noqa: E402
from tests.unit.parser import makers  # noqa: E402

LETTERS = ROOT / "tests" / "fixtures" / "real" / "kamerbrieven-text"
RUNS = 7


def _pypdfium2(body: bytes) -> str:
    from services.parser.formats.pdf import extract_text

    return extract_text(body)


def _pypdf(body: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(body)).pages)


def _pdfminer(body: bytes) -> str:
    from pdfminer.high_level import extract_text

    return str(extract_text(io.BytesIO(body)))


LIBRARIES: dict[str, Callable[[bytes], str]] = {
    "pypdfium2": _pypdfium2, "pypdf": _pypdf, "pdfminer.six": _pdfminer,
}


def _cases() -> list[tuple[str, str, bytes, tuple[object, ...]]]:
    """(name, source text as laid out, PDF, expected fields)."""
    defensie = (LETTERS / "Kamerbrief_defensie_navo_dmm_2022.md").read_text()
    circulaire = (LETTERS / "Kamerbrief_circulaire_economie.txt").read_text()
    water = (LETTERS / "Kamerbrief_water_en_Bodem.txt").read_text()
    return [
        ("defensie (wrapped, 2 pages)", defensie, makers.markdown_pdf(defensie),
         ("2022-06-22", "Verslag bijeenkomst NAVO-ministers van Defensie op 15 en 16 juni "
          "2022 in Brussel", "BS2022015117", "def", ("drs. K.H. Ollongren",))),
        ("circulaire (printed, 7 pages)", circulaire, makers.printed_lines_pdf(circulaire),
         ("2023-02-03", "Nationaal Programma Circulaire Economie 2023-2030 (NPCE) incl. "
          "kabinetsreactie op ICER en SER-verkenning", "IENW/BSK-2023/33017", "ienw",
          ("drs. V.L.W.A. Heijnen",))),
        ("water (printed, 32 pages)", water, makers.printed_lines_pdf(water),
         ("2022-11-25", "Water en Bodem sturend", "IENW/BSK-2022/283041", "ienw",
          ("Mark Harbers", "drs. V.L.W.A. Heijnen"))),
    ]


def _words(text: str) -> Counter[str]:
    return Counter(makers.latin1(text).replace("*", "").replace("#", "").split())


def _word_recall(source: str, extracted: str) -> float:
    wanted = _words(source)
    return sum((wanted & _words(extracted)).values()) / max(1, sum(wanted.values()))


def _line_recall(source: str, extracted: str) -> float:
    lines = [makers.latin1(line).strip() for line in source.splitlines() if line.strip()]
    got = {" ".join(line.split()) for line in extracted.splitlines()}
    return sum(1 for line in lines if " ".join(line.split()) in got) / max(1, len(lines))


def _fields(extracted: str, expected: tuple[object, ...]) -> int:
    draft = parse_text(extracted)
    actual = (
        draft.document_date.isoformat() if draft.document_date else None,
        draft.subject, draft.reference, draft.ministry.code if draft.ministry else None,
        tuple(s.name for s in draft.signatories),
    )
    return sum(1 for a, e in zip(actual, expected, strict=True) if a == e)


def main() -> None:
    """Measure every library on every case and write the results table."""
    rows = ["| library | letter | median ms | word recall | line recall | fields (of 5) |",
            "|---|---|---:|---:|---:|---:|"]
    for library, extract in LIBRARIES.items():
        for name, source, pdf, expected in _cases():
            times = []
            for _ in range(RUNS):
                start = time.perf_counter()
                text = extract(pdf)
                times.append((time.perf_counter() - start) * 1000)
            rows.append(
                f"| {library} | {name} | {statistics.median(times):.1f} | "
                f"{_word_recall(source, text):.3f} | {_line_recall(source, text):.3f} | "
                f"{_fields(text, expected)} |"
            )
    table = "\n".join(rows)
    out = ROOT / "bench" / "results" / "pdf_libraries.md"
    note = ("Median of 7 extractions per PDF on a 2-core machine shared with other work, so "
            "absolute times wander between runs; the order and the ratios held in every run.")
    out.write_text(f"# PDF text libraries on PDFs made from the real letters\n\n{note}\n\n"
                   f"{table}\n")
    print(table)


if __name__ == "__main__":
    main()
