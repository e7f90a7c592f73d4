"""The SRU source against the replayed KOOP feed (real SRU pages) and the real broker."""

from __future__ import annotations

import dataclasses
import re
from datetime import date
from pathlib import Path
from urllib.parse import unquote

import pytest

from kamerstroom.feedserver import sru as replay
from kamerstroom.receivers import wait_for
from services.fetcher.backfill import backfill
from services.fetcher.http import PoliteClient
from services.fetcher.sources.base import PollContext, Skipped, Window
from services.fetcher.sources.officielebekendmakingen import OfficieleBekendmakingen
from services.fetcher.store import FetcherStore
from shared.errors import RetryLater
from shared.messaging import Broker
from tests.integration.fetcher.conftest import FAST, FlakyBroker, Harness

SOURCE = "officielebekendmakingen"
SRU = Path(__file__).parents[2] / "fixtures" / "real" / "koop-sru"
PAGE_2021 = SRU / "repository-overheid-sru20-staten-generaal-2021-10-13-page1.xml"
ASSEMBLED = SRU / "repository-overheid-sru20-assembled-test-page-5-records.xml"


def document_requests(harness: Harness) -> list[str]:
    return [r for r in harness.server.faults.requests if r.startswith("/frbr/")]


async def test_on_the_real_2021_page_only_the_letter_is_fetched(harness: Harness) -> None:
    """Of the page's ten records one is typed Brief: one document request, one letter queued."""
    harness.server.sru.replace(replay.load_page(PAGE_2021, replay_folder(harness)))
    tally = await harness.poll(SOURCE)
    queued = [m.json() for m in await harness.raw()]

    assert ["kst-22112-3185"] == [d["upstream_id"] for d in queued]
    assert [["kst-22112-3185.xml"]] == [[r.rsplit("/", 1)[-1] for r in document_requests(harness)]]
    assert (1, {"not-a-kamerstuk": 9}) == (tally.queued, tally.skipped)
    assert "2021-10-13T12:30:16.366356Z" == queued[0]["upstream_time"]


async def test_on_the_real_assembled_page_nothing_is_fetched(harness: Harness) -> None:
    """Two moties typed Motie, an ah-tk answer and two bijlagen: no document request at all."""
    harness.server.sru.replace(replay.load_page(ASSEMBLED))
    tally = await harness.poll(SOURCE)

    assert [] == document_requests(harness)
    assert (0, {"not-a-letter": 2, "not-a-kamerstuk": 3}) == (tally.queued, tally.skipped)
    assert [] == await harness.raw()


async def test_the_default_replay_queues_the_letter_and_skips_moties_and_non_kamerstukken(
        harness: Harness) -> None:
    """Real page plus the constructed motie records: the letter only, its metadata as sent."""
    tally = await harness.poll(SOURCE)
    queued = await harness.raw()

    assert harness.server.expected_letters()[SOURCE] == tally.queued == len(queued)
    assert ["kst-22112-3185"] == [m.json()["upstream_id"] for m in queued]
    assert {"not-a-letter": 3, "not-a-kamerstuk": 9} == tally.skipped
    assert 1 == len(document_requests(harness))
    assert {"sru-record"} == {m.json()["metadata"]["kind"] for m in queued}


async def test_restart_resumes_from_the_watermark_with_one_day_of_overlap(harness: Harness) -> None:
    """After a restart the query starts a day before the newest modified date; nothing repeats."""
    await harness.poll(SOURCE)
    harness.server.faults.requests.clear()
    second = await harness.poll(SOURCE)

    assert (0, {}) == (second.queued, second.skipped)  # the skips are remembered
    assert 1 == len(await harness.raw())
    queries = [r for r in harness.server.faults.requests if r.startswith("/sru")]
    assert 1 == len(queries)
    assert "dt.modified%3E%3D2025-10-02" in queries[0]  # watermark 2025-10-03 minus one day
    assert [] == document_requests(harness)


@pytest.mark.parametrize(("fault", "kind"), [("diagnostic", "sru-diagnostic"),
                                             ("unknown-prefix", "sru-diagnostic"),
                                             ("unknown-namespace", "not-sru-response"),
                                             ("invalid-xml", "not-xml"),
                                             ("404", "endpoint-gone"), ("410", "endpoint-gone")])
