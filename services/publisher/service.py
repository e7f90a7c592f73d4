"""The publisher's consumer: ``<ns>.publisher`` -> one versioned event -> ``<ns>.events`` and webhooks.

For each normalised document: resolve it to its letter and store the new version with its
event (``RecordStore``), publish the event with the broker's confirm, queue the webhook
deliveries, then mark the version announced. A crash anywhere in between redelivers the
message, and the stored (unannounced) version goes out again with the same event id.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import structlog
from aiohttp import web
from pydantic import ValidationError

from services.publisher.admin.api import AdminAPI
from services.publisher.checkpoint import Checkpointer
from services.publisher.events import kind_of, routing_key
from services.publisher.inflight import InFlight
from services.publisher.read.api import ReadAPI
from services.publisher.records import RecordStore, Version
from services.publisher.webhooks.delivery import Dispatcher
from services.publisher.webhooks.registry import EndpointRegistry
from shared import metrics, tracing
from shared.db.waiting import through_outage, through_outage_sync
from shared.errors import ShuttingDown, Unprocessable
from shared.http import Check
from shared.messaging import Broker, Consumer, Delivery, OutgoingMessage
from shared.messaging.topology import CORRELATION_HEADER
from shared.schema import CloudEvent, Kamerbrief, NormalisedDocument
from shared.schema.events import CONTENT_TYPE

log = structlog.get_logger(__name__)
T = TypeVar("T")


class PublisherService:
    """Announces each new version of a letter as a ``published``/``updated``/``withdrawn`` event."""

    name = "publisher"

    def __init__(self, broker: Broker, records: RecordStore, registry: EndpointRegistry,
                 dispatcher: Dispatcher, admin: AdminAPI | None, *, prefetch: int,
                 checkpointer: Checkpointer | None = None, read: ReadAPI | None = None) -> None:
        self._broker = broker
        self._consumer: Consumer | None = None
        self.records = records
        self.registry = registry
        self.dispatcher = dispatcher
        self.admin = admin
        self.read = read
        self._prefetch = prefetch
        self._checkpointer = checkpointer
        self._in_flight = InFlight()
        self.running = False
        self._shutting_down = False

    def mount(self, app: web.Application) -> None:
        """Add the read API's and the admin API's routes to the process's HTTP server (before
        it starts); the read routes first, so the admin API's ``/v1`` catch-all leaves them be."""
        if self.read is not None:
            self.read.mount(app)
        if self.admin is None:
            app.router.add_route("*", "/v1/{tail:.*}", _admin_off)
            return
        self.admin.mount(app)

    async def start(self) -> None:
        if self.admin is None:
            log.warning("admin API is off: set KAMERSTROOM_ADMIN_TOKEN to manage webhook endpoints")
        if self.read is not None and not self.read.enabled:
            log.warning("read API and feeds answer 401: set KAMERSTROOM_READ_TOKEN "
                        "or KAMERSTROOM_READ_PUBLIC=true")
        if self._checkpointer is not None:
            await self._checkpointer.start()
        await self.dispatcher.start()
        for version in self.records.claim_unannounced():  # left over from a crash
            await self.announce(version)
        self._consumer = await self._broker.consume(self._broker.topology.publisher_queue, self.handle,
                                                    prefetch=self._prefetch)
        self.running = True

    def begin_shutdown(self) -> None:
        """Start nothing new: no letter is taken on, no webhook attempt begins."""
        self._shutting_down = True
        self.dispatcher.begin_shutdown()

    async def stop(self) -> None:
        """Stop consuming, let handlers in flight finish (the runtime bounds this), close."""
        self.begin_shutdown()
        self.running = False
        if self._consumer is not None:
            await self._consumer.cancel()
        await self._in_flight.drained()
        await self.dispatcher.cancel_consumer()
        await self.dispatcher.drain()
        await self.dispatcher.close()
        if self._checkpointer is not None:
            await self._checkpointer.stop()
        self.records.close()
        self.registry.close()
        if self.read is not None:
            self.read.close()

    async def handle(self, delivery: Delivery) -> None:
        """Store the document's effect on its letter; announce a new version if there is one.

        After ``begin_shutdown`` it raises ``ShuttingDown``: the message goes back untouched.
        """
        await self.accept(_decode(delivery.body), delivery.message_id)

    async def accept(self, document: NormalisedDocument, message_id: str | None) -> None:
        """``handle`` for a document already in memory: the parser in this process hands
        its documents over here instead of through ``<ns>.normalised`` (see ``ParserService``).

        Returns once the document's version is stored, announced and marked (or found
        not new); the caller acks its own message only then.
        """
        if self._shutting_down:
            raise ShuttingDown("the publisher is shutting down")
        with self._in_flight.track():
            await self._handle(document, message_id)

    async def _handle(self, document: NormalisedDocument, message_id: str | None) -> None:
        """A record or a withdrawal notice; an envelope with neither is dead-lettered."""
        record, withdrawn = document.record, document.withdrawn_source
        if record is not None:
            version = await self._stored(lambda: self.records.ingest(record, replay=document.replay),
                                         "ingest")
        elif withdrawn is not None:
            version = await self._stored(lambda: self.records.withdraw(withdrawn, replay=document.replay),
                                         "withdraw")
        else:
            raise Unprocessable("bad-envelope", "neither a record nor a withdrawn source")
        if version is None:
            log.info("nothing new", message_id=message_id)
            return
        await self.announce(version)

    async def announce(self, version: Version) -> None:
        """Publish the version's event, queue its webhook deliveries, mark it announced."""
        event, body = version.event, version.body()
        tracing.bind(correlation_id=event.subject, event_id=event.id)
        await self.publish_event(event, body)
        # A database outage from here on is waited out step by step: the event is not
        # published again, and the message is acked only once the version is marked.
        queued = await through_outage(lambda: self.dispatcher.fan_out(event, body),
                                      stopping=lambda: self._shutting_down, what="fan-out")
        await self._stored(lambda: self.records.mark_announced(version), "mark announced")
        metrics.EVENTS.labels(type=version.kind.value).inc()
        metrics.observe_letter_age(event.data.fetched_at)
        _observe_lag(event.data)
        log.info("published", correlation_id=event.subject, event_id=event.id, type=event.type,
                 version=version.version, changed_fields=event.changed_fields, webhooks=queued)

    async def publish_event(self, event: CloudEvent, body: str | None = None) -> None:
        """Publish ``event`` (``body``: its JSON, if at hand) to ``<ns>.events``; wait for the confirm."""
        key = routing_key(kind_of(event), event.data)
        await self._broker.publish(self._broker.topology.events, OutgoingMessage(
            body=(body or event.model_dump_json()).encode(), routing_key=key, message_id=event.id,
            content_type=CONTENT_TYPE,
            headers={CORRELATION_HEADER: event.subject, "x-kamerstroom-event-id": event.id},
        ), mandatory=False)

    async def _stored(self, call: Callable[[], T], what: str) -> T:
        """``call`` again after each database outage, until it works or shutdown starts."""
        return await through_outage_sync(call, stopping=lambda: self._shutting_down, what=what)

    def checks(self) -> dict[str, Check]:
        return {"publisher.consumer": lambda: (self.running, "consuming" if self.running else "stopped"),
                # The state database: a lost one turns /readyz 503 (work waits and retries).
                "publisher.store": lambda: (self.records.ping(), self.records.dialect)}


async def _admin_off(_: web.Request) -> web.Response:
    detail = "the admin API is off: start the publisher with KAMERSTROOM_ADMIN_TOKEN"
    return web.json_response({"error": "admin-api-off", "detail": detail}, status=503)


def _observe_lag(record: Kamerbrief) -> None:
    """The lag of the feed whose fetch made this version: the most recently fetched source."""
    timed = [(s.fetched_at, s) for s in record.sources
             if s.upstream_time is not None and s.fetched_at is not None]
    if timed:
        latest = max(timed, key=lambda pair: pair[0])[1]
        metrics.observe_letter_lag(latest.feed, latest.upstream_time)


def _decode(body: bytes) -> NormalisedDocument:
    try:
        return NormalisedDocument.model_validate_json(body)
    except ValidationError as exc:
        raise Unprocessable("bad-envelope", f"not a normalised document: {exc.error_count()} errors") from exc
