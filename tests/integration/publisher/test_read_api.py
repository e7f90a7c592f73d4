"""The read API end to end: letters go through the publisher on the real broker, then are read back."""

from __future__ import annotations

import base64
import json

from tests.integration.publisher.conftest import READ_TOKEN, Publisher
from tests.integration.publisher.read_letters import CITING, MAIN, SENATE, feed_letters
from tests.unit.publisher.letters import SUBJECT


async def _ids(publisher: Publisher, query: str) -> list[str]:
    status, body = await publisher.read_json(f"/v1/kamerbrieven?{query}")
    assert 200 == status, body
    return [row["id"] for row in body["data"]]


async def test_filters_full_text_and_citations(publisher: Publisher) -> None:
    """Each filter narrows the list; newest change first; q folds diacritics; cites finds citers."""
    await feed_letters(publisher)
    status, body = await publisher.read_json("/v1/kamerbrieven")
    assert 200 == status
    assert [2, 1, 1] == [row["version"] for row in body["data"]]
    assert ["updated", "published", "published"] == [row["kind"] for row in body["data"]]
    assert SUBJECT == body["data"][0]["record"]["subject"]
    assert "body_text" not in body["data"][0]["record"]  # the long fields are in the detail only
    assert (20, False, None, []) == (body["limit"], body["limit_clamped"], body["next_cursor"],
                                     body["warnings"])
    assert [MAIN, SENATE] == await _ids(publisher, "ministry=DEF")
    assert [CITING] == await _ids(publisher, "ministry=fin")
    assert [MAIN] == await _ids(publisher, "dossier=36124")
    assert [SENATE] == await _ids(publisher, "chamber=ek")
    assert [CITING] == await _ids(publisher, "cites=36124")
    assert [] == await _ids(publisher, "cites=31839")
    assert [CITING] == await _ids(publisher, "q=financiele gevolgen")
    assert [MAIN] == await _ids(publisher, "q=materieelprojecten&ministry=def")
    assert [] == await _ids(publisher, "q=financiele&ministry=def")
    assert [MAIN, SENATE, CITING] == await _ids(publisher, "since=2000-01-01&until=2999-01-01T00:00:00Z")
    assert [] == await _ids(publisher, "since=2999-01-01")


async def test_cursor_pages_and_limits(publisher: Publisher) -> None:
    """limit=1 walks the three letters by next_cursor; a changed cursor or other filters are 400;
    a limit over 100 is clamped and said so."""
    await feed_letters(publisher)
    seen, cursor, pages = [], None, 0
    while pages < 5:
        more = f"&cursor={cursor}" if cursor else ""
        status, body = await publisher.read_json(f"/v1/kamerbrieven?limit=1{more}")
        assert 200 == status, body
        seen += [row["id"] for row in body["data"]]
        pages, cursor = pages + 1, body["next_cursor"]
        if cursor is None:
            break
    assert [MAIN, SENATE, CITING] == seen
    assert 3 == pages
    status, first = await publisher.read_json("/v1/kamerbrieven?limit=1")
    cursor = first["next_cursor"]
    payload, signature = cursor.split(".")
    data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    forged = base64.urlsafe_b64encode(json.dumps({**data, "i": "kst-99999-1"}).encode()).rstrip(b"=").decode()
    for bad, reason in ((f"{forged}.{signature}", "altered"), ("garbage!", "malformed"),
                        (cursor[:-2] + ("AA" if not cursor.endswith("AA") else "BB"), "altered")):
        status, body = await publisher.read_json(f"/v1/kamerbrieven?limit=1&cursor={bad}")
        assert (400, "bad-request") == (status, body["error"]), bad
        assert reason in body["detail"]
    status, body = await publisher.read_json(f"/v1/kamerbrieven?limit=1&ministry=def&cursor={cursor}")
    assert 400 == status and "other filters" in body["detail"]
    status, body = await publisher.read_json("/v1/kamerbrieven?limit=500")
    assert (200, 100, True) == (status, body["limit"], body["limit_clamped"])
    assert ["limit 500 is over the maximum: clamped to 100"] == body["warnings"]


