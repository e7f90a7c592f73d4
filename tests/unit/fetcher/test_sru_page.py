"""Reading KOOP SRU responses on the real recordings: pages, drift, inspect (no I/O)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from services.fetcher.sources import sru_page
from services.fetcher.sources.base import PollContext, Window
from services.fetcher.sources.officielebekendmakingen import (
    AFTER,
    OfficieleBekendmakingen,
    extern_metadata_url,
    keyed,
    query_for,
    resume_key,
)
from services.fetcher.sources.sru_page import parse_page
from shared.errors import FeedDrift, RetryLater

SRU = Path(__file__).parents[2] / "fixtures" / "real" / "koop-sru"
PAGE_2021 = SRU / "repository-overheid-sru20-staten-generaal-2021-10-13-page1.xml"
ASSEMBLED = SRU / "repository-overheid-sru20-assembled-test-page-5-records.xml"
UNKNOWN_PREFIX = SRU / "repository-overheid-sru20-diagnostic-unknown-prefix.xml"
SRU12 = SRU / "zoek-officielebekendmakingen-sru12-searchRetrieve-stb.xml.txt"
SRU12_DIAGNOSTIC = SRU / "zoek-officielebekendmakingen-sru12-diagnostic-error.txt"
SOURCE = OfficieleBekendmakingen("http://127.0.0.1:9/sru")


def without_preamble(path: Path) -> bytes:
    """The XML body of a recording whose recorder wrote lines before it."""
    body = path.read_bytes()
    return body[body.index(b"<?xml"):]


@pytest.mark.parametrize(("body", "message"), [
    (UNKNOWN_PREFIX.read_bytes(), "unknown prefix dcterms"),
    (without_preamble(SRU12_DIAGNOSTIC), "Query syntax error: expected boolean"),
])
def test_a_real_diagnostic_is_drift_and_retried_never_an_empty_page(body: bytes, message: str) -> None:
    """SRU 2.0 and 1.2 diagnostics (HTTP 200) raise FeedDrift, a RetryLater, quoting the server."""
    with pytest.raises(FeedDrift, match=message) as caught:
        parse_page(body, "u")
    assert sru_page.DIAGNOSTIC == caught.value.kind
    assert isinstance(caught.value, RetryLater)


def test_a_page_in_another_namespace_is_drift() -> None:
    """The real page with its SRU namespace changed is not read as SRU (constructed change)."""
    changed = PAGE_2021.read_bytes().replace(
        b"http://docs.oasis-open.org/ns/search-ws/sruResponse", b"http://example.invalid/sru")
    with pytest.raises(FeedDrift) as caught:
        parse_page(changed, "u")
    assert sru_page.NOT_SRU == caught.value.kind


@pytest.mark.parametrize("path", [SRU12, SRU12_DIAGNOSTIC])
def test_a_recording_with_a_recorder_preamble_is_not_a_response(path: Path) -> None:
    """The recorder's ``URL: …`` lines before the XML: the file is not an HTTP body."""
    with pytest.raises(FeedDrift, match="URL: ") as caught:
        parse_page(path.read_bytes(), str(path))
    assert sru_page.NOT_XML == caught.value.kind


def test_the_legacy_sru_12_response_is_read_once_its_preamble_is_gone() -> None:
    """The 1.2 namespace is accepted: its five Staatsblad records are read (and are no Kamerstukken)."""
    page = parse_page(without_preamble(SRU12), "u")
    assert 5 == len(page.records)
    assert all(r.identifier.startswith("stb-") for r in page.records)


def test_a_bom_before_the_real_page_is_read() -> None:
    page = parse_page(b"\xef\xbb\xbf" + PAGE_2021.read_bytes(), "u")
    assert (10, 11, 76) == (len(page.records), page.next_position, page.total)


def test_the_letter_record_gives_its_manifestations_version_and_upstream_time() -> None:
    """kst-22112-3185: XML and metadata URLs, gzd:timestamp as version, converted to UTC."""
    [letter] = [r for r in parse_page(PAGE_2021.read_bytes(), "u").records
                if r.identifier == "kst-22112-3185"]
    assert letter.xml_url is not None and letter.xml_url.endswith("/1/xml/kst-22112-3185.xml")
    assert letter.metadata_url is not None and letter.metadata_url.endswith("/metadata/metadata.xml")
    assert "2021-10-13T14:30:16.366356+02:00" == letter.version
    assert datetime(2021, 10, 13, 12, 30, 16, 366356, tzinfo=UTC) == letter.upstream_time


def test_a_bijlage_has_no_xml_manifestation_even_though_gzd_url_names_its_pdf() -> None:
    records = parse_page(PAGE_2021.read_bytes(), "u").records
    assert all(r.xml_url is None for r in records if r.identifier.startswith("blg-"))


def _one_record_changed(old: bytes, new: bytes) -> bytes:
    """The real page with the first occurrence of ``old`` replaced (a constructed deviation)."""
    body = PAGE_2021.read_bytes()
    assert old in body
    return body.replace(old, new, 1)


