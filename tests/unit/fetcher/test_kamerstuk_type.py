"""Which SRU records are letters: a positive rule, decided from the record (no I/O)."""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from services.fetcher.sources import sru_rules as rules
from services.fetcher.sources.sru_page import parse_page

FIXTURES = Path(__file__).parents[2] / "fixtures"
SRU = FIXTURES / "real" / "koop-sru"
KST = FIXTURES / "real" / "koop-officiele-publicaties-xml"
PAGE_2021 = SRU / "repository-overheid-sru20-staten-generaal-2021-10-13-page1.xml"
ASSEMBLED = SRU / "repository-overheid-sru20-assembled-test-page-5-records.xml"


def _decisions(path: Path) -> dict[str, rules.Decision]:
    page = parse_page(path.read_bytes(), str(path))
    return {record.identifier: rules.decide(record) for record in page.records}


def _subrubriek(path: Path) -> dict[str, str]:
    """What the fixture itself states per record (read with plain lxml, not the source)."""
    root = etree.parse(str(path)).getroot()
    stated = {}
    for record in root.iter("{*}record"):
        identifier = next(record.iter("{*}identifier")).text or ""
        for element in record.iter("{*}subrubriek"):
            if element.get("scheme") == "OVERHEIDop.KamerstukTypen":
                stated[identifier] = (element.text or "").strip()
    return stated


def test_on_the_real_2021_page_exactly_the_record_typed_brief_is_a_letter() -> None:
    """kst-22112-3185 states subrubriek Brief; the blg, h-tk and h-ek records are no Kamerstukken."""
    decisions = _decisions(PAGE_2021)
    letters = [i for i, d in decisions.items() if d.decision == rules.LETTER]

    assert [i for i, t in _subrubriek(PAGE_2021).items() if t == "Brief"] == letters
    assert 10 == len(decisions)
    others = {d.reason for i, d in decisions.items() if i not in letters}
    assert {rules.NOT_A_KAMERSTUK} == others


def test_on_the_assembled_page_no_record_is_a_letter_or_undecided() -> None:
    """Two moties typed Motie are not letters; the ah-tk answer and two bijlagen are no Kamerstukken."""
    decisions = _decisions(ASSEMBLED)
    by_reason = {i: d.reason for i, d in decisions.items()}

    assert {rules.SKIPPED} == {d.decision for d in decisions.values()}
    assert {i for i, t in _subrubriek(ASSEMBLED).items() if t == "Motie"} == {
        i for i, r in by_reason.items() if r == rules.NOT_A_LETTER}
    assert {i for i in decisions if not i.startswith("kst-")} == {
        i for i, r in by_reason.items() if r == rules.NOT_A_KAMERSTUK}


def test_types_other_than_brief_are_not_letters() -> None:
    """The positive rule: only Brief; the types feeds.md lists as seen are all skipped."""
    seen = ("Motie", "Amendement", "Verslag", "Voorstel van wet", "Overig", "Overige Kamerstukken")
    assert {rules.NOT_A_LETTER} == {rules.by_type(t, "record").reason for t in seen}
    assert [rules.LETTER, rules.LETTER] == [rules.by_type(t, "record").decision
                                            for t in ("Brief", " brief ")]
    assert rules.NO_KAMERSTUK_TYPE == rules.by_type(None, "record").reason


def test_the_document_type_is_read_from_the_kst_xml_or_not_at_all() -> None:
    """The real motie XML and a real metadata.xml declare Motie; a pointer-only XML declares nothing."""
    full = etree.fromstring((KST / "kst-31839-1105-motie-full-metadata.xml").read_bytes())
    extern = etree.fromstring((KST / "kst-24515-782-motie-extern-metadata.xml").read_bytes())
    metadata = etree.fromstring((KST.parent / "koop-metadata" / "kst-32545-143-metadata.xml").read_bytes())

    assert "Motie" == rules.declared_type(full)
    assert rules.declared_type(extern) is None
    assert rules.extern_url(extern) is not None and rules.extern_url(full) is None
    assert "Motie" == rules.declared_type(metadata)