async def test_bad_input_is_400_with_the_reason(publisher: Publisher) -> None:
    await feed_letters(publisher)
    cases = {
        "ministries=def": "unknown parameter(s) ministries",
        "since=27-11-2026": "since '27-11-2026' is not an ISO 8601 date",
        "until=yesterday": "until 'yesterday' is not an ISO 8601",
        "q=" + "a" * 501: "q is 501 characters; at most 500",
        "chamber=senate": "chamber is tk",
        "limit=0": "limit is at least 1",
        "limit=ten": "limit 'ten' is not a whole number",
        "ministry=def&ministry=fin": "give ministry once",
        "since=2026-12-01&until=2026-11-01": "since must be before until",
    }
    for query, reason in cases.items():
        status, body = await publisher.read_json(f"/v1/kamerbrieven?{query}")
        assert (400, "bad-request") == (status, body.get("error")), (query, body)
        assert reason in body["detail"], (query, body)


async def test_a_letter_its_versions_and_their_diff(publisher: Publisher) -> None:
    await feed_letters(publisher)
    status, letter = await publisher.read_json(f"/v1/kamerbrieven/{MAIN}")
    assert 200 == status
    assert (2, "updated", 2) == (letter["version"], letter["kind"], letter["record"]["version"])
    assert "Hierbij informeer ik uw Kamer over de voortgang." == letter["record"]["body_text"]
    assert [(1, "published", []), (2, "updated", ["same_as", "subject", "ministry", "document_number",
                                                  "urls"])] == [
        (v["version"], v["kind"], v["changed_fields"]) for v in letter["versions"]]
    assert letter["published_at"] == letter["versions"][0]["stored_at"] < letter["updated_at"]

    status, first = await publisher.read_json(f"/v1/kamerbrieven/{MAIN}/versions/1")
    assert (200, 1, None) == (status, first["record"]["version"], first["record"]["ministry"])

    status, diff = await publisher.read_json(f"/v1/kamerbrieven/{MAIN}/diff?from=1&to=2")
    assert 200 == status
    changes = {c["field"]: (c["old"], c["new"]) for c in diff["changes"]}
    assert ["same_as", "subject", "ministry", "document_number", "urls"] == list(changes)
    assert (None, SUBJECT) == changes["subject"]
    assert (None, "def") == (changes["ministry"][0], changes["ministry"][1]["code"])
    old_urls, new_urls = changes["urls"]
    assert (None, "https://example.org/2026D41234.pdf") == (old_urls["pdf"], new_urls["pdf"])
    status, same = await publisher.read_json(f"/v1/kamerbrieven/{MAIN}/diff?from=2&to=2")
    assert (200, []) == (status, same["changes"])

    for path, code in ((f"/v1/kamerbrieven/{MAIN}/versions/3", 404), ("/v1/kamerbrieven/kst-1-1", 404),
                       (f"/v1/kamerbrieven/{MAIN}/diff?from=1&to=9", 404),
                       (f"/v1/kamerbrieven/{MAIN}/versions/first", 400),
                       (f"/v1/kamerbrieven/{MAIN}/diff?from=1", 400),
                       (f"/v1/kamerbrieven/{MAIN}/diff?from=1&to=two", 400),
                       (f"/v1/kamerbrieven/{MAIN}?fields=all", 400)):
        status, body = await publisher.read_json(path)
        assert code == status, (path, body)
        assert body["detail"]


async def test_reads_need_the_read_token(publisher: Publisher) -> None:
    """No token or a wrong one (the admin token too) is 401 with a challenge; Basic with the token
    as password is let in (feed readers and browsers)."""
    for path in ("/v1/kamerbrieven", f"/v1/kamerbrieven/{MAIN}", "/feeds", "/feeds/kamerbrieven.atom"):
        for token in (None, "wrong", publisher.runtime.settings.admin_token):
            status, headers, raw = await publisher.read(path, token=token)
            assert 401 == status, (path, token)
            assert "Bearer" in headers["WWW-Authenticate"] and "Basic" in headers["WWW-Authenticate"]
            assert "KAMERSTROOM_READ_TOKEN" in json.loads(raw)["detail"]
    basic = base64.b64encode(f"reader:{READ_TOKEN}".encode()).decode()
    status, _, _ = await publisher.read("/v1/kamerbrieven", token=None,
                                        headers={"Authorization": f"Basic {basic}"})
    assert 200 == status
