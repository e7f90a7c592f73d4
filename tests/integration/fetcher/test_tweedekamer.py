"""The SyncFeed source against the replayed Tweede Kamer feed and the real broker."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from kamerstroom.receivers import wait_for
from services.fetcher.store import FetcherStore
from shared.errors import RetryLater
from tests.integration.fetcher.conftest import FAST, FlakyBroker, Harness

SOURCE = "tweedekamer"


async def test_every_letter_is_queued_with_its_odata_details(harness: Harness) -> None:
    """Each "Brief regering" of the feed is queued once, with its file and expanded OData record."""
    tally = await harness.poll(SOURCE)
    queued = [m.json() for m in await harness.raw()]
    letters = harness.server.tweedekamer.letters

    assert len(letters) == tally.queued
    assert sorted(letters) == sorted(d["upstream_id"] for d in queued)
    assert {"pdf", "docx"} == {d["format"] for d in queued}
    record = json.loads(queued[0]["metadata"]["content"])
    assert "odata-document" == queued[0]["metadata"]["kind"]
    assert "Brief regering" == record["Soort"]
    assert "Eerste ondertekenaar" == record["DocumentActor"][0]["Relatie"]
    assert isinstance(record["Kamerstukdossier"][0]["Nummer"], int)
    assert "syncfeed-entry" in queued[0]["metadata"]["related"]


async def test_entries_with_the_ns1_prefix_and_naive_timestamps_are_read(harness: Harness) -> None:
    """Letters whose entry uses ``ns1:`` attributes or a naive ``bijgewerkt`` are queued too."""
    await harness.poll(SOURCE)
    entries = [m.json()["metadata"]["related"]["syncfeed-entry"] for m in await harness.raw()]

    assert any("ns1:bijgewerkt" in e for e in entries)
    assert any("tk:bijgewerkt" in e for e in entries)


async def test_restart_resumes_from_the_skiptoken(harness: Harness) -> None:
    """After a restart the feed is read from the stored skiptoken and nothing is queued again."""
    await harness.poll(SOURCE)
    harness.server.faults.requests.clear()
    again = await harness.poll(SOURCE)
    entries = len(harness.server.tweedekamer.entries)

    assert 0 == again.queued
    assert [f"/SyncFeed/2.0/Feed?category=Document&skiptoken={entries}"] == \
        harness.server.faults.requests


async def test_a_tombstone_of_a_queued_letter_becomes_a_withdrawal(harness: Harness) -> None:
    """``verwijderd="true"`` for a letter queued before queues a withdrawn document, empty body."""
    await harness.poll(SOURCE)
    await harness.raw()
    letter = harness.server.tweedekamer.letters[0]
    harness.server.tweedekamer.withdraw(letter)
    await harness.poll(SOURCE)
    queued = [m.json() for m in await harness.raw()]

    assert [(letter, True, "")] == [(d["upstream_id"], d["withdrawn"], d["body"]) for d in queued]
    assert "syncfeed-entry" == queued[0]["metadata"]["kind"]


async def test_tombstones_of_documents_never_queued_are_skipped(harness: Harness) -> None:
    """The real feed's tombstones (documents of unknown kind) queue no withdrawal."""
    await harness.poll(SOURCE)
    withdrawn = [m for m in await harness.raw() if m.json()["withdrawn"]]
    assert [] == withdrawn


async def test_a_changed_letter_is_queued_again_and_an_unchanged_one_is_not(harness: Harness) -> None:
    """A re-emitted letter with a new file is a new revision; re-emitting the same file is not."""
    await harness.poll(SOURCE)
    await harness.raw()
    changed, same = harness.server.tweedekamer.letters[:2]
    harness.server.tweedekamer.revise(changed)
    harness.server.tweedekamer.reemit(same)
    tally = await harness.poll(SOURCE)

    assert [changed] == [m.json()["upstream_id"] for m in await harness.raw()]
    assert (1, 1) == (tally.queued, tally.unchanged)


