"""Handle what a poll yields: queue raw documents, dead-letter failures, move checkpoints.

Exactly-once by construction: a document is published (and confirmed) before its seen row
and the checkpoint are written in one transaction. A crash between the two republishes the
same message id on restart, which the consumers deduplicate.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import structlog

from services.fetcher.sources.base import Failed, Found, Item, Progress, Skipped
from services.fetcher.store import DEAD_PREFIX, SKIPPED_PREFIX, WITHDRAWN, FetcherStore
from shared.messaging import Broker, OutgoingMessage
from shared.messaging.topology import (
    ERROR_HEADER,
    FEED_HEADER,
    ORIGIN_QUEUE_HEADER,
    REASON_HEADER,
    UPSTREAM_ID_HEADER,
)

log = structlog.get_logger(__name__)


@dataclass
class Tally:
    """What one run did."""

    queued: int = 0
    unchanged: int = 0
    dead_lettered: int = 0
    skipped: dict[str, int] = field(default_factory=dict)  # reason -> how many

    @property
    def skipped_total(self) -> int:
        return sum(self.skipped.values())


def content_hash(item: Found) -> str:
    """The seen-table hash: the body's SHA-256 (with the item's ``facts`` when it has them),
    or a marker for a withdrawal."""
    if item.document.withdrawn:
        return WITHDRAWN
    digest = hashlib.sha256(item.document.body)
    if item.facts is not None:
        digest.update(b"\0" + item.facts.encode())
    return "sha256:" + digest.hexdigest()


class Queuer:
    """Publishes the items of one source under one checkpoint key."""

    def __init__(self, broker: Broker, store: FetcherStore, source: str,
                 checkpoint_key: str, tally: Tally | None = None, *, redo: bool = False) -> None:
        """``redo``: items of a document sent back from the dead-letter queue, so a failure
        is dead-lettered again even when the same failure was recorded before."""
        self._redo = redo
        self._broker = broker
        self._store = store
        self._source = source
        self._key = checkpoint_key
        self.tally = tally if tally is not None else Tally()

    async def handle(self, item: Item) -> None:
        """Handle one item completely; raises ``RetryLater`` if the broker did not confirm."""
        if isinstance(item, Found):
            await self._found(item)
        elif isinstance(item, Failed):
            await self._failed(item)
        elif isinstance(item, Skipped):
            self._skipped(item)
        elif isinstance(item, Progress) and item.checkpoint is not None:
            self._store.set_checkpoint(self._key, item.checkpoint)
        # Drift is the service's to report (``FetcherService.poll_once``), not to queue.

    def _skipped(self, item: Skipped) -> None:
        # Counted and logged (the poll's summary line shows the counts), never published.
        self.tally.skipped[item.reason] = self.tally.skipped.get(item.reason, 0) + 1
        log.debug("skipped", source=self._source, upstream_id=item.upstream_id, reason=item.reason,
                  detail=item.detail)
        if item.version is not None:
            self._store.record(self._source, item.upstream_id, SKIPPED_PREFIX + item.reason,
                               item.version, self._checkpoint(item))
        elif item.checkpoint is not None:
            self._store.set_checkpoint(self._key, item.checkpoint)

    def _checkpoint(self, item: Found | Failed | Skipped | Progress) -> tuple[str, str] | None:
        return (self._key, item.checkpoint) if item.checkpoint is not None else None

    async def _found(self, item: Found) -> None:
        document = item.document
        digest = content_hash(item)
        if self._store.is_queued(self._source, document.upstream_id, digest):
            self.tally.unchanged += 1
        else:
            await self._broker.publish(self._broker.topology.raw, OutgoingMessage(
                body=document.model_dump_json().encode(), routing_key=self._source,
                message_id=f"{self._source}:{document.upstream_id}:{digest[-16:]}",
                headers={FEED_HEADER: self._source,
                         UPSTREAM_ID_HEADER: document.upstream_id,
                         "x-kamerstroom-replay": document.replay},
            ))
            self.tally.queued += 1
            log.info("queued", source=self._source, upstream_id=document.upstream_id,
                     withdrawn=document.withdrawn, replay=document.replay)
        self._store.record(self._source, document.upstream_id, digest, item.version,
                           self._checkpoint(item))

    async def _failed(self, item: Failed) -> None:
        marker = DEAD_PREFIX + item.reason
        if self._redo or not self._store.is_queued(self._source, item.upstream_id, marker):
            # Its origin is the fetcher's refetch queue: `dead requeue` sends it back there,
            # and the fetcher fetches the document again from this feed record.
            topology = self._broker.topology
            await self._broker.publish(topology.dlx, OutgoingMessage(
                body=item.record.encode(), routing_key=topology.refetch_queue,
                message_id=f"{self._source}:{item.upstream_id}:{item.reason}",
                content_type="text/plain",
                headers={ERROR_HEADER: item.detail[:1000], REASON_HEADER: item.reason,
                         ORIGIN_QUEUE_HEADER: topology.refetch_queue, FEED_HEADER: self._source,
                         UPSTREAM_ID_HEADER: item.upstream_id,
                         "x-kamerstroom-url": item.url or ""},
            ))
            self.tally.dead_lettered += 1
            log.warning("dead-lettered", source=self._source, upstream_id=item.upstream_id,
                        reason=item.reason, detail=item.detail)
        self._store.record(self._source, item.upstream_id, marker, item.version,
                           self._checkpoint(item))