async def test_a_changed_format_is_drift_within_one_poll_and_the_checkpoint_holds(
        harness: Harness, fault: str, kind: str) -> None:
    """The replay switches format: the running fetcher counts drift, queues nothing, keeps its place."""
    await harness.poll(SOURCE)
    await harness.raw()
    service = harness.service(interval=3600.0)
    before = checkpoint(harness)
    harness.server.faults.add("/sru", fault)
    await service.start()
    try:
        await wait_for(lambda: service.drift.total(SOURCE) > 0, timeout=10)
        state = service.states[SOURCE]
        assert [kind] == list(service.drift.detail(SOURCE))
        assert (1, None, 0) == (state.consecutive_failures, state.last_success, state.queued)
        assert before == checkpoint(harness) is not None
    finally:
        await service.stop()


async def test_sru_diagnostic_with_http_200_is_an_error(harness: Harness) -> None:
    """The real recorded diagnostic fails the poll with its message and queues nothing."""
    harness.server.faults.add("/sru", "diagnostic")
    with pytest.raises(RetryLater, match="Query syntax error"):
        await harness.poll(SOURCE)
    assert [] == await harness.raw()


async def test_a_byte_order_mark_on_the_page_is_read(harness: Harness) -> None:
    harness.server.faults.add("/sru", "bom")
    tally = await harness.poll(SOURCE)
    assert (1, 12) == (tally.queued, tally.skipped_total)


async def test_invalid_xml_document_is_dead_lettered_and_the_walk_goes_on(harness: Harness) -> None:
    """The letter's document not being XML dead-letters it with its reason; the skips still count."""
    harness.server.faults.add("/frbr/officielepublicaties/kst/22112/", "invalid-xml")
    tally = await harness.poll(SOURCE)
    dead = await harness.dead()

    assert (0, 1, 12) == (tally.queued, tally.dead_lettered, tally.skipped_total)
    assert ["malformed-xml"] == [d.headers["x-kamerstroom-reason"] for d in dead]
    assert "kst-22112-3185" == dead[0].headers["x-kamerstroom-upstream-id"]


async def test_a_dead_lettered_document_is_not_dead_lettered_again(harness: Harness) -> None:
    harness.server.faults.add("/frbr/officielepublicaties/kst/22112/", "invalid-xml")
    await harness.poll(SOURCE)
    again = await harness.poll(SOURCE)

    assert (0, 0) == (again.queued, again.dead_lettered)
    assert 1 == len(await harness.dead())


@pytest.mark.parametrize("fault", ["500", "reset", "slow", "truncated"])
async def test_a_passing_fault_on_a_document_is_retried_and_nothing_is_lost(
        harness: Harness, fault: str) -> None:
    harness.server.faults.add("/frbr/officielepublicaties/kst/22112/", fault)
    tally = await harness.poll(SOURCE)
    assert (1, 0) == (tally.queued, tally.dead_lettered)


async def test_an_oversize_document_is_dead_lettered(harness: Harness) -> None:
    harness.server.faults.add("/frbr/officielepublicaties/kst/22112/", "oversize")
    tally = await harness.poll(SOURCE)
    dead = await harness.dead()
    assert (0, ["too-large"]) == (tally.queued, [d.headers["x-kamerstroom-reason"] for d in dead])


async def test_a_kamerstuk_without_a_type_in_its_record_is_decided_by_its_document(
        harness: Harness) -> None:
    """Records without subrubriek: the motie XMLs' DC.type (or metadata.xml) decides; no type is drift."""
    folder = replay_folder(harness)
    untyped = [_untyped(replay.constructed_record(p)) for p in sorted(folder.glob("kst-*.xml"))
               if "CONSTRUCTED" not in p.name]
    harness.server.sru.replace(untyped)
    service = harness.service()
    tally = await harness.poll(SOURCE, service)
    await service.stop()

    assert 0 == tally.queued
    # kst-31839-1105 and kst-33009-173 declare Motie; kst-24515-782's constructed metadata.xml
    # says only "Kamerstuk" under no KamerstukTypen scheme: no type anywhere.
    assert {"not-a-letter": 2, "no-kamerstuk-type": 1} == tally.skipped
    assert ["kamerstuk-without-type"] == list(service.drift.detail(SOURCE))
    assert 3 == len([r for r in document_requests(harness) if "/xml/" in r])