async def test_exactly_once_across_a_crash_mid_page(harness: Harness) -> None:
    """Stopped after ten letters mid-page and restarted, every letter is queued exactly once."""
    flaky = FlakyBroker(harness.broker, allowed=10)
    with pytest.raises(RetryLater):
        await harness.poll(SOURCE, service=harness.service(broker=flaky))
    checkpoint = FetcherStore(harness.settings.db_path).checkpoint(SOURCE)
    await harness.poll(SOURCE)
    ids = [m.json()["upstream_id"] for m in await harness.raw()]

    assert checkpoint is not None and 0 < int(checkpoint) < len(harness.server.tweedekamer.entries)
    assert sorted(harness.server.tweedekamer.letters) == sorted(ids)


async def test_oversize_enclosure_is_dead_lettered_and_the_others_are_queued(harness: Harness) -> None:
    """A file over the size limit is dead-lettered as too-large; the other letters are queued."""
    letter = harness.server.tweedekamer.letters[3]
    harness.server.faults.add(f"/SyncFeed/2.0/Resources/{letter}", "oversize", times=None)
    tally = await harness.poll(SOURCE)
    dead = await harness.dead()

    assert (len(harness.server.tweedekamer.letters) - 1, 1) == (tally.queued, tally.dead_lettered)
    assert [("too-large", SOURCE, letter)] == [
        (d.headers["x-kamerstroom-reason"], d.headers["x-kamerstroom-queue"],
         d.headers["x-kamerstroom-upstream-id"]) for d in dead]


async def test_truncated_enclosure_is_retried_then_dead_lettered(harness: Harness) -> None:
    """A file that is cut off on every attempt ends as an unreadable-body dead letter."""
    letter = harness.server.tweedekamer.letters[5]
    harness.server.faults.add(f"/SyncFeed/2.0/Resources/{letter}", "truncated", times=None)
    await harness.poll(SOURCE)
    dead = await harness.dead()
    hits = [r for r in harness.server.faults.requests if r.endswith(letter)]

    assert ["unreadable-body"] == [d.headers["x-kamerstroom-reason"] for d in dead]
    assert 3 == len(hits)  # every attempt of FAST


async def test_exactly_once_across_a_stop_mid_page(harness: Harness) -> None:
    """A service stopped in the middle of a page and started again queues every letter once."""
    spaced = replace(FAST, min_interval=0.02)  # slow enough to stop it part way
    service = harness.service(http=spaced)
    watcher = FetcherStore(harness.settings.db_path)
    await service.start()
    try:
        await wait_for(lambda: watcher.count("tweedekamer") >= 5, timeout=30)
    finally:
        await service.stop()
    first_run = watcher.count("tweedekamer")
    restarted = harness.service(http=spaced)
    await restarted.start()
    try:
        done = await wait_for(lambda: restarted.states[SOURCE].last_success is not None, timeout=30)
    finally:
        await restarted.stop()
        watcher.close()
    ids = [m.json()["upstream_id"] for m in await harness.raw() if m.routing_key == SOURCE]

    assert done
    assert 5 <= first_run < len(harness.server.tweedekamer.letters)
    assert sorted(harness.server.tweedekamer.letters) == sorted(ids)


async def test_a_resource_answering_500_every_time_does_not_stall_the_feed(harness: Harness) -> None:
    """The missing-resource quirk (a lasting 500) dead-letters that letter; the walk goes on."""
    letter = harness.server.tweedekamer.letters[7]
    harness.server.faults.add(f"/SyncFeed/2.0/Resources/{letter}", "500", times=None)
    tally = await harness.poll(SOURCE)
    dead = await harness.dead()

    assert len(harness.server.tweedekamer.letters) - 1 == tally.queued
    assert [("resource-unavailable", letter)] == [
        (d.headers["x-kamerstroom-reason"], d.headers["x-kamerstroom-upstream-id"]) for d in dead]


async def test_a_429_on_the_feed_is_waited_out(harness: Harness) -> None:
    """A 429 with Retry-After on a feed page delays the poll but loses nothing."""
    harness.server.faults.add("/SyncFeed/2.0/Feed", "429")
    tally = await harness.poll(SOURCE)
    assert len(harness.server.tweedekamer.letters) == tally.queued
