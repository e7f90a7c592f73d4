"""PDF, DOCX and HTML: each tested on documents these tests make from the real letter texts.

The PDFs, DOCX files and HTML pages are constructed here (see ``makers.py``); the words
are the real letters'. Each must give the same fields as the letter's text.
"""

from __future__ import annotations

from datetime import date

import pytest

from services.parser.parse import parse_bytes
from shared.errors import Unprocessable
from shared.schema import Kamerbrief, Signatory
from tests.unit.parser import makers
from tests.unit.parser.conftest import LETTERS

DEFENSIE_MD = (LETTERS / "Kamerbrief_defensie_navo_dmm_2022.md").read_text()
CIRCULAIRE_TXT = (LETTERS / "Kamerbrief_circulaire_economie.txt").read_text()
WATER_TXT = (LETTERS / "Kamerbrief_water_en_Bodem.txt").read_text()
OLLONGREN = Signatory(name="drs. K.H. Ollongren", role="De Minister van Defensie")
HEADINGS = [None, "Werkdiner", "Afschrikking en verdediging", "Lastenverdeling",
            "Contactgroep voor de verdediging van Oekraïne"]


@pytest.fixture(
    scope="module",
    params=[("pdf", makers.markdown_pdf), ("docx", makers.markdown_docx),
            ("html", makers.markdown_html)],
    ids=["pdf", "docx", "html"],
)
def defensie_as(request: pytest.FixtureRequest) -> Kamerbrief:
    """The reference letter made into each format, then parsed with format detection."""
    _, make = request.param
    return parse_bytes(make(DEFENSIE_MD))


def test_reference_letter_fields_in_every_format(defensie_as: Kamerbrief) -> None:
    """Date, subject, reference, addressee, ministry and signer survive the format."""
    assert date(2022, 6, 22) == defensie_as.document_date
    assert ("Verslag bijeenkomst NAVO-ministers van Defensie op 15 en 16 juni 2022 in Brussel"
            == defensie_as.subject)
    assert ("BS2022015117", "de Voorzitter van de Tweede Kamer der Staten-Generaal") == (
        defensie_as.reference, defensie_as.addressee)
    assert defensie_as.ministry is not None and "def" == defensie_as.ministry.code
    assert [OLLONGREN] == defensie_as.signatories


def test_reference_letter_body_in_every_format(defensie_as: Kamerbrief) -> None:
    """Headings as in the letter; no sidebar or boilerplate; the split phrase rejoined."""
    body = defensie_as.body_text or ""
    assert HEADINGS == [section.heading for section in defensie_as.sections]
    for unwanted in ("Plein 4", "MPC 58 B", "Bij beantwoording", "Home", "var a", "footer"):
        assert unwanted not in body, unwanted
    assert "Ukraine Defense Contact Group" in body


def test_printed_pdf_of_circulaire() -> None:
    """A PDF printed line for line from the IenW text gives that letter's fields."""
    record = parse_bytes(makers.printed_lines_pdf(CIRCULAIRE_TXT))
    assert (date(2023, 2, 3), "IENW/BSK-2023/33017") == (record.document_date, record.reference)
    assert record.ministry is not None and "ienw" == record.ministry.code
    assert 6 == len(record.footnotes)
    assert 10 == len(record.sections)
    assert "Rijnstraat 8" not in (record.body_text or "")


def test_printed_pdf_of_water() -> None:
    """A 32-page PDF of 'Water en Bodem sturend' keeps both signers and all footnotes."""
    record = parse_bytes(makers.printed_lines_pdf(WATER_TXT))
    assert ["Mark Harbers", "drs. V.L.W.A. Heijnen"] == [s.name for s in record.signatories]
    assert 27 == len(record.footnotes)
    assert "Water en Bodem sturend" == record.subject


def test_broken_pdf() -> None:
    """A file that starts like a PDF but is not one is a malformed PDF."""
    with pytest.raises(Unprocessable) as caught:
        parse_bytes(b"%PDF-1.7\n garbage")
    assert "malformed-pdf" == caught.value.reason


def test_pdf_without_text() -> None:
    """A PDF with no text layer (a scan) has an empty body."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    with pytest.raises(Unprocessable) as caught:
        parse_bytes(bytes(pdf.output()))
    assert "empty-body" == caught.value.reason


def test_broken_docx() -> None:
    """A zip that is no Word document is a malformed DOCX."""
    with pytest.raises(Unprocessable) as caught:
        parse_bytes(b"PK\x03\x04 not really a zip", format="docx")
    assert "malformed-docx" == caught.value.reason


def test_kst_html_page_metadata() -> None:
    """A kst HTML page (constructed, placeholder dossier 99999) adds its head metadata."""
    page = """<!DOCTYPE html><html><head><meta charset="utf-8">
    <meta name="DC.identifier" content="kst-99999-1">
    <meta name="OVERHEIDop.dossiernummer" content="99999">
    <meta name="OVERHEIDop.ondernummer" content="1">
    <meta name="DC.type" scheme="OVERHEIDop.KamerstukTypen" content="Brief">
    <meta name="OVERHEIDop.vergaderjaar" content="2021-2022"></head><body>
    <h1>BRIEF VAN DE MINISTER VAN DEFENSIE</h1>
    <p>Aan de Voorzitter van de Tweede Kamer der Staten-Generaal</p>
    <p>Den Haag, 22 juni 2022</p><p>De bijeenkomst vond plaats.</p>
    <p>DE MINISTER VAN DEFENSIE,</p><p>K.H. Ollongren</p></body></html>"""
    record = parse_bytes(page.encode("utf-8"))
    assert ("kst-99999-1", "Brief", "2021-2022", date(2022, 6, 22)) == (
        record.id, record.document_type, record.vergaderjaar, record.document_date)
    assert record.ministry is not None and "def" == record.ministry.code
    assert [Signatory(name="K.H. Ollongren", role="De Minister van Defensie")] == (
        record.signatories)
    assert "De bijeenkomst vond plaats." == record.body_text


def test_docx_footnotes() -> None:
    """Word footnotes (a constructed DOCX) become footnotes, cited Kamerstukken included."""
    body = makers.docx_with_footnotes(
        ["Datum 3 februari 2023", "Betreft Een onderwerp", "Geachte voorzitter,",
         "Het kabinet zet een stap.", "Hoogachtend,", "DE MINISTER VAN DEFENSIE,",
         "drs. K.H. Ollongren"],
        ["Kamerstuk 32852, nr. 199", "Zie ook de bijlage"],
    )
    record = parse_bytes(body)
    assert ["Kamerstuk 32852, nr. 199", "Zie ook de bijlage"] == [
        note.text for note in record.footnotes]
    assert ["1", "2"] == [note.number for note in record.footnotes]
    assert "Het kabinet zet een stap." == record.body_text
    assert [("32852", "199")] == [(c.dossier, c.ondernummer) for c in record.cites]
