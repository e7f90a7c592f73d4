"""CONSTRUCTED documents made from the real letters' text, for rules no real PDF shows us.

No real ministry letter PDF is recorded (see ``tests/fixtures/real/SOURCES.md``). These
lay a real letter's printed lines out as a Rijkshuisstijl-like PDF: the running text in
the left column, page 1's colofon in a narrow right column in small type (the letter's own
address, reference and bijlagen, under the Rijkshuisstijl labels), 'Kenmerk', 'Datum' and
'Pagina N van M' repeated in that column on later pages, bold headings, and each page's
footnotes in small type at its foot with superscript markers in the text.

Which lines are sidebar, footnote or heading is written out per letter below, from
reading the text, not found by the parser. Characters outside Latin-1 (the core font's)
become their plain equivalents (``makers.latin1``). The 'text' variants print the same
page as a pdftotext extraction does: one line per printed line, the colofon column as a
block between two body lines, markers glued to their words ('grondstoffen1.'), each page's
footnotes and then its 'Pagina N van M'.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from fpdf import FPDF

from tests.unit.parser.makers import latin1

LETTERS = Path(__file__).resolve().parents[1] / "fixtures" / "real" / "kamerbrieven-text"
_FOOTER = re.compile(r"^P\s?agina \d+ van \d+$")
_WIDTH, _HEIGHT = 595.0, 842.0
_BODY_X, _COLOFON_X = 70.0, 470.0
_BODY_SIZE, _COLOFON_SIZE, _NOTE_SIZE = 8.5, 6.5, 6.5


@dataclass(frozen=True)
class LetterSpec:
    """How one real letter's text is laid out (line numbers are 1-based, as in an editor)."""

    source: str
    last_line: int  # the page footer line that ends the part laid out
    sidebar: frozenset[str]  # printed sidebar and running-header lines, left out of the body
    notes: dict[int, str]  # first line of each footnote -> its number
    headings: frozenset[str]
    wordmark: tuple[str, ...]
    colofon: tuple[str, ...]  # page 1's colofon column
    running: tuple[str, ...]  # the colofon column of later pages (before 'Pagina N van M')


_IENW_SIDEBAR = frozenset({"Ministerie van", "Inf rastructuur en", "Waterstaat", "Rijnstraat 8",
                           "2 5 15 XP D en Haag", "P ostbus 20901", "2 5 00 E X Den Haag",
                           "T 0 7 0-456 0000", "F 0 7 0-456 1111", "Kenmerk", "Ons kenmerk",
                           "Bijlage(n)"})
_IENW_WORDMARK = ("Ministerie van Infrastructuur", "en Waterstaat")


def _ienw_colofon(label: str, reference: str, bijlagen: str) -> tuple[str, ...]:
    return ("Bezoekadres", "Rijnstraat 8", "2515 XP Den Haag", "Postadres", "Postbus 20901",
            "2500 EX Den Haag", "T 070-456 0000", "F 070-456 1111", "www.rijksoverheid.nl/ienw",
            label, reference, "Bijlage(n)", bijlagen)


