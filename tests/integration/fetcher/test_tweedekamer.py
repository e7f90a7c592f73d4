"""The SyncFeed source against the replayed Tweede Kamer feed and the real broker."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from yarl import URL

from kamerstroom.receivers import wait_for
from services.fetcher.http import PoliteClient
from services.fetcher.service import FetcherService
from services.fetcher.sources.tweedekamer import TweedeKamer
from services.fetcher.store import FetcherStore
from services.parser.parse import parse_raw
from shared.errors import FeedDrift, RetryLater
from shared.schema import RawDocument
from tests.integration.fetcher.conftest import FAST, FlakyBroker, Harness

SOURCE = "tweedekamer"
CATEGORIES = ("Kamerstukdossier", "DocumentActor", "Document")


def feed_requests(harness: Harness) -> list[tuple[str, int]]:
    """(category, skiptoken) of every SyncFeed page the server answered, in order."""
    found = []
    for path in harness.server.faults.requests:
        url = URL(path)
        if url.path.endswith("/Feed"):
            found.append((url.query["category"], int(url.query["skiptoken"])))
    return found


def source_at(harness: Harness, clock: Callable[[], datetime]) -> TweedeKamer:
    return TweedeKamer(harness.server.tk_url, harness.settings.db_path, clock=clock)


async def poll_with(harness: Harness, source: TweedeKamer) -> Any:
    service = harness.service()
    try:
        async with PoliteClient.session() as session:
            return await service.poll_once(source, PoliteClient(session, FAST))
    finally:
        await service.stop()


def now_text(offset: timedelta = timedelta(0)) -> str:
    return (datetime.now(UTC) + offset).isoformat()


async def test_every_letter_is_queued_with_its_document_entry(harness: Harness) -> None:
    """Each "Brief regering" is queued once, with its file, its SyncFeed entry and its time."""
    tally = await harness.poll(SOURCE)
    queued = [m.json() for m in await harness.raw()]
    data = harness.server.tweedekamer
    letters = data.letters

    assert len(letters) == tally.queued
    assert sorted(letters) == sorted(d["upstream_id"] for d in queued)
    assert {"pdf", "docx"} == {d["format"] for d in queued}
    assert {"syncfeed-document"} == {d["metadata"]["kind"] for d in queued}
    for document in queued:
        entity = data.latest(document["upstream_id"])
        assert entity is not None
        assert datetime.fromisoformat(entity.bijgewerkt) == \
            datetime.fromisoformat(document["upstream_time"])
        assert f'id="{entity.id}"' in document["metadata"]["content"]
        assert {} == document["metadata"]["related"]  # no actor or dossier of these was recorded


async def test_no_request_goes_to_odata(harness: Harness) -> None:
    """Only the SyncFeed and its resources are asked for: OData v4 is gone."""
    await harness.poll(SOURCE)
    paths = harness.server.faults.requests
    assert paths and all(p.startswith(("/SyncFeed/2.0/Feed?", "/SyncFeed/2.0/Resources/"))
                         for p in paths)


async def test_real_letters_have_no_invented_ministry(harness: Harness) -> None:
    """With no DocumentActor recorded, a real letter is parsed with no ministry and a warning."""
    await harness.poll(SOURCE)
    records = [parse_raw(RawDocument.model_validate_json(m.body)) for m in await harness.raw()]

    assert records and {None} == {r.ministry for r in records}
    assert all(any("no signer or ministry stated" in w for w in r.warnings) for r in records)
    assert {"tk"} == {r.chamber for r in records}


async def test_entries_with_the_ns1_prefix_and_naive_timestamps_are_read(harness: Harness) -> None:
    """Letters whose entry uses ``ns1:`` attributes or a naive ``bijgewerkt`` are queued too."""
    await harness.poll(SOURCE)
    entries = [m.json()["metadata"]["content"] for m in await harness.raw()]

    assert any("ns1:bijgewerkt" in e for e in entries)
    assert any("tk:bijgewerkt" in e for e in entries)


async def test_each_poll_reads_dossiers_and_actors_before_documents(harness: Harness) -> None:
    """A poll asks Kamerstukdossier, then DocumentActor, then Document."""
    await harness.poll(SOURCE)
    order = list(dict.fromkeys(category for category, _ in feed_requests(harness)))
    assert list(CATEGORIES) == order


async def test_restart_resumes_each_category_from_its_skiptoken(harness: Harness) -> None:
    """After a restart each category is read from its stored skiptoken; nothing is queued again."""
    await harness.poll(SOURCE)
    harness.server.faults.requests.clear()
    again = await harness.poll(SOURCE)
    sizes = {c: harness.server.tweedekamer.size(c) for c in CATEGORIES}

    assert 0 == again.queued
    assert [(c, sizes[c]) for c in CATEGORIES] == feed_requests(harness)


async def test_a_letter_is_joined_with_its_actors_and_dossier(harness: Harness) -> None:
    """Actors (by ``document ref``) and the dossier (by ``kamerstukdossier ref``) travel along
    and give the record its ministry, signer, dossier and kst id."""
    data = harness.server.tweedekamer
    dossier = data.add_dossier("36999", "VIII", now_text(timedelta(hours=-2)))
    letter = data.add_letter("Testbrief", now_text(timedelta(hours=-2)), volgnummer=12,
                             dossier_id=dossier)
    data.add_actor(letter, "minister van Defensie", "Test Ondertekenaar", now_text(timedelta(hours=-2)))
    await harness.poll(SOURCE)
    [message] = [m for m in await harness.raw() if m.json()["upstream_id"] == letter]
    record = parse_raw(RawDocument.model_validate_json(message.body))

    assert record.ministry is not None and "def" == record.ministry.code
    assert [("Test Ondertekenaar", "minister van Defensie")] == [
        (s.name, s.role) for s in record.signatories]
    assert record.dossier is not None and ("36999", "VIII") == (
        record.dossier.number, record.dossier.toevoeging)
    assert "kst-36999-VIII-12" == record.id


async def test_a_fresh_letter_waits_for_its_actors_then_is_queued_with_them(
        harness: Harness) -> None:
    """A letter changed minutes ago with no actor yet is held, not queued, and not lost."""
    data = harness.server.tweedekamer
    await harness.poll(SOURCE)
    await harness.raw()
    letter = data.add_letter("Nog zonder ondertekenaar", now_text(timedelta(minutes=-5)))
    held = await harness.poll(SOURCE)
    waiting = await harness.raw()
    checkpoint = FetcherStore(harness.settings.db_path).checkpoint(SOURCE)
    data.add_actor(letter, "staatssecretaris van Financiën", "Test Ondertekenaar", now_text())
    later = await harness.poll(SOURCE)
    [queued] = [m.json() for m in await harness.raw()]

    assert ({"awaiting-actors": 1}, 0, []) == (held.skipped, held.queued, waiting)
    assert str(data.size("Document")) == checkpoint  # the pending table holds it
    assert 1 == later.queued
    assert letter == queued["upstream_id"]
    assert 1 == sum(k.startswith("actor:") for k in queued["metadata"]["related"])


async def test_after_the_grace_period_a_letter_goes_without_actors_and_again_when_they_come(
        harness: Harness) -> None:
    """Past the grace period the letter is queued without actors (a warning, no ministry);
    actors that arrive afterwards queue it again, now with its ministry."""
    data = harness.server.tweedekamer
    await harness.poll(SOURCE)
    await harness.raw()
    letter = data.add_letter("Late ondertekenaar", now_text(timedelta(minutes=-5)))
    await poll_with(harness, source_at(harness, lambda: datetime.now(UTC)))
    late = source_at(harness, lambda: datetime.now(UTC) + timedelta(hours=1))
    await poll_with(harness, late)
    [first] = [parse_raw(RawDocument.model_validate_json(m.body)) for m in await harness.raw()]
    data.add_actor(letter, "minister van Justitie en Veiligheid", "Test Ondertekenaar", now_text())
    again = await poll_with(harness, late)
    [second] = [parse_raw(RawDocument.model_validate_json(m.body)) for m in await harness.raw()]

    assert (None, []) == (first.ministry, first.signatories)
    assert any("no signer or ministry stated" in w for w in first.warnings)
    assert 1 == again.queued
    assert second.ministry is not None and "jenv" == second.ministry.code


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
    assert [("too-large", harness.broker.topology.refetch_queue, SOURCE, letter)] == [
        (d.headers["x-kamerstroom-reason"], d.headers["x-kamerstroom-queue"],
         d.headers["x-kamerstroom-feed"], d.headers["x-kamerstroom-upstream-id"]) for d in dead]


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


@pytest.mark.parametrize("drift", ["gone", "namespace"])
async def test_a_changed_format_is_drift_within_one_poll_and_the_checkpoint_holds(
        harness: Harness, drift: str) -> None:
    """A feed answering 410, or entities in a renamed namespace, fail the poll as drift: counted
    and shown in readiness, the checkpoint unchanged, nothing read as "nothing new"."""
    data = harness.server.tweedekamer
    await harness.poll(SOURCE)
    await harness.raw()
    data.revise(data.letters[0])
    before = FetcherStore(harness.settings.db_path).checkpoint(SOURCE)
    data.drift = drift
    source = source_at(harness, lambda: datetime.now(UTC))
    service = FetcherService(harness.broker, FetcherStore(harness.settings.db_path), [source],
                             interval=3600.0, http=FAST, start_date=harness.settings.start_date)
    with pytest.raises(FeedDrift) as caught:
        await poll_with(harness, source)
    await service.start()
    try:
        seen = await wait_for(lambda: service.drift.total(SOURCE) > 0, timeout=10)
    finally:
        await service.stop()
    after = FetcherStore(harness.settings.db_path).checkpoint(SOURCE)

    assert seen
    assert {"gone": "feed-gone", "namespace": "page-unreadable"}[drift] == caught.value.kind
    assert caught.value.kind in service.drift.detail(SOURCE)
    assert before == after
    assert [] == await harness.raw()
