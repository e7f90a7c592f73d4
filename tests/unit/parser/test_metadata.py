"""Feed records merged into the document: the document wins, disagreements are warnings."""

from __future__ import annotations

import json
from datetime import date

from lxml import etree

from kamerstroom.feedserver.app import RECORDINGS
from kamerstroom.feedserver.tweedekamer import PAGE_SIZE, Entity, feed_xml, load
from services.parser.parse import parse_bytes
from shared.schema import Dossier, FeedRecord, SameAs
from tests.unit.parser.conftest import LETTERS, REAL

DEFENSIE = (LETTERS / "Kamerbrief_defensie_navo_dmm_2022.md").read_bytes()


def _odata_brief() -> dict[str, object]:
    """The first real 'Brief regering' of the recorded OData page."""
    page = json.loads((REAL / "tk-odata" / "odata-v4-Document-value-page10.json").read_text())
    return next(item for item in page if item.get("Soort") == "Brief regering")


def test_real_odata_document_alone() -> None:
    """A real OData Document gives subject, number, year and date; the id is tk-<nummer>."""
    record = parse_bytes(b"Transparantie.", format="text", metadata=FeedRecord(
        kind="odata-document", content=json.dumps(_odata_brief())))
    assert ("Transparantie van publieke besluitvorming", "2025D41348", "2025-2026") == (
        record.subject, record.document_number, record.vergaderjaar)
    assert (date(2025, 9, 24), "300", "Brief regering") == (
        record.document_date, record.ondernummer, record.document_type)
    assert "tk-2025D41348" == record.id
    assert (None, "tk") == (record.urls.odata, record.chamber)  # no link to the retired API


def test_odata_with_dossier_makes_kst_id() -> None:
    """With Kamerstukdossier expanded, the id is the Kamerstuk's."""
    document = {**_odata_brief(), "Kamerstukdossier": [{"Nummer": 28844, "Toevoeging": None}]}
    record = parse_bytes(b"Tekst.", format="text", metadata=FeedRecord(
        kind="odata-document", content=json.dumps(document)))
    assert Dossier(number="28844") == record.dossier
    assert "kst-28844-300" == record.id


def test_document_wins_and_disagreement_is_warned() -> None:
    """Where the letter and OData disagree, the letter's value stays and a warning says so."""
    document = {"Id": "x", "Onderwerp": "Iets anders", "Datum": "2022-06-22T00:00:00+02:00",
                "DocumentNummer": "2022D26123", "Soort": "Brief regering",
                "DocumentActor": [{"Relatie": "Eerste ondertekenaar",
                                   "Functie": "minister van Defensie", "ActorNaam": "x"}]}
    record = parse_bytes(DEFENSIE, metadata=FeedRecord(kind="odata-document",
                                                       content=json.dumps(document)))
    assert record.subject is not None and record.subject.startswith("Verslag bijeenkomst")
    assert [
        "subject differs: document 'Verslag bijeenkomst NAVO-ministers van Defensie op 15 en "
        "16 juni 2022 in Brussel', odata-document 'Iets anders'"
    ] == record.warnings
    assert ("2022D26123", "tk-2022D26123") == (record.document_number, record.id)


def test_syncfeed_entry() -> None:
    """A SyncFeed entry (constructed from the documented Atom shape) fills the TK fields."""
    entry = """<entry xmlns="http://www.w3.org/2005/Atom"><title>abc</title><content
      type="application/xml"><document xmlns="http://www.tweedekamer.nl/xsd/tkData/v1-0"
      xmlns:ns1="http://www.tweedekamer.nl/xsd/tkData/v1-0" id="abc"
      ns1:bijgewerkt="2022-06-23T10:00:00" ns1:verwijderd="false">
      <soort>Brief regering</soort><onderwerp>Verslag NAVO</onderwerp>
      <datum>2022-06-22T00:00:00</datum><documentNummer>2022D26123</documentNummer>
      <volgnummer>-1</volgnummer><vergaderjaar>2021-2022</vergaderjaar></document></content>
      </entry>"""
    record = parse_bytes(b"Tekst.", format="text",
                         metadata=FeedRecord(kind="syncfeed-entry", content=entry))
    assert ("Verslag NAVO", "2022D26123", "2021-2022", None) == (
        record.subject, record.document_number, record.vergaderjaar, record.ondernummer)


def test_sru_record_real_shape() -> None:
    """The stored SRU 2.0 record (namespaces stripped) gives identifier, title and URLs."""
    content = (REAL / "koop-sru" / "repository-overheid-sru20-record-gmb-namespace-stripped.xml"
               ).read_text()
    record = parse_bytes(b"Tekst.", format="text",
                         metadata=FeedRecord(kind="sru-record", content=content))
    assert "gmb-2023-174296" == record.id
    assert record.urls.pdf is not None and record.urls.pdf.endswith(".pdf")


