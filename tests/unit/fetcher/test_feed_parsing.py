"""Reading feed pages: SRU responses, SyncFeed entries and rijksoverheid lists, without I/O."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from services.fetcher.sources.base import PollContext, Window
from services.fetcher.sources.officielebekendmakingen import extern_metadata_url, parse_page, query_for
from services.fetcher.sources.rijksoverheid import parse_list
from services.fetcher.sources.syncfeed import normalise_timestamp
from services.fetcher.sources.syncfeed import parse_page as parse_syncfeed
from shared.errors import FeedDrift, RetryLater, Unprocessable

REAL = Path(__file__).parents[2] / "fixtures" / "real"
TK = "http://www.tweedekamer.nl/xsd/tkData/v1-0"


def recorded_diagnostic() -> bytes:
    """The real SRU diagnostic, without the status and header lines the recorder wrote first."""
    text = (REAL / "koop-sru" / "zoek-officielebekendmakingen-sru12-diagnostic-error.txt").read_bytes()
    return text[text.index(b"<?xml"):]


def test_recorded_sru_diagnostic_is_an_error_with_its_message() -> None:
    """The diagnostic served with HTTP 200 raises, quoting the server's message."""
    with pytest.raises(RetryLater, match="Query syntax error: expected boolean"):
        parse_page(recorded_diagnostic())


def test_sru_page_with_a_byte_order_mark_is_read() -> None:
    """A page starting with a UTF-8 BOM parses to its records."""
    page = parse_page(b"\xef\xbb\xbf" + SRU_PAGE)
    assert (["kst-36200-XII-45"], 2, 1) == (
        [r.identifier for r in page.records], page.next_position, page.total)


def test_sru_page_that_is_not_xml_is_unprocessable() -> None:
    """A non-XML answer is reported as malformed, not crashed on."""
    with pytest.raises(Unprocessable) as caught:
        parse_page(b"<html><body>Service Unavailable")
    assert "malformed-xml" == caught.value.reason


def test_sru_record_gives_its_manifestations_and_version() -> None:
    """The XML and metadata URLs and the timestamp are read by local name."""
    [record] = parse_page(SRU_PAGE).records
    assert ("https://x/kst.xml", "https://x/metadata.xml", "2024-01-02T10:00:00+01:00",
            "2024-01-02") == (record.xml_url, record.metadata_url, record.version, record.modified)


def test_query_has_one_day_of_overlap_or_the_backfill_range() -> None:
    """Live queries start a day before the watermark; a backfill queries its own range."""
    live = query_for(PollContext(checkpoint="2025-10-03", seen=lambda _: None))
    backfill = query_for(PollContext(checkpoint="7", seen=lambda _: None,
                                     window=Window(date(2024, 1, 1), date(2024, 2, 1))))
    assert live.endswith("AND dt.modified>=2025-10-02")
    assert backfill.endswith("AND dt.modified>=2024-01-01 AND dt.modified<=2024-02-01")


def test_kst_xml_that_only_points_to_its_metadata_is_recognised() -> None:
    """Only an externMetadataRecord-only kst XML needs the metadata manifestation."""
    pointer = (b'<officiele-publicatie><metadata><meta name="OVERHEIDop.externMetadataRecord" '
               b'content="https://x/kst-1/metadata.xml"/></metadata></officiele-publicatie>')
    full = (b'<officiele-publicatie><metadata><meta name="DC.identifier" content="kst-1"/>'
            b"</metadata></officiele-publicatie>")
    assert ("https://x/kst-1/metadata.xml", None) == (
        extern_metadata_url(pointer, "u"), extern_metadata_url(full, "u"))


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


SRU_PAGE = b"""<?xml version="1.0" encoding="UTF-8"?>
<sru:searchRetrieveResponse xmlns:sru="http://docs.oasis-open.org/ns/search-ws/sruResponse">
<sru:numberOfRecords>1</sru:numberOfRecords><sru:records><sru:record><sru:recordData>
<gzd:gzd xmlns:gzd="http://standaarden.overheid.nl/sru" xmlns:dcterms="http://purl.org/dc/terms/">
<dcterms:identifier>kst-36200-XII-45</dcterms:identifier><dcterms:modified>2024-01-02</dcterms:modified>
<gzd:enrichedData><gzd:url>https://x/kst.xml</gzd:url>
<gzd:itemUrl manifestation="xml">https://x/kst.xml</gzd:itemUrl>
<gzd:itemUrl manifestation="metadata">https://x/metadata.xml</gzd:itemUrl>
<gzd:timestamp>2024-01-02T10:00:00+01:00</gzd:timestamp></gzd:enrichedData></gzd:gzd>
</sru:recordData></sru:record></sru:records><sru:nextRecordPosition>2</sru:nextRecordPosition>
</sru:searchRetrieveResponse>"""


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
