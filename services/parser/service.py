"""The parser's consumer: ``<ns>.parser`` -> parse -> ``<ns>.normalised``."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor

import structlog
from pydantic import ValidationError

from services.parser.parse import parse_raw
from shared import metrics, tracing
from shared.errors import ShuttingDown, Unprocessable
from shared.http import Check
from shared.messaging import Broker, Consumer, Delivery, OutgoingMessage
from shared.schema import NormalisedDocument, RawDocument

log = structlog.get_logger(__name__)
# Takes a normalised document and its message id; returns once it is safely handled.
Downstream = Callable[[NormalisedDocument, str | None], Awaitable[None]]

# Small XML, HTML and text documents are parsed on the event loop: a kst letter takes a
# few tenths of a millisecond, 32 KB of HTML about 5 ms at most, and handing them to the
# parse thread cost more than it saved. A thread that holds the GIL makes the loop wait
# for it after every system call (each SQLite statement, each socket send): 15-20% more
# CPU per letter in ``kamerstroom run``, measured. PDF, DOCX, undeclared and larger
# documents still go to the thread, so a long or hostile one never stalls the loop.
INLINE_FORMATS = frozenset({"kst-xml", "html", "text"})
INLINE_MAX_BYTES = 32 * 1024


class ParserService:
    """Consumes raw documents and publishes normalised records (or withdrawal notices).

    Stateless: a redelivered raw message is parsed again and published with the same
    message id; the publisher drops the duplicate.
    """

    name = "parser"

    def __init__(self, broker: Broker, *, prefetch: int) -> None:
        self._broker = broker
        self._consumer: Consumer | None = None
        self._prefetch = prefetch
        self.running = False
        self._shutting_down = False
        self._downstream: Downstream | None = None
        # Parsing is CPU work (a long PDF takes tens of ms, a hostile 10 MB file seconds):
        # it runs off the event loop so heartbeats, acks and the other services keep going.
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="parse")

    async def start(self) -> None:
        self._consumer = await self._broker.consume(self._broker.topology.parser_queue, self.handle,
                                                    prefetch=self._prefetch)
        self.running = True

    def begin_shutdown(self) -> None:
        self._shutting_down = True

    async def stop(self) -> None:
        self.running = False
        self._shutting_down = True
        if self._consumer is not None:  # its handlers in flight finish; other services go on
            await self._consumer.cancel()
        self._executor.shutdown(wait=True)

    async def handle(self, delivery: Delivery) -> None:
        """Parse one raw message and publish the result; ``Unprocessable`` dead-letters it.

        After ``begin_shutdown`` it raises ``ShuttingDown``: the message goes back untouched.
        """
        if self._shutting_down:
            raise ShuttingDown("the parser is shutting down")
        raw = _decode(delivery.body)
        if raw.format in INLINE_FORMATS and len(raw.body) <= INLINE_MAX_BYTES:
            normalised = self.normalise(raw)
        else:
            loop = asyncio.get_running_loop()
            normalised = await loop.run_in_executor(self._executor, self.normalise, raw)
        if normalised.record is not None:
            tracing.bind(correlation_id=normalised.record.id)
        if self._downstream is not None:
            await self._downstream(normalised, delivery.message_id)
            return
        await self._broker.publish(self._broker.topology.normalised, OutgoingMessage(
            body=normalised.model_dump_json().encode(), routing_key=raw.feed,
            message_id=delivery.message_id, headers=dict(delivery.headers),
        ))

    def hand_to(self, downstream: Downstream) -> None:
        """Give each document to ``downstream`` (the publisher in this process) instead of
        publishing it to ``<ns>.normalised``.

        The raw message is acked only once ``downstream`` returns, so a crash before that
        redelivers it and it is parsed again: at-least-once as through the broker, and the
        publisher drops what it has already announced. It saves a broker hop (publish,
        confirm, deliver, ack) and a JSON round trip of the record for every letter.
        """
        self._downstream = downstream

    @staticmethod
    def normalise(raw: RawDocument) -> NormalisedDocument:
        """The normalised message for one raw document; counts the outcome per format."""
        if raw.withdrawn:
            return NormalisedDocument(withdrawn_source=raw.source, replay=raw.replay)
        fmt = raw.format or "detected"
        try:
            record = parse_raw(raw)
        except Unprocessable:
            metrics.PARSE_RESULTS.labels(format=fmt, outcome="unprocessable").inc()
            raise
        if record.warnings:
            metrics.PARSE_RESULTS.labels(format=fmt, outcome="warning").inc()
            log.info("parsed with warnings", correlation_id=record.id, feed=raw.feed,
                     warnings=record.warnings)
        else:
            # A clean parse is counted, and its letter gets the publisher's "published" or
            # "nothing new" line: a line of its own here too cost 16 us per letter.
            metrics.PARSE_RESULTS.labels(format=fmt, outcome="ok").inc()
            log.debug("parsed", correlation_id=record.id, feed=raw.feed)
        return NormalisedDocument(record=record, replay=raw.replay)

    def checks(self) -> dict[str, Check]:
        return {"parser.consumer": lambda: (self.running, "consuming" if self.running else "stopped")}


def _decode(body: bytes) -> RawDocument:
    try:
        return RawDocument.model_validate_json(body)
    except ValidationError as exc:
        raise Unprocessable("bad-envelope", f"not a raw document: {exc.error_count()} errors") from exc
