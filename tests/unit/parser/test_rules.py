"""The letter reader's rules on small inputs: one behaviour per test, each able to fail."""

from __future__ import annotations

from datetime import date

import pytest

from services.parser.fields import body, kamerstuk, letterhead, sections
from services.parser.parse import parse_bytes
from shared.errors import Unprocessable
from shared.schema import Dossier

_KST_NO_BODY = b"""<?xml version="1.0" encoding="UTF-8"?>
<officiele-publicatie><metadata>
<meta name="DC.identifier" content="kst-99999-7"/>
<meta name="OVERHEIDop.dossiernummer" content="99999"/>
<meta name="OVERHEIDop.ondernummer" content="7"/>
<meta name="DC.type" scheme="OVERHEIDop.KamerstukTypen" content="Brief"/>
</metadata><kamerstuk><dossier><dossiernummer><dossiernr>99999</dossiernr></dossiernummer>
</dossier><stuk><stuknr><ondernummer>7</ondernummer></stuknr></stuk></kamerstuk>
</officiele-publicatie>"""


def test_subject_stops_at_a_labelled_line() -> None:
    """The Tweede Kamer feed's letters print 'Kenmerk <nr>' under 'Betreft': not subject."""
    lines = ["Aan de Voorzitter van de Tweede Kamer der Staten-Generaal", "Datum 2025-09-19",
             "Betreft Prenatale screening", "Kenmerk 2025D40330", "", "Geachte voorzitter,"]
    head = letterhead.read(lines)
    assert "Prenatale screening" == head.subject


@pytest.mark.parametrize("label", ["Kenmerk 2025D40330", "Ons kenmerk IENW/BSK-1", "Bijlagen 2",
                                   "Datum 3 februari 2023", "Contactpersoon J. Jansen"])
def test_subject_does_not_take_a_label_line(label: str) -> None:
    """Any letterhead label with its value ends the subject."""
    head = letterhead.read(["Betreft Een onderwerp", label, "", "Geachte voorzitter,"])
    assert "Een onderwerp" == head.subject


def test_kamerstuk_head() -> None:
    """'Vergaderjaar', the dossier line, 'Nr.' and 'Voorgesteld' of a motie's head."""
    head = kamerstuk.read(["Tweede Kamer der Staten-Generaal 2", "Vergaderjaar 2024–2025",
                           "35 925 VII Vaststelling van de begroting", "Nr.  12 MOTIE",
                           "Voorgesteld 10 april 2025", "De Kamer,"])
    assert ("2024-2025", Dossier(number="35925", toevoeging="VII"), "12", date(2025, 4, 10)) == (
        head.vergaderjaar, head.dossier, head.ondernummer, head.document_date)
    assert 4 == head.end


def test_no_kamerstuk_head_without_vergaderjaar() -> None:
    """A number at the start of a letter's line is no dossier."""
    head = kamerstuk.read(["Geachte voorzitter,", "36 682 woningen zijn gebouwd.", "Nr. 3 volgt."])
    assert (None, None, -1) == (head.dossier, head.ondernummer, head.end)


@pytest.mark.parametrize(
    "lines",
    [["Bezoekadres", "Bezuidenhoutseweg 73", "2594 AC Den Haag"],
     ["Postadres", "Postbus 20401", "2500 EK Den Haag"],
     ["Overheidsidentificatienr", "00000001234567890000"],
     ["Contactpersoon", "J. Jansen", "T 070-379 8911"],
     ["www.rijksoverheid.nl/ezk", "E info@minezk.nl"]],
)
def test_colofon_vocabulary_leaves_the_body(lines: list[str]) -> None:
    """A colofon block between two body lines is taken out; the body lines stay."""
    text = ["De eerste zin loopt door tot", *lines, "de volgende regel."]
    assert ["De eerste zin loopt door tot", "de volgende regel."] == body.strip_sidebar(text, set())


def test_footnote_url_is_no_colofon_site() -> None:
    """A footnote's URL alone on its line has a scheme or a longer path: it stays."""
    url = "https://www.rijksoverheid.nl/documenten/rapporten/2022/10/05/wat-wel-kan"
    assert [url] == body.strip_sidebar([url], set())


def test_page_footer_after_a_sidebar_line_stays() -> None:
    """'Pagina 5 van 8' looks like a street and number; after a sidebar it ends the sidebar."""
    lines = ["Kenmerk", "IENW/BSK-2023/1", "Pagina 5 van 8", "Tekst."]
    assert ["Pagina 5 van 8", "Tekst."] == body.strip_sidebar(lines, set())


def test_question_heading() -> None:
    """A short question after a finished paragraph, before a capital, heads a section."""
    blocks = sections.blocks_from_lines(["Dit is de inleiding van de brief.",
                                         "Wat betekent dit voor gemeenten?",
                                         "Gemeenten krijgen meer taken."])
    assert [("Wat betekent dit voor gemeenten?", True)] == [
        (block.text, block.heading) for block in blocks if block.heading]


def test_unread_fields_are_warned_about() -> None:
    """Text that is no letter (here UTF-16 without a BOM, read as Windows-1252) says which
    fields could not be read and why."""
    record = parse_bytes("中文内容的片段，没有字节顺序标记".encode("utf-16-le"), format="text")
    assert {"document_date", "subject", "ministry"} == {
        warning.split(":")[0] for warning in record.warnings}


def test_binary_is_refused() -> None:
    """Bytes that are no text in any encoding exit as bad-encoding."""
    with pytest.raises(Unprocessable) as caught:
        parse_bytes(bytes(range(256)) * 4, format="text")
    assert "bad-encoding" == caught.value.reason


def test_kst_xml_without_body_is_warned_about() -> None:
    """Metadata alone gives the record its identity, and a warning that there is no text."""
    record = parse_bytes(_KST_NO_BODY)
    assert ("kst-99999-7", None) == (record.id, record.body_text)
    assert any(warning.startswith("body_text: not read") for warning in record.warnings)
