"""The publisher's consumer: ``<ns>.publisher`` -> CloudEvent -> ``<ns>.events`` and webhooks."""

from __future__ import annotations

import structlog
from pydantic import ValidationError

from services.publisher.events import build_event, routing_key
from services.publisher.webhooks import WebhookSender
from shared.errors import Unprocessable
from shared.http import Check
from shared.messaging import Broker, Delivery, OutgoingMessage
from shared.messaging.topology import CORRELATION_HEADER
from shared.schema import CloudEvent, EventKind, NormalisedDocument
from shared.schema.events import CONTENT_TYPE

log = structlog.get_logger(__name__)


class PublisherService:
    """Announces each normalised record as a ``published`` event."""

    name = "publisher"

    def __init__(self, broker: Broker, webhooks: WebhookSender, *, event_source: str,
                 prefetch: int) -> None:
        self._broker = broker
        self._webhooks = webhooks
        self._event_source = event_source
        self._prefetch = prefetch
        self.running = False

    async def start(self) -> None:
        await self._webhooks.start()
        await self._broker.consume(self._broker.topology.publisher_queue, self.handle,
                                   prefetch=self._prefetch)
        self.running = True

    async def stop(self) -> None:
        self.running = False
        await self._broker.cancel_consumers()
        await self._webhooks.close()

    async def handle(self, delivery: Delivery) -> None:
        """Publish the event for one normalised document, then deliver it to webhooks."""
        document = _decode(delivery.body)
        if document.record is None:
            raise Unprocessable("unsupported", "withdrawal notices are not published yet")
        event = build_event(document.record, EventKind.PUBLISHED, source=self._event_source,
                            replay=document.replay)
        await self.announce(event)
        await self._webhooks.deliver(event)

    async def announce(self, event: CloudEvent) -> None:
        """Publish ``event`` to ``<ns>.events`` and wait for the confirm."""
        key = routing_key(EventKind(event.type.rsplit(".", 1)[1]), event.data)
        await self._broker.publish(self._broker.topology.events, OutgoingMessage(
            body=event.model_dump_json().encode(), routing_key=key, message_id=event.id,
            content_type=CONTENT_TYPE,
            headers={CORRELATION_HEADER: event.subject, "x-kamerstroom-event-id": event.id},
        ), mandatory=False)
        log.info("published", correlation_id=event.subject, event_id=event.id, routing_key=key)

    def checks(self) -> dict[str, Check]:
        return {"publisher.consumer": lambda: (self.running, "consuming" if self.running else "stopped")}


def _decode(body: bytes) -> NormalisedDocument:
    try:
        return NormalisedDocument.model_validate_json(body)
    except ValidationError as exc:
        raise Unprocessable("bad-envelope", f"not a normalised document: {exc.error_count()} errors") from exc