SPECS = {
    "circulaire-economie": LetterSpec(
        source="Kamerbrief_circulaire_economie.txt", last_line=332,
        sidebar=_IENW_SIDEBAR | {"I E NW/BSK-2023/33017", "4"},
        notes={103: "1", 154: "2", 155: "3", 258: "4", 326: "5", 331: "6"},
        headings=frozenset({
            "De circulaire transitie versnellen",
            "Het Nationaal Programma Circulaire Economie 2023-2030 (NPCE)", "Maatregelen",
            "ICER en SER-verkenning",
            "Uitwerking ambitieus klimaatdoel voor de circulaire economie",
            "Data en monitoring", "Kabinetsbrede inzet op circulaire economie", "Tot slot",
            "Bijlage: Mogelijke aanvullende maatregelen op het NPCE"}),
        wordmark=_IENW_WORDMARK,
        colofon=_ienw_colofon("Kenmerk", "IENW/BSK-2023/33017", "4"),
        running=("Kenmerk", "IENW/BSK-2023/33017", "Datum", "3 februari 2023")),
    "water-en-bodem-p1-4": LetterSpec(
        source="Kamerbrief_water_en_Bodem.txt", last_line=222,
        sidebar=_IENW_SIDEBAR | {"I E NW/BSK-2022/283041", "3"},
        notes={102: "1", 108: "2", 160: "3", 161: "4", 218: "5"},
        headings=frozenset({"Uitgangspunten", "Niet afwentelen",
                            "Meer rekening houden met extremen", "Meerlaagsveiligheid",
                            "Integrale aanpak in de leefomgeving", "Comply or explain",
                            "Scope"}),
        wordmark=_IENW_WORDMARK,
        colofon=_ienw_colofon("Ons kenmerk", "IENW/BSK-2022/283041", "3"),
        running=("Ons kenmerk", "IENW/BSK-2022/283041", "Datum", "25 november 2022")),
}


@dataclass
class _Page:
    body: list[str]
    notes: list[list[str]]  # each note's printed lines, the first starting with its number


def build(name: str) -> bytes:
    """A constructed document by name: '<letter>-rijkshuisstijl-CONSTRUCTED.pdf' or
    '<letter>-pdftotext-CONSTRUCTED.txt'."""
    letter, _, kind = name.partition("-rijkshuisstijl-CONSTRUCTED.")
    if kind == "pdf":
        return rijkshuisstijl_pdf(letter)
    letter, _, kind = name.partition("-pdftotext-CONSTRUCTED.")
    if kind == "txt":
        return pdftotext_like(letter).encode("utf-8")
    raise KeyError(f"no constructed document {name!r}")


@cache
def rijkshuisstijl_pdf(letter: str) -> bytes:
    """The letter's text laid out as a Rijkshuisstijl-like PDF (see the module docstring)."""
    spec = SPECS[letter]
    pages = _pages(spec)
    pdf = FPDF(unit="pt", format="A4")
    pdf.set_auto_page_break(False)
    for number, page in enumerate(pages, start=1):
        pdf.add_page()
        _write_page(pdf, spec, page, number, len(pages))
    return bytes(pdf.output())


def pdftotext_like(letter: str) -> str:
    """The constructed PDF's page as text, columns interleaved (see the module docstring)."""
    spec = SPECS[letter]
    pages = _pages(spec)
    out: list[str] = []
    for number, page in enumerate(pages, start=1):
        column = list(spec.colofon if number == 1 else spec.running)
        if number == 1:
            out.extend(spec.wordmark)
        insert_at = _insert_at(number)
        for index, text in enumerate(page.body):
            out.append(text)
            if index == insert_at:
                out.extend(column)
        if len(page.body) <= insert_at:
            out.extend(column)
        out.extend(line for note in page.notes for line in note)
        out.append(f"Pagina {number} van {len(pages)}")
    return "\n".join(out) + "\n"


def _insert_at(page: int) -> int:
    """After which body line of a page its colofon column is written."""
    return 12 if page == 1 else 3


def _pages(spec: LetterSpec) -> list[_Page]:
    """The real text cut at its page footers, sidebar lines out, footnotes apart."""
    lines = (LETTERS / spec.source).read_text(encoding="utf-8").splitlines()[: spec.last_line]
    pages = [_Page([], [])]
    for number, raw in enumerate(lines, start=1):
        text = raw.strip()
        if _FOOTER.match(text):
            pages.append(_Page([], []))
        elif text in spec.sidebar or not text:
            continue
        elif number in spec.notes:
            pages[-1].notes.append([text])
        elif pages[-1].notes:
            pages[-1].notes[-1].append(text)
        else:
            pages[-1].body.append(text)
    return [page for page in pages if page.body or page.notes]


