"""Field-by-field expectations for the real letters, written out by reading each letter."""

from __future__ import annotations

from datetime import date

from shared.schema import Citation, Footnote, Kamerbrief, Signatory

DEFENSIE_TOOI = "https://identifier.overheid.nl/tooi/id/ministerie/mnre1018"
HEIJNEN = Signatory(name="drs. V.L.W.A. Heijnen",
                    role="De Staatssecretaris van Infrastructuur en Waterstaat")


def test_defensie_letterhead(defensie: Kamerbrief) -> None:
    """The reference letter's date, subject, reference and addressee are read as printed."""
    assert date(2022, 6, 22) == defensie.document_date
    assert (
        "Verslag bijeenkomst NAVO-ministers van Defensie op 15 en 16 juni 2022 in Brussel"
        == defensie.subject
    )
    assert "BS2022015117" == defensie.reference
    assert "de Voorzitter van de Tweede Kamer der Staten-Generaal" == defensie.addressee


def test_defensie_ministry(defensie: Kamerbrief) -> None:
    """The letterhead 'Ministerie van Defensie' resolves to code def with its TOOI id."""
    assert defensie.ministry is not None
    assert ("def", "Ministerie van Defensie", DEFENSIE_TOOI) == (
        defensie.ministry.code, defensie.ministry.name, defensie.ministry.tooi)


def test_defensie_signatory(defensie: Kamerbrief) -> None:
    """One signer: the minister, role in sentence case."""
    assert [Signatory(name="drs. K.H. Ollongren", role="De Minister van Defensie")] == (
        defensie.signatories)


def test_defensie_sections(defensie: Kamerbrief) -> None:
    """The four headings follow an untitled opening section, in order."""
    expected = [None, "Werkdiner", "Afschrikking en verdediging", "Lastenverdeling",
                "Contactgroep voor de verdediging van Oekraïne"]
    assert expected == [section.heading for section in defensie.sections]


def test_defensie_body_has_no_letterhead(defensie: Kamerbrief) -> None:
    """Sidebar address, boilerplate, reference and signature are not in the body."""
    body = defensie.body_text or ""
    for unwanted in ("Plein 4", "MPC 58 B", "Bij beantwoording", "Postbus", "BS2022015117",
                     "defensie.nl", "Ollongren", "Bezuidenhoutseweg", "Datum 22 juni"):
        assert unwanted not in body, unwanted


def test_defensie_page_break_joined(defensie: Kamerbrief) -> None:
    """The paragraph split over a page break reads as one run of text."""
    last = defensie.sections[-1].text
    assert "van de Ukraine Defense Contact Group (UDCG) onder voorzitterschap" in last


def test_defensie_paragraphs(defensie: Kamerbrief) -> None:
    """The opening section holds its three paragraphs, the last about the UDCG."""
    paragraphs = defensie.sections[0].text.split("\n\n")
    assert 3 == len(paragraphs)
    assert paragraphs[2].startswith("Voorafgaand aan de DMM vond een bijeenkomst plaats")


def test_defensie_has_no_footnotes_or_citations(defensie: Kamerbrief) -> None:
    """The letter has no footnotes and cites no Kamerstuk."""
    assert ([], []) == (defensie.footnotes, defensie.cites)


def test_circulaire_letterhead(circulaire: Kamerbrief) -> None:
    """Date, two-line subject, repaired Kenmerk and addressee of the circular economy letter."""
    assert date(2023, 2, 3) == circulaire.document_date
    assert (
        "Nationaal Programma Circulaire Economie 2023-2030 (NPCE) incl. kabinetsreactie op "
        "ICER en SER-verkenning" == circulaire.subject
    )
    assert "IENW/BSK-2023/33017" == circulaire.reference
    assert "De voorzitter van de Tweede Kamer der Staten-Generaal" == circulaire.addressee


def test_circulaire_ministry_and_signer(circulaire: Kamerbrief) -> None:
    """The split letterhead 'Inf rastructuur en Waterstaat' resolves; the state secretary signs."""
    assert circulaire.ministry is not None
    assert ("ienw", "Ministerie van Infrastructuur en Waterstaat") == (
        circulaire.ministry.code, circulaire.ministry.name)
    assert [HEIJNEN] == circulaire.signatories


def test_circulaire_headings(circulaire: Kamerbrief) -> None:
    """Every heading of the letter and its annex, in order."""
    expected = [
        None, "De circulaire transitie versnellen",
        "Het Nationaal Programma Circulaire Economie 2023-2030 (NPCE)", "Maatregelen",
        "ICER en SER-verkenning", "Uitwerking ambitieus klimaatdoel voor de circulaire economie",
        "Data en monitoring", "Kabinetsbrede inzet op circulaire economie", "Tot slot",
        "Bijlage: Mogelijke aanvullende maatregelen op het NPCE",
    ]
    assert expected == [section.heading for section in circulaire.sections]


def test_circulaire_footnotes(circulaire: Kamerbrief) -> None:
    """Six footnotes leave the running text, their text whole (a URL rejoined)."""
    assert 6 == len(circulaire.footnotes)
    assert Footnote(number="1", text="Zie ook de Nationale Grondstoffenstrategie "
                    "(Kamerstuk 2022Z24775)") == circulaire.footnotes[0]
    assert Footnote(number="6", text="HUF: handhaafbaarheid, uitvoerbaarheid en "
                    "fraudebestendigheid") == circulaire.footnotes[5]
    assert circulaire.footnotes[4].text.startswith(
        "https://www.tweedekamer.nl/kamerstukken/moties/detail?id=2022Z10845&did=2022D22249;")