@pytest.mark.parametrize(("old", "new", "kind", "usable"), [
    (b"<dcterms:identifier>blg-998035</dcterms:identifier>", b"", sru_page.NO_IDENTIFIER, 9),
    (b"<gzd:timestamp>2021-10-13T14:35:42.552155+02:00</gzd:timestamp>", b"",
     sru_page.NO_TIMESTAMP, 10),
    (b"<sru:recordSchema>http://standaarden.overheid.nl/sru/</sru:recordSchema>",
     b"<sru:recordSchema>info:srw/schema/1/dc-v1.1</sru:recordSchema>", sru_page.UNKNOWN_SCHEMA, 9),
])
def test_one_bad_record_is_drift_and_the_page_goes_on(old: bytes, new: bytes, kind: str,
                                                      usable: int) -> None:
    page = parse_page(_one_record_changed(old, new), "u")
    assert [kind] == [d.kind for e in page.entries for d in e.drift]
    assert usable == len(page.records)


def test_a_record_without_timestamp_falls_back_to_its_modified_day() -> None:
    body = _one_record_changed(b"<gzd:timestamp>2021-10-13T14:35:42.552155+02:00</gzd:timestamp>", b"")
    record = parse_page(body, "u").records[0]
    assert ("2021-10-13", datetime(2021, 10, 13, tzinfo=UTC)) == (record.version, record.upstream_time)


def test_live_queries_overlap_a_day_and_a_backfill_queries_its_range() -> None:
    live = query_for(PollContext(checkpoint="2025-10-03", seen=lambda _: None))
    backfill = query_for(PollContext(checkpoint=None, seen=lambda _: None,
                                     window=Window(date(2024, 1, 1), date(2024, 2, 1))))
    assert live.endswith("AND dt.modified>=2025-10-02")
    assert backfill.endswith("AND dt.modified>=2024-01-01 AND dt.modified<=2024-02-01")


def test_every_page_is_sorted_by_identifier_and_pages_after_the_last_one() -> None:
    assert keyed("q", None) == "q sortBy dt.identifier/sort.ascending"
    assert keyed("q", 'kst-1"x') == 'q AND dt.identifier>"kst-1\\"x" sortBy dt.identifier/sort.ascending'


def test_a_backfill_resumes_after_its_checkpointed_identifier_and_restarts_on_an_old_one() -> None:
    window = Window(date(2024, 1, 1))

    def context(checkpoint: str | None) -> PollContext:
        return PollContext(checkpoint=checkpoint, seen=lambda _: None, window=window)

    assert "kst-36867-B" == resume_key(context(AFTER + "kst-36867-B"))
    assert [None, None] == [resume_key(context("1201")), resume_key(context(None))]


def test_extern_metadata_pointer_is_recognised() -> None:
    pointer = (b'<officiele-publicatie><metadata><meta name="OVERHEIDop.externMetadataRecord" '
               b'content="https://x/kst-1/metadata.xml"/></metadata></officiele-publicatie>')
    full = (b'<officiele-publicatie><metadata><meta name="DC.identifier" content="kst-1"/>'
            b"</metadata></officiele-publicatie>")
    assert ("https://x/kst-1/metadata.xml", None) == (
        extern_metadata_url(pointer, "u"), extern_metadata_url(full, "u"))


def test_inspect_says_what_a_poll_would_do_with_each_record_of_the_real_page() -> None:
    """One letter with its fields; every other record skipped with a reason; no drift."""
    inspections = SOURCE.inspect(PAGE_2021.read_bytes(), str(PAGE_2021))
    [letter] = [i for i in inspections if i.decision == "letter"]

    assert 10 == len(inspections)
    assert "kst-22112-3185" == letter.id
    assert {"subrubriek": "Brief", "dossiernummer": "22112", "ondernummer": "3185",
            "vergaderjaar": "2020-2021", "modified": "2021-10-13", "chamber": "tk"}.items() \
        <= letter.fields.items()
    assert str(letter.fields["xml_url"]).endswith("kst-22112-3185.xml")
    assert {"skipped"} == {i.decision for i in inspections if i is not letter}
    assert all(i.reason for i in inspections if i is not letter)
    assert [] == [d for i in inspections for d in i.drift]


def test_inspect_reads_the_chamber_from_each_records_creator() -> None:
    """h-ek records are created by the Eerste Kamer, the others by the Tweede Kamer."""
    chambers = {i.id: i.fields["chamber"] for i in SOURCE.inspect(PAGE_2021.read_bytes(), "u")}
    assert {"ek"} == {c for i, c in chambers.items() if str(i).startswith("h-ek-")}
    assert {"tk"} == {c for i, c in chambers.items() if not str(i).startswith("h-ek-")}


def test_inspect_works_on_every_recorded_sru_file() -> None:
    """Each file gives inspections or a FeedDrift that says why it is no SRU page."""
    outcomes = {}
    for path in sorted(SRU.iterdir()):
        try:
            outcomes[path.name] = [i.decision for i in SOURCE.inspect(path.read_bytes(), str(path))]
        except FeedDrift as exc:
            outcomes[path.name] = [exc.kind]
    assert 6 == len(outcomes)
    assert [sru_page.DIAGNOSTIC] == outcomes[UNKNOWN_PREFIX.name]
    assert [sru_page.NOT_SRU] == outcomes["repository-overheid-sru20-record-gmb-namespace-stripped.xml"]
    assert {"skipped"} == set(outcomes[ASSEMBLED.name])