def _write_page(pdf: FPDF, spec: LetterSpec, page: _Page, number: int, total: int) -> None:
    """Colofon lines are written among the body lines (after the 12th on page 1, the 3rd
    later), as a composing program may: the reading order interleaves, the layout does not."""
    column = list(spec.colofon if number == 1 else spec.running)
    if number == 1:
        pdf.set_font("Helvetica", size=9)
        for row, text in enumerate(spec.wordmark):
            pdf.text(320, 50 + row * 11, latin1(text))
    markers = _markers(page)
    y = 140.0 if number == 1 else 90.0
    insert_at = _insert_at(number)
    for index, text in enumerate(page.body):
        _body_line(pdf, spec, text, y, markers.get(index, []))
        y += 11.5
        if index == insert_at:
            _colofon(pdf, column, 140.0 if number == 1 else 90.0)
    if len(page.body) <= insert_at:
        _colofon(pdf, column, 140.0 if number == 1 else 90.0)
    _notes(pdf, page.notes)
    pdf.set_font("Helvetica", size=_COLOFON_SIZE)
    pdf.text(_COLOFON_X, _HEIGHT - 40, f"Pagina {number} van {total}")


def _colofon(pdf: FPDF, column: list[str], top: float) -> None:
    pdf.set_font("Helvetica", size=_COLOFON_SIZE)
    for row, text in enumerate(column):
        pdf.text(_COLOFON_X, top + row * 9, latin1(text))


def _markers(page: _Page) -> dict[int, list[tuple[int, int]]]:
    """Body line index -> (start, end) of each footnote marker printed glued to the text.

    Each note's marker is its number right after a word, a bracket or a stop ('bouw3.',
    '(CDA).5', 'meerlaagsveiligheid 4.'), searched in order through the page's lines.
    """
    found: dict[int, list[tuple[int, int]]] = {}
    line, position = 0, 0
    for note in page.notes:
        number = _number(note[0])
        pattern = re.compile(rf"(?:(?<=[^\W\d_)])|(?<=\)\.)|(?<=[^\W\d_] )){number}(?=[\s.,;:)]|$)")
        while line < len(page.body):
            match = pattern.search(page.body[line], position)
            if match:
                found.setdefault(line, []).append((match.start(), match.end()))
                position = match.end()
                break
            line, position = line + 1, 0
    return found


def _body_line(pdf: FPDF, spec: LetterSpec, text: str, y: float,
               markers: list[tuple[int, int]]) -> None:
    bold = text in spec.headings
    x = _BODY_X
    position = 0
    for start, end in [*markers, (len(text), len(text))]:
        piece = latin1(text[position:start]).rstrip(" ") if start < len(text) else latin1(
            text[position:])
        pdf.set_font("Helvetica", style="B" if bold else "", size=_BODY_SIZE)
        pdf.text(x, y, piece)
        x += pdf.get_string_width(piece)
        if start < len(text):
            pdf.set_font("Helvetica", size=_BODY_SIZE * 0.6)
            pdf.text(x + 0.3, y - 3.2, text[start:end])
            x += pdf.get_string_width(text[start:end]) + 0.6
        position = end


def _notes(pdf: FPDF, notes: list[list[str]]) -> None:
    """The page's footnotes in small type above its bottom margin, numbers raised."""
    rows = sum(len(note) for note in notes)
    y = _HEIGHT - 60 - rows * 8.0
    for note in notes:
        number = _number(note[0])
        rest = note[0][len(number):].lstrip()  # '5https://…': the number glued to a URL
        pdf.set_font("Helvetica", size=_NOTE_SIZE * 0.7)
        pdf.text(_BODY_X, y - 2, number)
        pdf.set_font("Helvetica", size=_NOTE_SIZE)
        pdf.text(_BODY_X + 6, y, latin1(rest))
        y += 8.0
        for text in note[1:]:
            pdf.text(_BODY_X + 6, y, latin1(text))
            y += 8.0


def _number(first_line: str) -> str:
    """A footnote's number: the digits its first line starts with."""
    match = re.match(r"\d+", first_line)
    assert match is not None, first_line
    return match[0]