def test_rijksoverheid_item() -> None:
    """A rijksoverheid.nl item (constructed: no recording exists) gives title and web page."""
    item = {"id": "abc-123", "title": "Kamerbrief over X", "type": "Kamerstuk",
            "canonical": "https://www.rijksoverheid.nl/documenten/kamerstukken/2022/06/22/x",
            "authorities": ["Ministerie van Defensie"], "available": "2022-06-22T12:00:00"}
    record = parse_bytes(b"Tekst.", format="text",
                         metadata=FeedRecord(kind="rijksoverheid-item", content=json.dumps(item)))
    assert ("Kamerbrief over X", item["canonical"]) == (record.title, record.urls.web)
    assert record.ministry is not None and "def" == record.ministry.code


def test_odata_identities_in_same_as() -> None:
    """A TK Document with its dossier names both its Kamerstuk and its TK identity."""
    document = {**_odata_brief(), "Kamerstukdossier": [{"Nummer": 28844, "Toevoeging": None}]}
    record = parse_bytes(b"Tekst.", format="text", metadata=FeedRecord(
        kind="odata-document", content=json.dumps(document)))
    assert [
        SameAs(feed="officielebekendmakingen", id="kst-28844-300", url=None),
        SameAs(feed="tweedekamer", id="68795885-0559-412d-8030-f8dcbd0c8e13", url=None),
    ] == record.same_as


def _replayed_letter() -> tuple[Entity, str]:
    """A real letter with a volgnummer, and its Atom entry as the replay serves it."""
    data = load(RECORDINGS / "tweedekamer")
    entity = next(e for e in (data.latest(i) for i in data.letters)
                  if e is not None and int(e.value("volgnummer") or -1) > 0)
    for token in range(0, data.size("Document"), PAGE_SIZE):
        page = etree.fromstring(feed_xml(data, "http://127.0.0.1:1", "Document", token).encode())
        for entry in page.iter("{*}entry"):
            if entry.findtext("{*}title") == entity.id:
                return entity, etree.tostring(entry, encoding="unicode")
    raise AssertionError("letter not served")


ACTOR = """<documentActor xmlns="http://www.tweedekamer.nl/xsd/tkData/v1-0"
  xmlns:tk="http://www.tweedekamer.nl/xsd/tkData/v1-0" id="{id}" tk:bijgewerkt="2026-11-30T10:00:00Z"
  tk:verwijderd="false"><document ref="{document}"/><actorNaam>{name}</actorNaam>
  <functie>{functie}</functie><relatie>{relatie}</relatie></documentActor>"""
DOSSIER = """<kamerstukdossier xmlns="http://www.tweedekamer.nl/xsd/tkData/v1-0"
  xmlns:tk="http://www.tweedekamer.nl/xsd/tkData/v1-0"
  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="d" tk:bijgewerkt="2026-11-30T10:00:00Z"
  tk:verwijderd="false"><nummer>36800</nummer><toevoeging xsi:nil="true"/></kamerstukdossier>"""


def test_syncfeed_document_with_its_actors_and_dossier() -> None:
    """The real letter's fields, with a (test-made) dossier and two signers: the first
    ondertekenaar names the ministry, both sign, the id is the Kamerstuk's."""
    entity, entry = _replayed_letter()
    letter = entity.id
    related = {
        "actor:2": ACTOR.format(id="2", document=letter, name="B", functie="minister van Financiën",
                                relatie="Mede ondertekenaar"),
        "actor:1": ACTOR.format(id="1", document=letter, name="A",
                                functie="minister van Binnenlandse Zaken en Koninkrijksrelaties",
                                relatie="Eerste ondertekenaar"),
        "dossier": DOSSIER,
    }
    record = parse_bytes(b"Tekst.", format="text", metadata=FeedRecord(
        kind="syncfeed-document", content=entry, related=related))

    assert record.ministry is not None and "bzk" == record.ministry.code
    assert [("A", "minister van Binnenlandse Zaken en Koninkrijksrelaties"),
            ("B", "minister van Financiën")] == [(s.name, s.role) for s in record.signatories]
    volgnummer = entity.value("volgnummer")
    assert (Dossier(number="36800"), volgnummer, f"kst-36800-{volgnummer}") == (
        record.dossier, record.ondernummer, record.id)
    assert (entity.value("onderwerp"), entity.value("documentNummer"),
            entity.value("vergaderjaar"), "tk") == (
        record.subject, record.document_number, record.vergaderjaar, record.chamber)
    assert record.title is None  # titel is the dossier's title, not the letter's
    assert [] == record.warnings
    [tk] = [s for s in record.same_as if s.feed == "tweedekamer"]
    assert (letter, f"http://127.0.0.1:1/SyncFeed/2.0/Entiteiten/{letter}") == (tk.id, tk.url)
    assert record.urls.odata is None


def test_syncfeed_document_without_actors_warns_and_names_no_ministry() -> None:
    entity, entry = _replayed_letter()
    record = parse_bytes(b"Tekst.", format="text", metadata=FeedRecord(
        kind="syncfeed-document", content=entry))
    assert (None, [], None) == (record.ministry, record.signatories, record.dossier)
    assert any("no signer or ministry stated" in w for w in record.warnings)
    assert f"tk-{entity.value('documentNummer')}" == record.id
