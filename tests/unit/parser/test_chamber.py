"""Which chamber a record belongs to, read from the SRU record or the kst metadata; never guessed."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from services.parser.metadata import kst_metadata, sru
from services.parser.parse import parse_bytes
from shared import chamber
from shared.schema import FeedRecord

REAL = Path(__file__).parents[2] / "fixtures" / "real"
PAGE_2021 = REAL / "koop-sru" / "repository-overheid-sru20-staten-generaal-2021-10-13-page1.xml"
ASSEMBLED = REAL / "koop-sru" / "repository-overheid-sru20-assembled-test-page-5-records.xml"
SRU12 = REAL / "koop-sru" / "zoek-officielebekendmakingen-sru12-searchRetrieve-stb.xml.txt"
KST = REAL / "koop-officiele-publicaties-xml"


def records(path: Path) -> dict[str, str]:
    body = path.read_bytes()
    root = etree.fromstring(body[body.index(b"<?xml"):])
    return {str(next(r.iter("{*}identifier")).text): etree.tostring(r, encoding="unicode")
            for r in root.iter("{*}record")}


def creators(path: Path) -> dict[str, str]:
    body = path.read_bytes()
    root = etree.fromstring(body[body.index(b"<?xml"):])
    return {str(next(r.iter("{*}identifier")).text): str(next(r.iter("{*}creator")).text)
            for r in root.iter("{*}record")}


def test_the_real_records_chamber_is_the_chamber_that_created_them() -> None:
    """On the real page the Eerste Kamer's records are ek, the Tweede Kamer's (the letter too) tk."""
    expected = {i: {"Eerste Kamer der Staten-Generaal": "ek",
                    "Tweede Kamer der Staten-Generaal": "tk"}[c] for i, c in creators(PAGE_2021).items()}
    assert expected == {i: sru.to_draft(r).chamber for i, r in records(PAGE_2021).items()}
    assert {"ek", "tk"} == set(expected.values())


def test_a_creator_that_names_no_chamber_is_no_evidence() -> None:
    """The assembled page's motie kst-32545-143 says creator "overige": chamber unknown."""
    assert "overige" == creators(ASSEMBLED)["kst-32545-143"]
    assert sru.to_draft(records(ASSEMBLED)["kst-32545-143"]).chamber is None


def _letter_as(identifier: str, ondernummer: str, creator: str | None) -> str:
    """The real letter record with another identity (a CONSTRUCTED Eerste Kamer variant)."""
    text = records(PAGE_2021)["kst-22112-3185"].replace("kst-22112-3185", identifier)
    text = text.replace(">3185</overheidwetgeving:ondernummer>",
                        f">{ondernummer}</overheidwetgeving:ondernummer>")
    if creator is not None:
        text = text.replace(">Tweede Kamer der Staten-Generaal<", f">{creator}<")
    return text


@pytest.mark.parametrize(("creator", "expected"), [
    ("Eerste Kamer der Staten-Generaal", "ek"),   # both pieces of evidence agree
    ("overige", "ek"),                            # only the lettered ondernummer speaks
    (None, None),                                 # creator Tweede Kamer, lettered number: conflict
])
def test_a_lettered_ondernummer_is_eerste_kamer_evidence(creator: str | None,
                                                         expected: str | None) -> None:
    assert expected == sru.to_draft(_letter_as("kst-36867-B", "B", creator)).chamber


def test_the_kst_metadata_gives_the_chamber_from_dc_creator() -> None:
    """Real kst XMLs with metadata say Tweede Kamer; the pointer-only one says nothing."""
    full = parse_bytes((KST / "kst-31839-1105-motie-full-metadata.xml").read_bytes(), format="kst-xml")
    metadata = (REAL / "koop-metadata" / "kst-32545-143-metadata.xml").read_text(encoding="utf-8")
    assert "tk" == full.chamber
    assert "tk" == kst_metadata.to_draft(kst_metadata.read_metadata_xml(metadata)).chamber
    assert kst_metadata.to_draft({"DC.identifier": "kst-24515-782"}).chamber is None


def test_the_sru_record_and_the_document_together_give_the_record_its_chamber() -> None:
    """The letter record merged with the constructed letter XML: tk, as both say."""
    body = (Path(__file__).parents[2] / "fixtures" / "constructed"
            / "kst-letter-defensie-navo-CONSTRUCTED.xml").read_bytes()
    record = parse_bytes(body, format="kst-xml", metadata=FeedRecord(
        kind="sru-record", content=records(PAGE_2021)["kst-22112-3185"]))
    assert "tk" == record.chamber


def test_no_ministry_is_read_from_an_sru_creator_even_when_it_names_a_ministry() -> None:
    """The real SRU 1.2 Staatsblad records name a ministry as creator; the reader ignores it."""
    found = records(SRU12)
    assert any(c.startswith("Ministerie") for c in creators(SRU12).values())
    assert {None} == {sru.to_draft(r).ministry for r in found.values()}
    assert {None} == {sru.to_draft(r).ministry for r in records(PAGE_2021).values()}


def test_chamber_evidence_rules() -> None:
    assert ["tk", "ek", None] == [chamber.from_creator(t) for t in (
        " Tweede Kamer der  Staten-Generaal", "eerste kamer der staten-generaal", "overige")]
    assert ["ek", None, None, None] == [chamber.from_identifier(i) for i in (
        "kst-36867-B", "kst-36200-XII-45", "kst-XII", "h-ek-20212022-2-7")]
    assert [None, "tk", None] == [chamber.decide(), chamber.decide(None, "tk"), chamber.decide("tk", "ek")]
