"""Officiële-publicatie XML: the real moties and Staatscourant, and a constructed letter."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from services.parser.parse import parse_bytes
from shared.errors import Unprocessable
from shared.schema import Citation, Dossier, FeedRecord, Footnote, Signatory
from tests.unit.parser.conftest import CONSTRUCTED, KOOP, parse_file

FULL = KOOP / "kst-31839-1105-motie-full-metadata.xml"
EXTERN = KOOP / "kst-24515-782-motie-extern-metadata.xml"
GEWIJZIGD = KOOP / "kst-33009-173-gewijzigde-motie.xml"
STCRT = KOOP / "stcrt-2015-47076.xml"
LETTER = CONSTRUCTED / "kst-letter-defensie-navo-CONSTRUCTED.xml"


def test_motie_with_full_metadata() -> None:
    """kst-31839-1105 yields its identity, dates, type and submitter from the metadata."""
    record = parse_file(FULL)
    assert "kst-31839-1105" == record.id
    assert Dossier(number="31839") == record.dossier
    assert ("1105", "2025-2026", "Motie", "nl") == (
        record.ondernummer, record.vergaderjaar, record.document_type, record.language)
    assert ("Motie van het lid Dobbe over een plan om de noodzaak tot insluitingen te "
            "verminderen") == record.title
    assert date(2025, 10, 1) == record.document_date
    assert record.published_at is not None
    assert date(2025, 10, 2) == record.published_at.date()
    assert [Signatory(name="S.E.M. Dobbe")] == record.signatories
    assert record.ministry is None


def test_motie_body() -> None:
    """The motie's paragraphs are the body, in order, from 'De Kamer,' to the signature."""
    record = parse_file(FULL)
    paragraphs = (record.body_text or "").split("\n\n")
    assert ("De Kamer,", "Dobbe") == (paragraphs[0], paragraphs[-1])
    assert 7 == len(paragraphs)


def test_motie_urls() -> None:
    """The manifestation URLs follow from the identifier."""
    record = parse_file(FULL)
    assert "https://zoek.officielebekendmakingen.nl/kst-31839-1105.xml" == record.urls.xml
    assert ("https://zoek.officielebekendmakingen.nl/kst-31839-1105/metadata.xml"
            == record.urls.metadata)


def test_motie_with_external_metadata_alone() -> None:
    """Without its metadata.xml, kst-24515-782 still yields what its own text says, and warns."""
    record = parse_file(EXTERN)
    assert "kst-24515-782" == record.id
    assert ("MOTIE VAN HET LID CEDER", date(2025, 2, 6), "2024-2025") == (
        record.title, record.document_date, record.vergaderjaar)
    assert ["metadata is external (metadata.xml) and was not supplied"] == record.warnings
    assert record.document_type is None


def test_external_metadata_is_merged() -> None:
    """A metadata.xml passed as related record fills the gaps of the document."""
    metadata_xml = (
        '<metadata_gegevens><metadata name="DC.type" scheme="OVERHEIDop.KamerstukTypen" '
        'content="Motie"/><metadata name="DCTERMS.available" scheme="DCTERMS.W3CDTF" '
        'content="2025-02-07"/></metadata_gegevens>'
    )
    record = parse_bytes(EXTERN.read_bytes(), metadata=FeedRecord(
        kind="sru-record", content="<record/>", related={"metadata.xml": metadata_xml}))
    assert "Motie" == record.document_type
    assert record.published_at is not None
    assert date(2025, 2, 7) == record.published_at.date()


def test_real_metadata_xml_reads_every_pair() -> None:
    """The real gmb metadata.xml gives its identifier, title and availability date."""
    from services.parser.metadata.kst_metadata import read_metadata_xml

    meta = read_metadata_xml((KOOP / "gmb-2024-216934-metadata.xml").read_text())
    assert ("gmb-2024-216934", "2024-05-17", "Reimerswaal") == (
        meta["DC.identifier"], meta["DCTERMS.available"], meta["DC.creator"])


def test_gewijzigde_motie() -> None:
    """kst-33009-173 keeps its amended title and the date it was proposed."""
    record = parse_file(GEWIJZIGD)
    assert "kst-33009-173" == record.id
    assert record.title is not None and record.title.startswith("Gewijzigde motie van het lid")
    assert date(2025, 10, 2) == record.document_date
    assert [Signatory(name="J. Thijssen")] == record.signatories


