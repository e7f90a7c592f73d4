"""Which Kamerstukken the SRU source knows are not letters (and so skips), without I/O."""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from services.fetcher.sources.officielebekendmakingen import declared_type, not_a_letter, parse_page

REAL = Path(__file__).parents[2] / "fixtures" / "real" / "koop-officiele-publicaties-xml"

# Constructed: one SRU record stating its KamerstukTypen, the way public crawlers read it.
SRU_WITH_TYPE = b"""<?xml version="1.0" encoding="UTF-8"?>
<sru:searchRetrieveResponse xmlns:sru="http://docs.oasis-open.org/ns/search-ws/sruResponse">
<sru:numberOfRecords>1</sru:numberOfRecords><sru:records><sru:record><sru:recordData>
<gzd:gzd xmlns:gzd="http://standaarden.overheid.nl/sru" xmlns:dcterms="http://purl.org/dc/terms/"
 xmlns:overheidwetgeving="http://standaarden.overheid.nl/wetgeving/">
<dcterms:identifier>kst-36200-XII-12</dcterms:identifier>
<dcterms:type scheme="OVERHEIDop.Parlementair">Kamerstuk</dcterms:type>
<overheidwetgeving:subrubriek scheme="OVERHEIDop.KamerstukTypen">Amendement</overheidwetgeving:subrubriek>
</gzd:gzd></sru:recordData></sru:record></sru:records></sru:searchRetrieveResponse>"""


def test_the_recorded_motie_declares_its_type_in_the_kst_xml() -> None:
    """The real kst XML of a motie says "Motie" under the KamerstukTypen scheme."""
    root = etree.fromstring((REAL / "kst-31839-1105-motie-full-metadata.xml").read_bytes())
    assert "Motie" == declared_type(root)


def test_a_kst_xml_that_only_points_at_its_metadata_declares_nothing() -> None:
    """Without its own metadata the kst XML has no type: it is not taken for a non-letter."""
    root = etree.fromstring((REAL / "kst-24515-782-motie-extern-metadata.xml").read_bytes())
    assert declared_type(root) is None


def test_the_sru_record_type_is_read_by_its_scheme_not_the_parlementair_type() -> None:
    """The KamerstukTypen value is taken, not the generic "Kamerstuk"."""
    [record] = parse_page(SRU_WITH_TYPE).records
    assert "Amendement" == record.kamerstuk_type


def test_only_known_non_letter_types_are_dropped() -> None:
    """Moties, amendementen and verslagen are not letters; an unknown or missing type passes."""
    assert [True, True, True, False, False, False] == [
        not_a_letter(t) for t in ("Motie", "amendement", " Verslag ", "Brief", "Brief regering",
                                  None)]
