"""Handling poll items: publish, dead-letter, and move checkpoints only after the confirm."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from services.fetcher.queueing import Queuer
from services.fetcher.sources.base import Failed, Found, Progress, Skipped
from services.fetcher.store import FetcherStore
from shared.errors import RetryLater
from shared.messaging.memory import MemoryBroker
from shared.schema import RawDocument


def found(body: bytes, checkpoint: str | None = None, uid: str = "doc-1") -> Found:
    document = RawDocument(feed="rijksoverheid", upstream_id=uid, fetched_at=datetime.now(UTC),
                           format="pdf", body=body)
    return Found(document, "v1", checkpoint)


@pytest.fixture
async def broker() -> AsyncIterator[MemoryBroker]:
    """A connected in-memory broker."""
    broker = MemoryBroker()
    await broker.connect()
    yield broker
    await broker.close()


@pytest.fixture
def store() -> FetcherStore:
    """A store in memory."""
    return FetcherStore(Path(":memory:"))


@pytest.fixture
def queuer(broker: MemoryBroker, store: FetcherStore) -> Queuer:
    """Handles items of the rijksoverheid source under its live checkpoint."""
    return Queuer(broker, store, "rijksoverheid", "rijksoverheid")


async def test_new_document_is_published_to_raw_with_the_feed_as_routing_key(
        broker: MemoryBroker, queuer: Queuer) -> None:
    """A new document goes to ``<ns>.raw`` routed by its feed name."""
    await queuer.handle(found(b"%PDF-1"))
    assert [("kamerstroom.raw", "rijksoverheid")] == [
        (exchange, m.routing_key) for exchange, m in broker.published]


async def test_same_content_is_not_published_twice_but_changed_content_is(
        broker: MemoryBroker, queuer: Queuer) -> None:
    """Unchanged content is counted as unchanged; a changed body is a new revision."""
    await queuer.handle(found(b"%PDF-1"))
    await queuer.handle(found(b"%PDF-1"))
    await queuer.handle(found(b"%PDF-2"))
    assert (2, 1) == (queuer.tally.queued, queuer.tally.unchanged)
    assert 2 == len({m.message_id for _, m in broker.published})


async def test_checkpoint_stays_when_the_broker_does_not_confirm(broker: MemoryBroker,
                                                                 queuer: Queuer, store: FetcherStore) -> None:
    """If the publish fails, neither the seen row nor the checkpoint moves."""
    await queuer.handle(found(b"%PDF-1", checkpoint="1", uid="a"))
    broker.up = False
    with pytest.raises(RetryLater):
        await queuer.handle(found(b"%PDF-2", checkpoint="2", uid="b"))
    assert ("1", None) == (store.checkpoint("rijksoverheid"), store.seen("rijksoverheid", "b"))


async def test_failure_is_dead_lettered_once_with_reason_headers(broker: MemoryBroker,
                                                                 queuer: Queuer, store: FetcherStore) -> None:
    """A failed document goes to ``<ns>.dlx`` once, with error and reason, its feed, and the
    fetcher's refetch queue as the origin it can be sent back to."""
    failure = Failed("doc-9", "too-large", "file.pdf is 30 MiB", url="http://x/file.pdf",
                     version="v1", record="{}", checkpoint="9")
    await queuer.handle(failure)
    await queuer.handle(failure)
    [(exchange, message)] = broker.published
    assert "kamerstroom.dlx" == exchange
    assert {"x-kamerstroom-error": "file.pdf is 30 MiB", "x-kamerstroom-reason": "too-large",
            "x-kamerstroom-queue": "kamerstroom.refetch", "x-kamerstroom-feed": "rijksoverheid",
            "x-kamerstroom-upstream-id": "doc-9"}.items() <= dict(message.headers).items()
    assert "9" == store.checkpoint("rijksoverheid")


async def test_a_document_sent_back_that_fails_again_is_dead_lettered_again(
        broker: MemoryBroker, store: FetcherStore) -> None:
    """With ``redo`` (a requeued dead letter) the same failure is dead-lettered once more: it
    is never acked away because it failed that way before."""
    failure = Failed("doc-9", "too-large", "file.pdf is 30 MiB", record="{}")
    await Queuer(broker, store, "rijksoverheid", "rijksoverheid").handle(failure)
    await Queuer(broker, store, "rijksoverheid", "rijksoverheid", redo=True).handle(failure)
    assert ["kamerstroom.dlx", "kamerstroom.dlx"] == [exchange for exchange, _ in broker.published]


async def test_progress_moves_the_checkpoint_without_publishing(broker: MemoryBroker,
                                                                queuer: Queuer, store: FetcherStore) -> None:
    """A progress item only stores its checkpoint."""
    await queuer.handle(Progress("42"))
    assert ([], "42") == (broker.published, store.checkpoint("rijksoverheid"))


async def test_a_skipped_document_is_counted_by_reason_and_never_published(
        broker: MemoryBroker, queuer: Queuer, store: FetcherStore) -> None:
    """A skipped item is tallied under its reason, moves its checkpoint and publishes nothing."""
    await queuer.handle(Skipped("doc-1", "before-start-date"))
    await queuer.handle(Skipped("doc-2", "before-start-date", checkpoint="7"))
    assert ([], {"before-start-date": 2}, "7") == (
        broker.published, queuer.tally.skipped, store.checkpoint("rijksoverheid"))