def test_staatscourant_with_bom() -> None:
    """A Staatscourant starting with a BOM parses; it is no Kamerstuk, so no kst id."""
    record = parse_file(STCRT)
    assert "Ter inzage: omgevingsvergunning" == record.title
    assert record.dossier is None
    assert "Burgemeester en wethouders van Bergen (NH)" == record.sections[-1].heading
    assert record.sections[0].text.startswith("•Vennewatersweg 29, 1935 AS, Egmond-Binnen")


def test_constructed_letter_fields() -> None:
    """The letter-specific elements: addressee, date, signer, ministry from the title."""
    record = parse_file(LETTER)
    assert ("kst-99999-1", "Brief", date(2022, 6, 22)) == (
        record.id, record.document_type, record.document_date)
    assert "Aan de Voorzitter van de Tweede Kamer der Staten-Generaal" == record.addressee
    assert [Signatory(name="drs. K.H. Ollongren", role="De Minister van Defensie")] == (
        record.signatories)
    assert record.ministry is not None and "def" == record.ministry.code


def test_constructed_letter_body() -> None:
    """Sections follow the tussenkoppen; the note leaves the text for ``footnotes``."""
    record = parse_file(LETTER)
    assert [None, "Werkdiner", "Afschrikking en verdediging", "Lastenverdeling",
            "Contactgroep voor de verdediging van Oekraïne"] == [s.heading for s in
                                                                 record.sections]
    assert [Footnote(number="1", text="Constructed footnote.")] == record.footnotes
    assert "Constructed footnote" not in (record.body_text or "")
    assert [Citation(dossier="99999", ondernummer="2")] == record.cites
    assert "Ollongren" not in (record.body_text or "")


def test_text_after_a_note_stays_in_the_body() -> None:
    """A note inside a sentence leaves the sentence whole: the text after it is kept."""
    body = LETTER.read_bytes().replace(b"</noot></al>", b"</noot> en de bijlage.</al>")
    assert body != LETTER.read_bytes()
    record = parse_bytes(body, format="kst-xml")
    assert "Zie ook Kamerstuk 99999, nr. 2. en de bijlage." in (record.body_text or "")
    assert "Constructed footnote" not in (record.body_text or "")
    assert [Footnote(number="1", text="Constructed footnote.")] == record.footnotes


def test_nesting_past_the_parser_limit_is_refused_or_cut_not_a_crash() -> None:
    """Thousands of nested elements inside a paragraph: the parser stops nesting at its
    limit, so reading the text never runs out of stack."""
    deep = b"<al>" + b"<i>x" * 5000 + b"</i>" * 5000 + b"</al></officiele-publicatie>"
    body = LETTER.read_bytes().replace(b"</officiele-publicatie>", deep)
    try:
        record = parse_bytes(body, format="kst-xml")
    except Unprocessable as exc:
        assert "malformed-xml" == exc.reason
    else:
        assert any(w.startswith("xml recovered") for w in record.warnings)


def test_truncated_xml_is_recovered_with_warning() -> None:
    """A body cut off halfway still yields the identity, with a warning."""
    body = FULL.read_bytes()
    record = parse_bytes(body[: len(body) * 2 // 3])
    assert "kst-31839-1105" == record.id
    assert any(w.startswith("xml recovered") for w in record.warnings)


def test_wrong_declared_encoding() -> None:
    """UTF-8 bytes declared as ISO-8859-1 are read, not refused."""
    body = FULL.read_bytes().replace(b'encoding="UTF-8"', b'encoding="UTF-16"')
    record = parse_bytes(body, format="kst-xml")
    assert "kst-31839-1105" == record.id


def test_not_xml_at_all() -> None:
    """Garbage declared as kst XML is unprocessable as malformed XML."""
    with pytest.raises(Unprocessable) as caught:
        parse_bytes(b"\x00\x01 not xml", format="kst-xml")
    assert "malformed-xml" == caught.value.reason


def test_other_xml_root() -> None:
    """XML that is no officiele-publicatie is an unsupported format."""
    with pytest.raises(Unprocessable) as caught:
        parse_bytes(b"<?xml version='1.0'?><feed/>")
    assert "unsupported-format" == caught.value.reason


def test_entities_are_not_expanded() -> None:
    """An external entity is neither fetched nor expanded."""
    body = (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
            b"<officiele-publicatie><kamerstuk><stuk><titel>T &e;</titel></stuk></kamerstuk>"
            b"</officiele-publicatie>")
    record = parse_bytes(body)
    assert "root:" not in record.model_dump_json()


def test_published_at_is_amsterdam_midnight() -> None:
    """A bare availability date becomes midnight in Amsterdam."""
    record = parse_file(FULL)
    assert isinstance(record.published_at, datetime)
    assert "2025-10-02T00:00:00+02:00" == record.published_at.isoformat()
