"""Atom feeds read back as feed readers read them: ``feedparser`` (what most feed readers
build on) must parse every one without a complaint (``bozo`` false)."""

from __future__ import annotations

import feedparser

from tests.integration.publisher.conftest import Publisher
from tests.integration.publisher.read_letters import CITING, MAIN, SENATE, feed_letters
from tests.unit.publisher.letters import SUBJECT


def _parse(raw: bytes) -> feedparser.FeedParserDict:
    parsed = feedparser.parse(raw)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert "atom10" == parsed.version
    return parsed


async def test_every_feed_is_valid_atom_with_links_to_the_official_documents(publisher: Publisher) -> None:
    await feed_letters(publisher)
    feeds = {
        "": [MAIN, SENATE, CITING], "?ministry=def": [MAIN, SENATE], "?ministry=fin": [CITING],
        "?dossier=36124": [MAIN], "?dossier=24515": [SENATE], "?cites=36124": [CITING],
        "?q=financi%C3%ABle": [CITING], "?chamber=ek&limit=1": [SENATE], "?since=2999-01-01": [],
    }
    for query, expected in feeds.items():
        status, headers, raw = await publisher.read(f"/feeds/kamerbrieven.atom{query}")
        assert 200 == status, (query, raw)
        assert headers["Content-Type"].startswith("application/atom+xml")
        parsed = _parse(raw)
        assert [f"tag:kamerstroom.nl,2026:kamerbrief:{i}" for i in expected] == [
            e.id for e in parsed.entries], query
        assert parsed.feed.links[0].href.endswith(f"/feeds/kamerbrieven.atom{query}")
    parsed = _parse((await publisher.read("/feeds/kamerbrieven.atom"))[2])
    main, senate, citing = parsed.entries
    assert "Brief van de minister van Defensie over materieelprojecten" == main.title
    assert "Ministerie van Defensie" == main.author
    assert f"Betreft: {SUBJECT}. Ministerie van Defensie, brief van 2026-11-20. Kamerstuk 36124, nr. 3." \
        == main.summary
    assert {"ministry:def", "dossier:36124"} == {t.term for t in main.tags}
    links = {(link.rel, link.type): link.href for link in main.links}
    assert "https://example.org/2026D41234.pdf" == links["alternate", "application/pdf"]
    assert "https://example.org/kst-36124-3.xml" == links["related", "application/xml"]
    assert "https://example.org/kst-31839-9.html" == {
        (link.rel, link.type): link.href for link in citing.links}["alternate", "text/html"]
    assert 'Brief aan de Eerste Kamer <over> "materieel" & meer' == senate.title  # escaped, read back
    senate_links = {(link.rel, link.type): link.href for link in senate.links}
    assert senate_links["alternate", "application/json"].endswith(f"/v1/kamerbrieven/{SENATE}")
    assert main.updated_parsed >= main.published_parsed


async def test_feeds_answer_conditional_get(publisher: Publisher) -> None:
    """The same letters give the same ETag and If-None-Match then gets 304; a new version changes it."""
    await feed_letters(publisher)
    path = "/feeds/kamerbrieven.atom?ministry=def"
    status, headers, _ = await publisher.read(path)
    etag = headers["ETag"]
    assert 200 == status and etag.startswith('"')
    status, again, raw = await publisher.read(path, headers={"If-None-Match": etag})
    assert (304, b"", etag) == (status, raw, again["ETag"])
    status, _, _ = await publisher.read(path, headers={"If-None-Match": f'"other", W/{etag}'})
    assert 304 == status
    status, _, _ = await publisher.read("/feeds/kamerbrieven.atom?ministry=fin",
                                        headers={"If-None-Match": etag})
    assert 200 == status
    status, _, raw = await publisher.read("/feeds/kamerbrieven.atom?limit=abc")
    assert 400 == status and b"limit" in raw