def test_circulaire_footnote_markers_removed(circulaire: Kamerbrief) -> None:
    """Markers glued to words are gone from the text; the words are intact."""
    body = circulaire.body_text or ""
    assert "landen voor onze grondstoffen. Versnellen" in body
    assert "grondstoffen1" not in body
    assert "met een HUF-toets nader in kaart" in body


def test_circulaire_body_has_no_sidebar(circulaire: Kamerbrief) -> None:
    """Sidebar, running header, page footers and signature are not in the body."""
    body = circulaire.body_text or ""
    for unwanted in ("Rijnstraat 8", "P agina", "Pagina", "I E NW/BSK", "Inf rastructuur en",
                     "T 0 7 0", "Retouradres", "Heijnen", "Hoogachtend", "Geachte voorzitter"):
        assert unwanted not in body, unwanted


def test_circulaire_citations(circulaire: Kamerbrief) -> None:
    """The SER letter ('Kamerstuk 32852 nr. 209', printed without a comma) and the two
    motions cited by Kamerstuk number."""
    assert [Citation(dossier="32852", ondernummer="209"),
            Citation(dossier="32852", ondernummer="199"),
            Citation(dossier="32813", ondernummer="952")] == circulaire.cites


def test_circulaire_hyphenation_joined(circulaire: Kamerbrief) -> None:
    """'SER-' at a line end joins 'verkenning' on the next line."""
    assert "SER-verkenning" in (circulaire.sections[4].text)


def test_water_letterhead(water: Kamerbrief) -> None:
    """Date, subject, 'Ons kenmerk' (repaired) and addressee of 'Water en Bodem sturend'."""
    assert date(2022, 11, 25) == water.document_date
    assert "Water en Bodem sturend" == water.subject
    assert "IENW/BSK-2022/283041" == water.reference
    assert "De voorzitter van de Tweede Kamer der Staten-Generaal" == water.addressee


def test_water_two_signatories(water: Kamerbrief) -> None:
    """The minister and the state secretary both sign, in that order."""
    assert [Signatory(name="Mark Harbers", role="De Minister van Infrastructuur en Waterstaat"),
            HEIJNEN] == water.signatories


def test_water_ministry(water: Kamerbrief) -> None:
    """The letter is IenW's."""
    assert water.ministry is not None
    assert "ienw" == water.ministry.code


def test_water_citations(water: Kamerbrief) -> None:
    """Kamerstukken cited in footnotes, spaced dossier numbers and toevoeging included."""
    cited = {(c.dossier + (f"-{c.toevoeging}" if c.toevoeging else ""), c.ondernummer)
             for c in water.cites}
    for expected in [("33400-J", "19"), ("32698", "64"), ("33037", "431"), ("33037", "437"),
                     ("27615", "574"), ("28625", "343"), ("27625", "573"), ("35325", "5")]:
        assert expected in cited, expected


def test_water_footnote_numbers_run(water: Kamerbrief) -> None:
    """Footnotes are numbered 1, 2, 3, … without gaps."""
    numbers = [int(note.number) for note in water.footnotes]
    assert list(range(1, len(numbers) + 1)) == numbers
    assert Footnote(number="4", text="Kamerstuk 33400-J, nr. 19") in water.footnotes


def test_water_headings_include_chapters(water: Kamerbrief) -> None:
    """Named headings of the letter are found as section headings."""
    headings = [section.heading for section in water.sections]
    for expected in ("Uitgangspunten", "Niet afwentelen", "Meerlaagsveiligheid",
                     "1.2 Bodem; vitaal en efficiënt geordend", "Tot slot"):
        assert expected in headings, expected


def test_water_body_has_no_sidebar(water: Kamerbrief) -> None:
    """Running headers, page footers and the signature block are gone from the body."""
    body = water.body_text or ""
    for unwanted in ("P agina", "Inf rastructuur en", "I E NW/BSK", "Mark Harbers",
                     "Ons kenmerk"):
        assert unwanted not in body, unwanted


def test_water_footnote_with_url_on_next_line(water: Kamerbrief) -> None:
    """A note whose number stands alone keeps the URL printed below it, rejoined."""
    assert Footnote(
        number="21",
        text="https://www.hdsr.nl/publish/pages/117157/eindrapportage_sturen_met_grondwater_"
        "bedrijvenproef_spengen_2017_2022_lage_resolutie.pdf",
    ) == water.footnotes[20]
    assert 27 == len(water.footnotes)


def test_water_numbered_chapters_are_headings(water: Kamerbrief) -> None:
    """'1. Water en Bodem' and '3. Gebieden' head sections; numbered list items do not."""
    headings = [section.heading for section in water.sections]
    assert {"1. Water en Bodem", "1.1 Voldoende en schoon (zoet)water", "3. Gebieden",
            "3.1 Laagveengebieden"} <= set(headings)
    assert not any((h or "").startswith("5. We voeren") for h in headings)
