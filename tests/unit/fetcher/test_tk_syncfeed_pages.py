"""SyncFeed pages: the replay's constructed pages against the official XSDs, and ``inspect``
on real recorded entries and on the replay's pages (no requests)."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from kamerstroom.feedserver.app import RECORDINGS
from kamerstroom.feedserver.tweedekamer import CATEGORIES, LETTER, TkData, feed_xml, load
from services.fetcher.sources.tweedekamer import TweedeKamer

REAL = Path(__file__).parents[2] / "fixtures" / "real" / "tk-syncfeed"
ATOM = "{http://www.w3.org/2005/Atom}"
BASE = "http://127.0.0.1:1"
# The official tkData v1-0 schemas of the three entities read (tkData-v1-0.xsd itself includes
# schemas of entities not copied here, so a small driver includes just these).
DRIVER = b"""<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"
  targetNamespace="http://www.tweedekamer.nl/xsd/tkData/v1-0" elementFormDefault="qualified">
  <xs:include schemaLocation="tkData-v1-0-document.xsd"/>
  <xs:include schemaLocation="tkData-v1-0-documentactor.xsd"/>
  <xs:include schemaLocation="tkData-v1-0-kamerstukdossier.xsd"/>
</xs:schema>"""


@pytest.fixture(scope="module")
def schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.fromstring(DRIVER, base_url=f"{(REAL / 'xsd').resolve()}/"))


@pytest.fixture
def data() -> TkData:
    """The replay's data, with a tombstone, a re-emit and test-added actor and dossier."""
    data = load(RECORDINGS / "tweedekamer")
    letter = data.letters[0]
    data.withdraw(data.letters[1])
    data.reemit(letter)
    dossier = data.add_dossier("36999", None, "2026-11-30T10:00:00+01:00")
    added = data.add_letter("Testbrief", "2026-11-30T10:00:00+01:00", 3, dossier)
    data.add_actor(added, "minister van Defensie", "Test Ondertekenaar", "2026-11-30T10:00:00+01:00")
    return data


def pages(data: TkData, category: str) -> list[bytes]:
    """Every page of a category, walked as a client would."""
    found, token = [], 0
    for _ in range(100):
        body = feed_xml(data, BASE, category, token).encode()
        found.append(body)
        links = [link.get("href") for link in etree.fromstring(body).findall(f"{ATOM}link")
                 if link.get("rel") == "next"]
        if not links:
            return found
        token = int(str(links[0]).rsplit("=", 1)[1])
    raise AssertionError("the feed did not end")


def test_every_constructed_entity_is_valid_against_the_official_xsds(
        data: TkData, schema: etree.XMLSchema) -> None:
    """Every content payload of every category (tombstones, ns1 and naive quirks included)."""
    checked: dict[str, int] = {}
    for category in CATEGORIES:
        for body in pages(data, category):
            for content in etree.fromstring(body).iter(f"{ATOM}content"):
                [payload] = [c for c in content if isinstance(c.tag, str)]
                assert schema.validate(payload), (category, str(schema.error_log))
                checked[category] = checked.get(category, 0) + 1
    assert {c: data.size(c) for c in CATEGORIES} == checked
    assert any(e.deleted for e in data.entries)


def test_every_page_says_it_is_constructed(data: TkData) -> None:
    """The Atom wrapping is ours, and each page says so; test-made entries say so too."""
    bodies = [b for c in CATEGORIES for b in pages(data, c)]
    assert all(b"Constructed by the kamerstroom replay server" in b for b in bodies)
    assert sum(b.count(b"test data: made up by a test") for b in bodies) == 3


def test_inspect_a_replayed_page_uses_the_poll_s_reading(data: TkData) -> None:
    """Per entry: letters are the live Brief regering Documents, others say why not."""
    source = TweedeKamer(BASE, Path("/nonexistent/never-opened.sqlite3"))
    body = feed_xml(data, BASE, "Document", 0)
    result = source.inspect(body.encode(), "recorded")
    served = data.page("Document", 0)
    expected = ["letter" if not e.deleted and e.value("soort") == LETTER else "skipped"
                for _, e in served]

    assert [e.id for _, e in served] == [r.id for r in result]
    assert expected == [r.decision for r in result]
    reasons = {r.reason for r in result if r.decision == "skipped"}
    assert reasons <= {"tombstone", "not-a-letter"} and reasons
    letter = next(r for r in result if r.decision == "letter")
    assert {"soort", "onderwerp", "datum", "documentNummer", "volgnummer", "vergaderjaar",
            "bijgewerkt", "refs"} <= set(letter.fields)
    assert [] == letter.drift


def test_inspect_actors_and_dossiers_show_their_join_fields(data: TkData) -> None:
    source = TweedeKamer(BASE, Path("/nonexistent/never-opened.sqlite3"))
    [actor] = source.inspect(feed_xml(data, BASE, "DocumentActor", 0).encode(), "recorded")
    assert ("skipped", "related-entity") == (actor.decision, actor.reason)
    assert {"functie": "minister van Defensie", "relatie": "Eerste ondertekenaar"} == {
        k: actor.fields[k] for k in ("functie", "relatie")}
    assert ["document"] == list(actor.fields["refs"])  # type: ignore[call-overload]


def test_inspect_real_stripped_kamerstukdossier_entry() -> None:
    """The real entry is read, and its missing namespaces are reported as drift."""
    source = TweedeKamer(BASE, Path("/nonexistent/never-opened.sqlite3"))
    path = REAL / "entry-kamerstukdossier-30218-namespaces-stripped.xml"
    [found] = source.inspect(path.read_bytes(), str(path))

    assert ("1f031e16-cb3b-45b5-b3c9-a8abd27c913a", "skipped", "related-entity") == (
        found.id, found.decision, found.reason)
    assert ("30218", None, 53457) == (found.fields["nummer"], found.fields["toevoeging"],
                                      found.fields["skiptoken"])
    assert {"atom-namespace-missing", "entity-namespace-missing"} == {d.kind for d in found.drift}


def test_inspect_real_stripped_entry_of_another_category() -> None:
    source = TweedeKamer(BASE, Path("/nonexistent/never-opened.sqlite3"))
    path = REAL / "entry-fractieZetelPersoon-namespaces-stripped.xml"
    [found] = source.inspect(path.read_bytes(), str(path))

    assert ("skipped", "other-category") == (found.decision, found.reason)
    assert {"atom-namespace-missing", "entity-namespace-missing"} == {d.kind for d in found.drift}
    assert "2023-08-29T11:10:24+00:00" == found.fields["bijgewerkt"]


def test_inspect_real_namespaced_entity() -> None:
    """The real entity with its namespaces: only the missing Atom entry is drift."""
    source = TweedeKamer(BASE, Path("/nonexistent/never-opened.sqlite3"))
    path = REAL / "entity-commissieZetelVastPersoon-with-namespaces.xml"
    [found] = source.inspect(path.read_bytes(), str(path))

    assert ("c8db0181-90e3-4df3-a150-4c004584b160", "skipped", "other-category") == (
        found.id, found.decision, found.reason)
    assert ["entity-without-entry"] == [d.kind for d in found.drift]
    assert "http://www.tweedekamer.nl/xsd/tkData/v1-0" == found.fields["namespace"]
