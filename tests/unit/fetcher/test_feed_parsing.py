"""Reading SyncFeed pages without I/O."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.fetcher.sources.syncfeed import normalise_timestamp
from services.fetcher.sources.syncfeed import parse_page as parse_syncfeed
from shared.errors import FeedDrift

REAL = Path(__file__).parents[2] / "fixtures" / "real"
TK = "http://www.tweedekamer.nl/xsd/tkData/v1-0"


def test_syncfeed_reads_tk_and_ns1_prefixes_alike() -> None:
    """Attributes with either prefix give the same entry fields."""
    page = parse_syncfeed(syncfeed(entry(A, "tk", "2025-09-29T10:24:57.08+02:00", 7),
                               entry(B, "ns1", "2025-09-29T10:24:57.08+02:00", 8), next_token=8),
                      "u", "Document")
    assert [(A, 7, "Brief regering", False, []), (B, 8, "Brief regering", False, [])] == [
        (e.id, e.skiptoken, e.entity.field("soort") if e.entity else None,
         e.entity.deleted if e.entity else None, e.drift) for e in page.entries]
    assert 8 == page.next_token


def test_syncfeed_tombstone_is_deleted() -> None:
    """``verwijderd="true"`` marks a tombstone."""
    [tombstone] = parse_syncfeed(syncfeed(entry(C, "tk", "2025-09-29T10:00:00", 9, deleted=True)),
                             "u", "Document").entries
    assert tombstone.entity is not None
    assert (True, None, True) == (tombstone.entity.deleted, tombstone.entity.field("soort"),
                                  tombstone.usable)


def test_syncfeed_entries_that_break_the_contract_are_drift() -> None:
    """An entry without content, a Document without soort or without bijgewerkt: each is named."""
    no_content = (f"<entry><title>{A}</title><link rel=\"next\" "
                  f"href=\"http://x/Feed?category=Document&amp;skiptoken=1\"/></entry>")
    no_soort = entry(B, "tk", "2025-09-29T10:00:00", 2).replace("<soort>Brief regering</soort>", "")
    no_time = entry(C, "tk", "", 3)
    page = parse_syncfeed(syncfeed(no_content, no_soort, no_time), "u", "Document")
    assert [["entry-without-content"], ["document-without-soort"], ["entity-without-bijgewerkt"]] == [
        [d.kind for d in e.drift] for e in page.entries]
    assert [False, True, False] == [e.usable for e in page.entries]


def test_a_page_in_a_renamed_namespace_or_not_atom_is_feed_drift() -> None:
    """Every entity in an unknown namespace spoils the page; so does an answer that is not Atom."""
    renamed = syncfeed(entry(A, "tk", "2025-09-29T10:00:00", 1).replace(TK, TK.replace("v1-0", "v2-0")))
    kinds = []
    for body in (renamed, b"<html><body>moved</body></html>", b"{}",
                 b'<feed xmlns="http://example.org/other"/>'):
        with pytest.raises(FeedDrift) as caught:
            parse_syncfeed(body, "u", "Document")
        kinds.append(caught.value.kind)
    assert ["page-unreadable", "not-atom", "not-atom", "feed-namespace"] == kinds


def test_naive_and_offset_timestamps_normalise_to_the_same_utc_instant() -> None:
    """A naive ``bijgewerkt`` is Dutch local time, equal to the same time with its offset."""
    assert normalise_timestamp("2025-09-29T10:24:57.08") == \
        normalise_timestamp("2025-09-29T10:24:57.08+02:00") == "2025-09-29T08:24:57.080000+00:00"


A, B, C = ("00000000-0000-4000-8000-00000000000a", "00000000-0000-4000-8000-00000000000b",
           "00000000-0000-4000-8000-00000000000c")


def entry(uid: str, prefix: str, updated: str, token: int, deleted: bool = False) -> str:
    fields = "" if deleted else "<soort>Brief regering</soort><datum>2025-09-24T00:00:00+02:00</datum>"
    return (f"<entry><title>{uid}</title>"
            f'<link rel="next" href="http://x/SyncFeed/2.0/Feed?category=Document&amp;skiptoken={token}"/>'
            f'<content type="application/xml"><document xmlns="{TK}" xmlns:{prefix}="{TK}" id="{uid}" '
            f'{prefix}:bijgewerkt="{updated}" {prefix}:verwijderd="{str(deleted).lower()}">'
            f"{fields}</document></content></entry>")


def syncfeed(*entries: str, next_token: int | None = None) -> bytes:
    nxt = (f'<link rel="next" href="http://x/SyncFeed/2.0/Feed?category=Document&amp;skiptoken={next_token}"/>'
           if next_token else "")
    body = "".join(e.replace("<entry>", '<entry xmlns="http://www.w3.org/2005/Atom">') for e in entries)
    return f'<feed xmlns="http://www.w3.org/2005/Atom">{nxt}{body}</feed>'.encode()
