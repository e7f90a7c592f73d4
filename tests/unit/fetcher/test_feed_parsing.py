"""Reading feed pages: SRU responses, SyncFeed entries and rijksoverheid lists, without I/O."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from services.fetcher.sources.rijksoverheid import parse_list
from services.fetcher.sources.tweedekamer import normalise_timestamp, parse_feed
from shared.errors import Unprocessable

REAL = Path(__file__).parents[2] / "fixtures" / "real"
TK = "http://www.tweedekamer.nl/xsd/tkData/v1-0"


def test_syncfeed_reads_tk_and_ns1_prefixes_alike() -> None:
    """Attributes with either prefix give the same entry fields."""
    page = parse_feed(syncfeed(entry("a", "tk", "2025-09-29T10:24:57.08+02:00", 7),
                               entry("b", "ns1", "2025-09-29T10:24:57.08+02:00", 8), next_token=8))
    assert [("a", 7, "Brief regering", False), ("b", 8, "Brief regering", False)] == [
        (e.id, e.skiptoken, e.soort, e.deleted) for e in page.entries]
    assert 8 == page.next_token


def test_syncfeed_tombstone_is_deleted() -> None:
    """``verwijderd="true"`` marks a tombstone."""
    [tombstone] = parse_feed(syncfeed(entry("c", "tk", "2025-09-29T10:00:00", 9, deleted=True))).entries
    assert (True, None) == (tombstone.deleted, tombstone.soort)


def test_naive_and_offset_timestamps_normalise_to_the_same_utc_instant() -> None:
    """A naive ``bijgewerkt`` is Dutch local time, equal to the same time with its offset."""
    assert normalise_timestamp("2025-09-29T10:24:57.08") == \
        normalise_timestamp("2025-09-29T10:24:57.08+02:00") == "2025-09-29T08:24:57.080000+00:00"


def test_rijksoverheid_list_that_is_not_a_list_is_unprocessable() -> None:
    """A JSON object without documents, or not JSON at all, is reported with a reason."""
    reasons = []
    for body in (b'{"error": "x"}', b"<html>"):
        with pytest.raises(Unprocessable) as caught:
            parse_list(body)
        reasons.append(caught.value.reason)
    assert ["unexpected-response", "malformed-json"] == reasons


def test_rijksoverheid_list_entries_keep_id_date_and_version() -> None:
    """Each entry gives id, availability date and last-modified version."""
    [item] = parse_list(b'[{"id": "d1", "available": "2023-02-03T10:00:00", '
                        b'"lastmodified": "2023-02-04T09:00:00", "dataurl": "http://x/d1"}]')
    assert ("d1", date(2023, 2, 3), "2023-02-04T09:00:00") == (item.id, item.day, item.version)


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
    return f'<feed xmlns="http://www.w3.org/2005/Atom">{nxt}{"".join(entries)}</feed>'.encode()