async def test_a_walk_past_record_10000_pages_by_key_and_never_asks_for_startrecord_10000(
        harness: Harness) -> None:
    """10,050 records (constructed copies of a real bijlage record): all read, every page keyed."""
    harness.server.sru.replace(_copies(PAGE_2021, "blg-998035", 10_050))
    source = OfficieleBekendmakingen(harness.server.sru_url)
    async with PoliteClient.session() as session:
        client = PoliteClient(session, FAST)
        items = [i async for i in source.poll(client, PollContext(None, lambda _: None))]

    skipped = [i.upstream_id for i in items if isinstance(i, Skipped)]
    searches = [r for r in harness.server.faults.requests if r.startswith("/sru")]
    assert 10_050 == len(set(skipped)) == len(skipped)
    assert 101 == len(searches)
    assert all("startRecord=1&" in q or q.endswith("startRecord=1") for q in searches)
    assert all("dt.identifier%3E" in q for q in searches[1:])


async def test_the_replay_answers_504_from_startrecord_10000_like_upstream(harness: Harness) -> None:
    async with PoliteClient.session() as session:
        client = PoliteClient(session, dataclasses.replace(FAST, attempts=1))
        with pytest.raises(RetryLater, match="504"):
            await client.get(harness.server.sru_url, {"query": "x", "startRecord": "10000"})


def checkpoint(harness: Harness) -> str | None:
    store = FetcherStore(harness.settings.db_path)
    try:
        return store.checkpoint(SOURCE)
    finally:
        store.close()


def replay_folder(harness: Harness) -> Path:
    return Path(replay.__file__).parent / "recordings" / "officielebekendmakingen"


def _untyped(record: replay.ReplayRecord) -> replay.ReplayRecord:
    xml = re.sub(r"<overheidwetgeving:subrubriek [^>]*>[^<]*</overheidwetgeving:subrubriek>", "",
                 record.xml)
    return replay.ReplayRecord(record.identifier, record.modified, xml, None, record.documents)


def _copies(page: Path, identifier: str, count: int,
            folder: Path | None = None) -> list[replay.ReplayRecord]:
    """``count`` CONSTRUCTED copies of one real record, each with its own identifier (and the
    same documents, under the copy's URLs)."""
    [original] = [r for r in replay.load_page(page, folder) if r.identifier == identifier]

    def copy(n: int) -> replay.ReplayRecord:
        new = f"{identifier}-{n:05d}"
        documents = tuple((path.replace(identifier, new), doc) for path, doc in original.documents)
        return replay.ReplayRecord(new, original.modified, original.xml.replace(identifier, new),
                                   original.kamerstuk_type, documents)

    return [copy(n) for n in range(count)]


async def backfill_run(harness: Harness, window: Window, broker: Broker) -> object:
    store = FetcherStore(harness.settings.db_path)
    try:
        return await backfill(broker, store, harness.source(SOURCE), window, FAST)
    finally:
        store.close()


async def test_an_interrupted_backfill_resumes_after_the_last_handled_identifier(
        harness: Harness) -> None:
    """Five letters (constructed copies of the real letter record); the broker fails after two."""
    harness.server.sru.replace(_copies(PAGE_2021, "kst-22112-3185", 5, folder=replay_folder(harness)))
    window = Window(date(2021, 10, 1))
    with pytest.raises(RetryLater):
        await backfill_run(harness, window, FlakyBroker(harness.broker, allowed=2))
    harness.server.faults.requests.clear()
    await backfill_run(harness, window, harness.broker)
    queued = sorted(m.json()["upstream_id"] for m in await harness.raw())

    assert [f"kst-22112-3185-{n:05d}" for n in range(5)] == queued
    first = unquote(harness.server.faults.requests[0])
    assert 'dt.identifier>"kst-22112-3185-00001"' in first  # resumed after the second
